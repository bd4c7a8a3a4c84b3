"""Scale-out of the mockdata shards: the local thread runner vs Dask with 1 and 2 workers.

Generates the 15-column customers table of examples/schemas/shop.sql (10,000,000
rows by default) three ways in one run, against one running Prefect server (each
Dask worker process talks to it; with the ephemeral API every worker would start a
temporary server of its own):

- the local runner: MemoryBoundedTaskRunner, 2 threads
- Dask LocalCluster, 1 worker process x 1 thread
- Dask LocalCluster, 2 worker processes x 1 thread

Each cluster is started and warmed (imports, value pools) before the timed run, as
a long-running cluster would be.

and prints rows/s of the shard stage, the whole flow's wall time, and the speed-up
of 2 Dask workers over 1. Prefect's cold start of the whole CLI command is measured
by profiling/bench_ops_cold_start.py.

    .venv/bin/python profiling/bench_scale.py [--rows 10000000] [--shards 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "profiling"))

from bench_mockdata import customers_ddl  # noqa: E402  (the customers table of shop.sql alone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--shards", type=int, default=8)
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qaflow-scale-"))
    os.environ.update(QAFLOW_HOME=str(tmp / "home"), PREFECT_HOME=str(tmp / "prefect"))
    os.environ.pop("PREFECT_API_URL", None)
    qaflow = [sys.executable, "-m", "flows.cli"]
    up = subprocess.run([*qaflow, "server", "up", "--port", "0", "--json"], cwd=ROOT, capture_output=True,
                        text=True, check=True)
    os.environ["PREFECT_API_URL"] = json.loads(up.stdout)["url"]
    try:
        from flows.mockdata import mockdata_pipeline

        schema = str(customers_ddl(tmp))
        common = {"seed": 1, "shards": opts.shards}
        mockdata_pipeline(schema, 10_000, str(tmp / "warm"), **common)  # pools cached, imports done
        results = {}

        def timed(name: str, **extra: object) -> None:
            out = tmp / "out"
            started = time.perf_counter()
            summary = mockdata_pipeline(schema, opts.rows, str(out), **common, **extra)
            results[name] = (summary.generation_seconds, time.perf_counter() - started)
            shutil.rmtree(out, ignore_errors=True)

        timed("local runner, 2 threads")
        from distributed import LocalCluster

        for workers in (1, 2):
            # A running cluster, as in production: its start-up is not part of the shard stage.
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                address = cluster.scheduler_address
                mockdata_pipeline(schema, 10_000, str(tmp / "warm"), **common, runner="dask", address=address)
                timed(f"Dask, {workers} worker{'s' if workers > 1 else ''} x 1 thread", runner="dask",
                      address=address)
    finally:
        subprocess.run([*qaflow, "server", "down"], cwd=ROOT, capture_output=True)
    print(f"\nmockdata scale-out: {opts.rows:,} customers rows (15 columns), {opts.shards} shards, "
          f"{os.cpu_count()} cores")
    for name, (gen, wall) in results.items():
        print(f"  {name:<30} shards {gen:7.2f} s  {opts.rows / gen:>12,.0f} rows/s   flow wall {wall:7.2f} s")
    one = results["Dask, 1 worker x 1 thread"][0]
    two = results["Dask, 2 workers x 1 thread"][0]
    local = results["local runner, 2 threads"][0]
    print(f"  speed-up Dask 2 workers over 1: {one / two:.2f}x; local threads over Dask 1 worker: {one / local:.2f}x")


if __name__ == "__main__":
    main()
