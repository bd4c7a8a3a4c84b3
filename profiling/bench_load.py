"""Benchmark of `qaflow mockdata load`: examples/schemas/shop.sql with 1,000,000 customers,
20,000 products, 500,000 orders and 1,000,000 order items, generated once, then loaded
into PostgreSQL two ways in the same run, into the same tables (all constraints on):

1. `psql \\copy` of the same rows as CSV files, table by table in FK order (the CSV
   is written beforehand and not timed);
2. qaflow's load (tasks/load: ADBC binary COPY, or psycopg text COPY for tables with
   types binary COPY cannot take; independent tables in parallel), in a child
   process whose peak RSS is reported: into the same existing tables (emptied; keys
   stay on, as for \\copy), and from the schema into a fresh database (`--create`: the
   keys of the tables it creates are built after their rows, in the same transaction).

Then the same at a tenth of the size, to show the load's peak RSS is flat in the row count.

    .venv/bin/python profiling/bench_load.py [--dsn postgresql://USER@HOST:PORT/DB] [--scale 1.0]

Without --dsn it starts a throw-away PostgreSQL 15 (as the `postgres` user when run as root).
Target: qaflow's load >= 1.0x `\\copy`; peak RSS flat in the row count.
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
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.local_server import free_port  # noqa: E402
from tasks.environment import apply_defaults  # noqa: E402

apply_defaults()

SHOP = ROOT / "examples" / "schemas" / "shop.sql"
ROWS = {"customers": 1_000_000, "products": 20_000, "orders": 500_000, "order_items": 1_000_000}
PG_BIN = Path("/usr/lib/postgresql/15/bin")
COPY_TIMES: dict[str, str] = {}


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def start_server(root: Path) -> tuple[str, list[str]]:
    """A throw-away server on a free port; its DSN and the command that stops it."""
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    data = root / "data"
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                 "--no-sync", "-E", "UTF8", "--locale=C"]), check=True, capture_output=True, cwd=root)
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                                 f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                                 "-c synchronous_commit=off -c max_wal_size=4GB", "start"]),
                   check=True, capture_output=True, cwd=root)
    return (f"postgresql://postgres@127.0.0.1:{port}/postgres",
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]))


def generate(out: Path, scale: float) -> dict[str, int]:
    from flows.mockdata import mockdata_pipeline

    rows = {name: max(1, int(n * scale)) for name, n in ROWS.items()}
    started = time.perf_counter()
    mockdata_pipeline(str(SHOP), rows, str(out), seed=42)
    print(f"generated {sum(rows.values()):,} rows in {time.perf_counter() - started:.1f} s -> {out}", flush=True)
    return rows


def write_csv(out: Path, csv_dir: Path) -> dict[str, Path]:
    """The same rows as one CSV file per table, as PostgreSQL's text input reads them."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from tasks.load.copy import text_batch

    files = {}
    for name in ROWS:
        target = csv_dir / f"{name}.csv"
        with pacsv.CSVWriter(target, text_batch(next(pq.ParquetFile(next((out / name).glob("*.parquet")))
                                                     .iter_batches(batch_size=1))).schema,
                             write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid")) as w:
            for part in sorted((out / name).glob("part-*.parquet")):
                for batch in pq.ParquetFile(part).iter_batches(batch_size=65_536):
                    w.write_batch(text_batch(batch))
        files[name] = target
    return files


def psql_copy(dsn: str, files: dict[str, Path]) -> float:
    """`psql \\copy` of each CSV, parents first, one after the other; seconds."""
    import psycopg
    import pyarrow.csv  # noqa: F401  (warm import outside the timing)

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(ROWS))
    started = time.perf_counter()
    for name, path in files.items():
        one = time.perf_counter()
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn, "-c",
                        f"\\copy {name} FROM '{path}' WITH (FORMAT csv)"], check=True)
        COPY_TIMES[name] = f"{round((time.perf_counter() - one), 2)} s"
    return time.perf_counter() - started


