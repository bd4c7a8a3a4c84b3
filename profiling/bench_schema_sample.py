"""Benchmark schema inference from a sample: time and peak memory do not grow with the file.

Writes a customer export as CSV and as Parquet at two sizes (default 200,000 and
2,000,000 rows), then infers the schema of each in a fresh child process and
prints wall time and peak RSS. `infer_from_sample` reads only the first
`max_rows` rows (100,000 by default), so the two sizes should cost about the
same; the ratio line says how close they came.

    .venv/bin/python profiling/bench_schema_sample.py
    .venv/bin/python profiling/bench_schema_sample.py --small 100000 --large 5000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from tasks.memory import peak_rss_mib
from tasks.schema.sample import infer_from_sample
start = time.perf_counter()
schema = infer_from_sample(sys.argv[1])
wall = time.perf_counter() - start
print(json.dumps({{"wall_s": wall, "peak_rss_mib": peak_rss_mib(), "columns": len(schema.tables[0].columns)}}))
"""


def customer_table(rows: int, seed: int = 1) -> pa.Table:
    """A 12-column customer export drawn with numpy (fast to write, realistic to infer from)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, rows + 1)
    names = np.array(["Ann", "Bob", "Cleo", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivan", "Jo"])
    status = np.array(["active", "inactive", "closed"])
    first = names[rng.integers(0, len(names), rows)]
    return pa.table({
        "id": ids,
        "first_name": first,
        "email": np.char.add(np.char.add(np.char.lower(first), ids.astype(str)), "@example.org"),
        "postcode": np.char.zfill(rng.integers(0, 99999, rows).astype(str), 5),
        "status": status[rng.choice(3, rows, p=[0.8, 0.15, 0.05])],
        "points": rng.integers(0, 100_000, rows),
        "balance": np.round(rng.uniform(0, 5000, rows), 2),
        "score": rng.random(rows),
        "birth_date": pa.array(rng.integers(-10_000, 12_000, rows).astype("datetime64[D]")),
        "signup_at": pa.array((rng.integers(1.5e9, 1.75e9, rows) * 1_000_000).astype("datetime64[us]")),
        "is_active": rng.random(rows) < 0.9,
        "rating": rng.integers(1, 6, rows),
    })


def write_sample(path: Path, rows: int) -> None:
    """In a child process: Linux carries a parent's peak RSS over into the children it starts,
    so the process that measures must never have held the big table."""
    subprocess.run([sys.executable, __file__, "--write", str(path), "--rows", str(rows)], check=True)


def _write(path: Path, rows: int) -> None:
    table = customer_table(rows)
    if path.suffix == ".csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path, row_group_size=100_000)


def measure(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--large", type=int, default=2_000_000)
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        _write(args.write, args.rows)
        return
    with tempfile.TemporaryDirectory(prefix="qaflow-bench-schema-") as tmp:
        results = {}
        for rows in (args.small, args.large):
            for fmt in ("csv", "parquet"):
                path = Path(tmp) / f"customers_{rows}.{fmt}"
                write_sample(path, rows)
                size_mb = path.stat().st_size / 2**20
                figures = measure(path)
                results[(fmt, rows)] = figures
                print(f"{fmt:8} {rows:>10,} rows {size_mb:8.1f} MB   infer {figures['wall_s']:6.2f} s   "
                      f"peak RSS {figures['peak_rss_mib']:6.0f} MiB   ({figures['columns']} columns)")
        for fmt in ("csv", "parquet"):
            small, large = results[(fmt, args.small)], results[(fmt, args.large)]
            print(f"{fmt:8} {args.large // args.small}x the rows -> "
                  f"{large['wall_s'] / small['wall_s']:.2f}x the time, "
                  f"{large['peak_rss_mib'] / small['peak_rss_mib']:.2f}x the peak RSS")


if __name__ == "__main__":
    main()
