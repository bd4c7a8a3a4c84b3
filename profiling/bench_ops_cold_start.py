"""Prefect's cold start for a real command: `qaflow mockdata generate --rows 1000`.

Wall time of the whole command with Prefect's own ephemeral API, with qaflow's
temporary API (QAFLOW_SERVER=never: `prefect server start` at the top of the command)
and with a running `qaflow server up` server, next
to the time the flow itself reports (the rest is start-up: interpreter,
imports, the API). Runs are interleaved so machine noise hits every variant
alike; one warm-up run first migrates the new PREFECT_HOME and fills the Faker
pool cache, as a user's first run does once.

    .venv/bin/python profiling/bench_ops_cold_start.py --runs 3
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
QAFLOW = [sys.executable, "-m", "flows.cli"]
SCHEMA = ROOT / "examples" / "schemas" / "customer.schema.json"


def generate(env: dict[str, str], out: Path) -> tuple[float, float]:
    """(wall seconds, seconds inside the flow) of one `qaflow mockdata generate`."""
    start = time.perf_counter()
    done = subprocess.run([*QAFLOW, "mockdata", "generate", str(SCHEMA), "--rows", "1000", "--out", str(out),
                           "--seed", "1", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"qaflow mockdata generate failed: {done.stderr[-2000:]}")
    return wall, float(json.loads(done.stdout)["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qaflow-ops-coldstart-"))
    base = {**os.environ, "QAFLOW_HOME": str(tmp / "home"), "PREFECT_HOME": str(tmp / "prefect")}
    base.pop("PREFECT_API_URL", None)
    generate(base, tmp / "out")  # warm-up: migrations, pool cache

    up = subprocess.run([*QAFLOW, "server", "up", "--port", "0", "--json"], cwd=ROOT, env=base,
                        capture_output=True, text=True, check=True)
    server_url = json.loads(up.stdout)["url"]
    # The server is found through QAFLOW_HOME's server.json; the ephemeral variants use
    # another QAFLOW_HOME, which has none.
    ephemeral = {**base, "QAFLOW_HOME": str(tmp / "home-ephemeral"), "QAFLOW_SERVER": "never"}
    variants = {
        "Prefect's ephemeral API": {**ephemeral, "QAFLOW_EARLY_EPHEMERAL": "0"},
        "qaflow's temporary API (QAFLOW_SERVER=never)": ephemeral,
        "running server (qaflow server up)": base,
    }
    generate(ephemeral, tmp / "out")  # that home's pool cache
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    try:
        for _ in range(opts.runs):
            for name, env in variants.items():
                times[name].append(generate(env, tmp / "out"))
    finally:
        subprocess.run([*QAFLOW, "server", "down"], cwd=ROOT, env=base, capture_output=True)
    print(f"qaflow mockdata generate --rows 1000 ({SCHEMA.name}), median of {opts.runs} interleaved runs "
          f"({os.cpu_count()} cores), server {server_url}")
    for name, values in times.items():
        walls, flows = [w for w, _ in values], [f for _, f in values]
        wall, flow = statistics.median(walls), statistics.median(flows)
        print(f"  {name:<36} wall {wall:6.2f} s  flow {flow:5.2f} s  start-up {wall - flow:6.2f} s"
              f"   (wall min {min(walls):.2f}, max {max(walls):.2f})")


if __name__ == "__main__":
    main()
