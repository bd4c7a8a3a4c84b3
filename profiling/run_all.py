"""`make bench`: every benchmark and soak under profiling/, one after another.

Each prints its own figures; run one alone with `python profiling/<name>.py --help`.
These machines are shared and noisy: each benchmark compares against a baseline
measured in the same run.

    .venv/bin/python profiling/run_all.py                 # all
    .venv/bin/python profiling/run_all.py --only mockdata rag_embed
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# (name, script, extra arguments) in the order they run; the soak is last, it is long.
BENCHMARKS: list[tuple[str, str, list[str]]] = [
    ("cold_start", "bench_cold_start.py", ["--runs", "3"]),
    ("runner", "bench_runner.py", []),
    ("mockdata", "bench_mockdata.py", []),
    ("scale", "bench_scale.py", []),
    ("bdd", "bench_bdd.py", []),
    ("rag_embed", "bench_rag_embed.py", []),
    ("rag_incremental", "bench_rag_incremental.py", []),
    ("soak_rag", "soak_rag.py", []),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="names: " + ", ".join(name for name, _, _ in BENCHMARKS))
    opts = parser.parse_args()
    failed = []
    for name, script, args in BENCHMARKS:
        if opts.only and name not in opts.only:
            continue
        path = HERE / script
        if not path.exists():
            print(f"== {name}: {script} is missing", flush=True)
            failed.append(name)
            continue
        print(f"\n== {name}: python profiling/{script} {' '.join(args)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(path), *args], cwd=ROOT)
        print(f"== {name}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
