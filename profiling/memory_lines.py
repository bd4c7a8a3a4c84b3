"""Line-by-line memory report of chosen functions while a script runs (memory-profiler).

    .venv/bin/python profiling/memory_lines.py --profile MODULE:FUNCTION [--profile ...] SCRIPT [ARGS...]

    # which lines of the rag indexing step hold memory, over 20 cycles of the soak without Prefect:
    QAFLOW_SERVER=never .venv/bin/python profiling/memory_lines.py \\
        --profile tasks.changes.index:RagIndex.index profiling/soak_rag.py --plain --cycles 20

The benchmarks say *how much* memory a run takes (peak RSS in MiB, tasks.memory);
when a figure grows, this says *where*: for every line of each profiled function,
the RSS after it ran and the increment it caused (MiB, as memory-profiler reports;
for a function called many times the increments are summed over the calls and
mean little: read the `Mem usage` column, or profile a run with one call).
FUNCTION may be `name` or `Class.method`. The functions are replaced on their module
(or class) before SCRIPT runs as `__main__`, so code that imports them afterwards
calls the profiled version; a caller that imported them earlier does not. Tracing
covers the main thread only, and slows the profiled functions several times: read
the memory, not the timings. Needs the `bench` extra (`make bench` installs it).
"""

from __future__ import annotations

import argparse
import importlib
import runpy
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def resolve(target: str) -> tuple[Any, str, Any]:
    """(owner, attribute name, function) of `module:name` or `module:Class.method`."""
    module_name, _, path = target.partition(":")
    if not path:
        raise SystemExit(f"--profile {target!r}: give MODULE:FUNCTION or MODULE:Class.method")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    function = getattr(owner, name, None)
    if not callable(function):
        raise SystemExit(f"--profile {target!r}: {path} is not a function of {module_name}")
    return owner, name, function


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", action="append", required=True, metavar="MODULE:FUNCTION",
                        help="a function to report line by line (repeatable)")
    parser.add_argument("script", help="the script to run, e.g. profiling/bench_rag_incremental.py")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    opts = parser.parse_args()
    try:
        from memory_profiler import LineProfiler, show_results
    except ImportError:
        print("memory-profiler is missing: pip install -e '.[bench]' (make bench installs it)", file=sys.stderr)
        return 2

    sys.path[:0] = [str(ROOT), str(Path(opts.script).resolve().parent)]
    profiler = LineProfiler(backend="psutil")
    for target in opts.profile:
        owner, name, function = resolve(target)
        setattr(owner, name, profiler(function))
    sys.argv = [opts.script, *opts.args]
    code: int | str | None = 0
    try:
        runpy.run_path(opts.script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    finally:
        show_results(profiler, stream=sys.stdout, precision=1)
    return code if isinstance(code, int) else (0 if code is None else 1)


if __name__ == "__main__":
    sys.exit(main())
