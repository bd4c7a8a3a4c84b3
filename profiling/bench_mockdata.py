"""Benchmark of the mockdata pipeline on the 15-column customers table of
examples/schemas/shop.sql. Prints, in one run:

1. a naive per-field Faker loop (rows/s on 20,000 rows of the same table);
2. qaflow for 1,000,000 rows to Parquet with 2 workers (threads and child
   processes; generation and writing, no LLM): wall time, rows/s, x naive;
3. peak RSS per process at 1M and 10M rows (each shard a child process, its
   own ru_maxrss), and the 10M wall time;
4. the whole `qaflow mockdata generate --rows 1000000` command (the console
   script), Prefect included: with the ephemeral API; with a server from
   `qaflow server up` but the warm runner off (QAFLOW_WARM=0); and with both.

    .venv/bin/python profiling/bench_mockdata.py [--skip-cli] [--skip-10m]

Targets (issue 3): 1M <= 1.5 s with 2 workers and >= 100x naive; 10M <= 10 s,
peak RSS <= 300 MB per process and within 10% of the 1M peak; command <= 5 s.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.environment import apply_defaults  # noqa: E402

apply_defaults()

SHOP = ROOT / "examples" / "schemas" / "shop.sql"


def customers_ddl(folder: Path) -> Path:
    """The customers table of shop.sql alone (so the command generates just that table)."""
    text = SHOP.read_text()
    start = text.index("CREATE TABLE customers")
    end = text.index(");", start) + 2
    path = folder / "customers.sql"
    path.write_text(text[start:end] + "\n")
    return path


def naive(n: int = 20_000) -> float:
    """A per-field Faker loop over the same 15 columns, rows collected then written once."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(1)
    started = time.perf_counter()
    rows = []
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        rows.append({
            "id": i + 1, "first_name": first, "last_name": last,
            "email": f"{first}.{last}{i}@{fake.free_email_domain()}".lower(), "phone": fake.phone_number(),
            "street": fake.street_address(), "city": fake.city(), "postcode": fake.postcode(),
            "country_code": fake.country_code(), "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=90),
            "signup_at": fake.date_time_between("-5y"), "status": fake.random_element(
                ["active", "inactive", "suspended", "closed"]),
            "loyalty_points": fake.random_int(0, 100_000), "balance": fake.pydecimal(left_digits=4, right_digits=2,
                                                                                     positive=True),
            "is_active": fake.pybool(),
        })
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(pa.Table.from_pylist(rows), Path(tmp) / "naive.parquet")
    return n / (time.perf_counter() - started)


def render_customers(folder: Path) -> Path:
    from tasks.codegen.mapping import map_schema
    from tasks.codegen.render import render_plan
    from tasks.schema import read_schema_file
    from tasks.settings import state_dir

    plan = map_schema(read_schema_file(customers_ddl(folder)), 1_000_000)
    return render_plan(plan, folder, pool_cache=str(state_dir("pools")))["customers"]


def qaflow_run(module: Path, rows: int, workers: int, mode: str, out: Path) -> tuple[float, list[dict]]:
    """Wall time and shard results for `rows` rows in `workers` shards."""
    from tasks.rows.run import run_shard
    from tasks.rows.shards import plan_shards
    from tasks.settings import state_dir

    shards = plan_shards("customers", rows, out, shards=workers)
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda s: run_shard(module, s, seed=1, fmt="parquet", locale="en_US",
                                                    pool_cache=str(state_dir("pools")), mode=mode), shards))
    return time.perf_counter() - started, [r.model_dump() for r in results]


QAFLOW = str(Path(sys.executable).with_name("qaflow"))  # the console script a user types


def cli_run(schema: Path, out: Path, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run([QAFLOW, "mockdata", "generate", str(schema), "--rows", "1000000", "--out", str(out),
                           "--seed", "1", "--json"], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return wall


def cli_runs(label: str, schema: Path, out: Path, env: dict, runs: int) -> None:
    walls = sorted(cli_run(schema, out, env) for _ in range(runs))
    print(f"`qaflow mockdata generate --rows 1000000` ({label}): median {walls[len(walls) // 2]:.2f} s "
          f"of {runs} (min {walls[0]:.2f}, max {walls[-1]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-10m", action="store_true")
    parser.add_argument("--cli-runs", type=int, default=3, help="runs of the whole command per set-up")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="qaflow-bench-"))
    os.environ.setdefault("QAFLOW_HOME", str(home / "qaflow-home"))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (1 min)")

    rate_naive = naive()
    print(f"naive per-field Faker loop: {rate_naive:,.0f} rows/s (20,000 rows, 15 columns)")

    module = render_customers(home)
    qaflow_run(module, 200_000, 1, "thread", home / "warm")  # fills the pool cache once
    for mode in ("thread", "process"):
        wall, _ = qaflow_run(module, 1_000_000, 2, mode, home / f"q-{mode}")
        rate = 1_000_000 / wall
        print(f"qaflow 1M rows, 2 workers ({mode} mode): {wall:.2f} s, {rate:,.0f} rows/s, "
              f"{rate / rate_naive:,.0f}x naive")
    wall1, _ = qaflow_run(module, 1_000_000, 1, "thread", home / "q-one")
    print(f"qaflow 1M rows, 1 worker: {wall1:.2f} s")

    wall_1m, res_1m = qaflow_run(module, 1_000_000, 2, "process", home / "r1")
    peak_1m = max(r["peak_rss_bytes"] for r in res_1m) / 2**20
    print(f"peak RSS per process at 1M rows: {peak_1m:.0f} MB")
    if not args.skip_10m:
        wall_10m, res_10m = qaflow_run(module, 10_000_000, 2, "process", home / "r10")
        peak_10m = max(r["peak_rss_bytes"] for r in res_10m) / 2**20
        print(f"qaflow 10M rows, 2 processes: {wall_10m:.2f} s, {10_000_000 / wall_10m:,.0f} rows/s; "
              f"peak RSS per process {peak_10m:.0f} MB ({(peak_10m / peak_1m - 1) * 100:+.0f}% vs 1M)")

    if not args.skip_cli:
        schema = customers_ddl(home)
        env = {**os.environ, "QAFLOW_HOME": str(home / "cli-home"), "PREFECT_HOME": str(home / "prefect-home")}
        env.pop("PREFECT_API_URL", None)
        cli_run(schema, home / "cli-warm", env)  # first run: migrations of a new PREFECT_HOME, pools
        cli_runs("Prefect's ephemeral API, no server", schema, home / "cli-e", env, args.cli_runs)
        up = subprocess.run([QAFLOW, "server", "up", "--port", "0", "--json"],
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        try:
            started = json.loads(up.stdout.strip().splitlines()[-1])
            cli_runs(f"server {started['url']}, warm runner off", schema, home / "cli-s", {**env, "QAFLOW_WARM": "0"},
                     args.cli_runs)
            cli_runs(f"server and warm runner (pid {started['warm']})", schema, home / "cli-w", env, args.cli_runs)
        finally:
            subprocess.run([QAFLOW, "server", "down"], capture_output=True, env=env, cwd=ROOT, check=False)
    print(f"load average now {os.getloadavg()[0]:.1f} (1 min); figures scale with it on a shared machine")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
