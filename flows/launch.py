"""The `qaflow` console script.

Pipeline commands go to the warm runner of `qaflow server up` when there is one
(flows/warm.py: ~3 s of imports saved per command); everything else, and every
command when there is no runner, runs in this process. Only the standard library and
flows.warm_client are imported before that choice, so `qaflow version` stays fast.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Hand the command to the warm runner, or run it here."""
    from flows import warm_client

    argv = sys.argv[1:]
    if warm_client.wanted(argv):
        code = warm_client.run_warm(argv)
        if code is not None:
            raise SystemExit(code)
    from flows.cli import main as run_here

    run_here()
