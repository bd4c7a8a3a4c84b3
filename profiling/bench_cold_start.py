"""Prefect's cold start, as a user sees it: wall time of whole commands.

In a fresh QAFLOW_HOME and PREFECT_HOME with no `server up` typed, prints the first
`qaflow rag status` and `qaflow version` and the median of the next runs: by default
(the first command starts the local server) and with QAFLOW_SERVER=never (a temporary
API per command). Targets: `rag status` <= 1.5 s, `version` <= 0.5 s.

    .venv/bin/python profiling/bench_cold_start.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def first_then_median(args: list[str], env: dict[str, str], runs: int) -> tuple[float, list[float]]:
    first = wall(args, env)
    return first, sorted(wall(args, env) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs after the first, per command")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qaflow-coldstart-"))
    qaflow = [str(Path(PY).with_name("qaflow"))]  # the console script a user types
    print(f"cold start ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}): the first command in a "
          f"fresh QAFLOW_HOME and PREFECT_HOME, then the median of the next {opts.runs}")
    for label, extra in (("default (the first command starts the local server)", {}),
                         ("QAFLOW_SERVER=never (a temporary API per command)", {"QAFLOW_SERVER": "never"})):
        env = {**os.environ, "QAFLOW_HOME": str(tmp / f"home-{len(extra)}"),
               "PREFECT_HOME": str(tmp / f"prefect-{len(extra)}"), **extra}
        for name in ("PREFECT_API_URL", "CI", *(() if extra else ("QAFLOW_SERVER",))):
            env.pop(name, None)
        print(f"  {label}")
        try:
            for command, target in ((["rag", "status"], 1.5), (["version"], 0.5)):
                first, rest = first_then_median([*qaflow, *command], env, opts.runs)
                print(f"    qaflow {' '.join(command):<12} first {first:6.2f} s, then median "
                      f"{statistics.median(rest):5.2f} s (min {rest[0]:.2f}, max {rest[-1]:.2f}); "
                      f"target <= {target} s")
        finally:
            subprocess.run([*qaflow, "server", "down"], cwd=ROOT, env=env, capture_output=True)


if __name__ == "__main__":
    main()
