"""Scale-out of the mockdata shards: the local thread runner vs Dask with 1 and 2 workers.

Generates the 15-column customers table of examples/schemas/shop.sql (10,000,000
rows by default) three ways in one run, against one running Prefect server (each
Dask worker process talks to it; with the ephemeral API every worker would start a
temporary server of its own):

- the local runner: MemoryBoundedTaskRunner, 2 threads
- Dask LocalCluster, 1 worker process x 1 thread
- Dask LocalCluster, 2 worker processes x 1 thread

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
SHOP = ROOT / "examples" / "schemas" / "shop.sql"


def customers_ddl(folder: Path) -> Path:
    """The customers table of shop.sql alone."""
    text = SHOP.read_text()
    start = text.index("CREATE TABLE customers")
    end = text.index(");", start) + 2
    path = folder / "customers.sql"
    path.write_text(text[start:end] + "\n")
    return path


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
        variants = {
            "local runner, 2 threads": {},
            "Dask, 1 worker x 1 thread": {"runner": "dask", "workers": 1},
            "Dask, 2 workers x 1 thread": {"runner": "dask", "workers": 2},
        }
        results = {}
        for name, extra in variants.items():
            out = tmp / name.split(",")[0].replace(" ", "-")
            started = time.perf_counter()
            summary = mockdata_pipeline(schema, opts.rows, str(out), **common, **extra)
            wall = time.perf_counter() - started
            results[name] = (summary.generation_seconds, wall)
            shutil.rmtree(out, ignore_errors=True)
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
