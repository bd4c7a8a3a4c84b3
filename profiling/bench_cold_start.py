"""Prefect's cold start, as a user sees it: wall time of whole commands.

Prints the median wall time of `qaflow version` and of a one-task flow with
(a) Prefect's own ephemeral API, (b) qaflow's early-started ephemeral API and
(c) a running `qaflow server up` server. Runs are interleaved so machine noise
hits every variant alike.

    .venv/bin/python profiling/bench_cold_start.py --runs 5
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qaflow-coldstart-"))
    base = {**os.environ, "QAFLOW_HOME": str(tmp / "home"), "PREFECT_HOME": str(tmp / "prefect")}
    base.pop("PREFECT_API_URL", None)
    qaflow = [PY, "-m", "flows.cli"]
    flow = [PY, str(ROOT / "profiling" / "one_task_flow.py")]
    # First run with a new PREFECT_HOME migrates the database: not what users see daily.
    wall([*flow], base)

    server_home = {**base, "QAFLOW_HOME": str(tmp / "server-home")}
    up = subprocess.run([*qaflow, "server", "up", "--port", "0", "--json"], cwd=ROOT, env=server_home,
                        capture_output=True, text=True, check=True)
    server_url = json.loads(up.stdout)["url"]
    variants = {
        "qaflow version": ([*qaflow, "version"], base),
        "one-task flow, Prefect ephemeral API": (flow, base),
        "one-task flow, qaflow early ephemeral API": ([*flow, "--early"], base),
        "one-task flow, running server (qaflow server up)": ([*flow, "--early"], server_home),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(opts.runs):
            for name, (args, env) in variants.items():
                times[name].append(wall(args, env))
    finally:
        subprocess.run([*qaflow, "server", "down"], cwd=ROOT, env=server_home, capture_output=True)
    print(f"cold start, median of {opts.runs} interleaved runs ({os.cpu_count()} cores), server {server_url}")
    for name, values in times.items():
        print(f"  {name:<52} {statistics.median(values):6.2f} s   (min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    main()
