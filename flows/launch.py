"""The `qaflow` console script.

Pipeline commands go to the warm runner of `qaflow server up` when there is one
(see flows.warm: ~3 s of imports saved per command); everything else, and every
command when there is no runner, runs in this process.
"""

from __future__ import annotations

import sys


def main() -> None:
    from flows import warm

    argv = sys.argv[1:]
    if warm.wanted(argv):
        code = warm.run_warm(argv)
        if code is not None:
            raise SystemExit(code)
    from flows.cli import main as run_here

    run_here()