def qaflow_load(dsn: str, out: Path, create: bool) -> dict:
    """The load in a child process (its own peak RSS); the LoadSummary as a dict."""
    code = ("import json, threading, time, psutil; from tasks.environment import apply_defaults; apply_defaults();"
            "from tasks.load import load_output; import adbc_driver_postgresql.dbapi, psycopg, pyarrow.csv;"
            "me = psutil.Process(); base = me.memory_info().rss; top = [base]; done = threading.Event()\n"
            "def watch():\n"
            "    while not done.wait(0.05): top[0] = max(top[0], me.memory_info().rss)\n"
            "threading.Thread(target=watch, daemon=True).start()\n"
            f"s = load_output({str(out)!r}, {dsn!r}, create={create}, truncate={not create}); done.set()\n"
            "print(json.dumps({**s.model_dump(), 'rss_before_mib': round(base / 2**20, 1),"
            " 'rss_during_max_mib': round(top[0] / 2**20, 1)}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    bad = [t for t in summary["tables"] if t["status"] != "loaded"]
    if bad:
        raise SystemExit(f"load failed: {bad}")
    return summary


def run_size(base_dsn: str, work: Path, scale: float) -> dict:
    import psycopg

    db = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {db}")
    dsn = base_dsn.rsplit("/", 1)[0] + f"/{db}"
    out = work / f"shop-{scale}"
    rows = generate(out, scale)
    total = sum(rows.values())
    qaflow_load(dsn, out, create=True)  # creates the tables (and warms the server's caches)
    files = write_csv(out, Path(tempfile.mkdtemp(dir=work)))
    copy_s = psql_copy(dsn, files)  # into those tables, emptied: every constraint checked row by row
    existing = qaflow_load(dsn, out, create=False)  # the same, by qaflow (tables that existed: keys stay on)
    fresh_db = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {fresh_db}")
    fresh_dsn = base_dsn.rsplit("/", 1)[0] + f"/{fresh_db}"
    summary = qaflow_load(fresh_dsn, out, create=True)  # schema to loaded database: keys built after the rows
    for target in (dsn, fresh_dsn):
        with psycopg.connect(target) as conn:
            counted = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in ROWS}
            keys = conn.execute("SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
                                ).fetchone()[0]
        assert counted == rows, (counted, rows)
        result_keys = keys
    result = {"rows": total, "copy_s": round(copy_s, 2), "copy_rows_per_s": round(total / copy_s),
              "load_s": summary["seconds"], "load_rows_per_s": summary["rows_per_s"],
              "x_copy": round(copy_s / summary["seconds"], 2),
              "existing_tables_load_s": existing["seconds"], "existing_tables_rows_per_s": existing["rows_per_s"],
              "existing_tables_x_copy": round(copy_s / existing["seconds"], 2), "constraints": result_keys,
              "load_peak_rss_mib": summary["peak_rss_mib"],
              "rss_before_load_mib": summary["rss_before_mib"], "rss_max_during_load_mib": summary["rss_during_max_mib"],
              "copy_tables_s": COPY_TIMES.copy(),
              "tables": {t["name"]: f"{t['rows']:,} rows {t['rows_per_s']:,.0f}/s via {t['method']}"
                         for t in summary["tables"]}}
    print(json.dumps(result, indent=1), flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", help="An existing server (a database there is created per size).")
    parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the 1M-customer size.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qaflow-bench-load-"))
    stop = None
    pg_root = work
    try:
        dsn = args.dsn
        if not dsn:
            pg_root = Path(tempfile.mkdtemp(prefix="qaflow-bench-pg-"))  # the server user owns it
            dsn, stop = start_server(pg_root)
        big = run_size(dsn, work, args.scale)
        small = run_size(dsn, work, args.scale / 10)
        print(f"\nqaflow load --create {big['load_rows_per_s']:,} rows/s vs psql \\copy {big['copy_rows_per_s']:,} "
              f"rows/s ({big['x_copy']}x; into existing tables {big['existing_tables_rows_per_s']:,} rows/s, "
              f"{big['existing_tables_x_copy']}x) on {big['rows']:,} rows; peak RSS {big['load_peak_rss_mib']} MiB "
              f"({small['load_peak_rss_mib']} MiB at {small['rows']:,} rows); RSS during the load at most "
              f"{big['rss_max_during_load_mib']} MiB vs {big['rss_before_load_mib']} MiB before it "
              f"({small['rss_max_during_load_mib']} vs {small['rss_before_load_mib']} MiB at the small size)")
    finally:
        if stop:
            subprocess.run(stop, capture_output=True)
            shutil.rmtree(pg_root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
