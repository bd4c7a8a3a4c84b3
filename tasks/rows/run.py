"""Running a rendered generator module for one shard, in this process or in a child.

Threads share the value pools and need no start-up, and numpy, Arrow and the
Parquet encoder release the GIL for their large operations; a child process
(`python <table>_generator.py --start-row ...`) sidesteps the GIL entirely at
the cost of an interpreter start. Both run the same rendered code.

Rows written are reported to tasks/rows/progress.py's PROGRESS ("rows" events).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from tasks.memory import peak_rss_mib
from tasks.rows.options import Mode
from tasks.rows.progress import PROGRESS
from tasks.rows.shards import Shard

SHARD_MEMORY_TAG = "mem:256MiB"  # one batch in flight per shard: ~130k rows x 15 columns, encoded

_modules: dict[tuple[str, float], ModuleType] = {}
_modules_lock = threading.Lock()


class ShardResult(BaseModel):
    """What one shard wrote."""

    table: str
    index: int
    path: str
    rows: int
    bytes: int
    seconds: float
    peak_rss_mib: float  # of the process that wrote it (this one in thread mode, the child's otherwise)


def load_generator(path: str | Path) -> ModuleType:
    """Import a rendered generator module from its file (once per file version)."""
    path = Path(path).resolve()
    key = (str(path), path.stat().st_mtime)
    with _modules_lock:
        if key not in _modules:
            spec = importlib.util.spec_from_file_location(f"qaflow_generated_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _modules[key] = module
        return _modules[key]


def run_shard(module_path: str | Path, shard: Shard, *, seed: int, fmt: str, locale: str,
              pool_cache: str | None, mode: Mode = "thread") -> ShardResult:
    """Write one shard's part file with the table's rendered module."""
    started = time.perf_counter()
    if mode == "process":
        command = [sys.executable, str(module_path), "--rows", str(shard.rows), "--start-row", str(shard.start),
                   "--total-rows", str(shard.total), "--seed", str(seed), "--out", shard.path,
                   "--format", fmt, "--locale", locale, "--pool-cache", pool_cache or ""]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise RuntimeError(f"{Path(module_path).name} failed for rows {shard.start}..{shard.start + shard.rows}: "
                               f"{lines[-1] if lines else f'exit code {done.returncode}'}")
        info = json.loads(done.stdout.strip().splitlines()[-1])
        PROGRESS.emit("rows", advance=info["rows"], table=shard.table)
        peak = float(info.get("peak_rss_mib", 0.0))
    else:
        module = load_generator(module_path)
        info = module.write(shard.path, shard.rows, seed, shard.start, total_rows=shard.total, fmt=fmt,
                            locale=locale, pool_cache=pool_cache,
                            on_batch=lambda n: PROGRESS.emit("rows", advance=n, table=shard.table))
        peak = peak_rss_mib()
    return ShardResult(table=shard.table, index=shard.index, path=info["path"], rows=info["rows"],
                       bytes=info["bytes"], seconds=round(time.perf_counter() - started, 4), peak_rss_mib=peak)


def pools_needed(plan) -> list[str]:
    """Value pools any table of the plan draws from."""
    from tasks.generators.registry import get

    names: list[str] = []
    for table in plan.tables:
        for col in table.columns:
            for pool in get(col.generator).pools:
                if pool not in names:
                    names.append(pool)
    return names


def fill_pools(plan, pool_cache: str | None) -> list[str]:
    """Fill (or load) the plan's value pools once, before shards run side by side."""
    from tasks.generator_runtime.pools import POOL_GROUP, load_group

    groups = sorted({POOL_GROUP[name] for name in pools_needed(plan)})
    for group in groups:
        load_group(group, plan.locale, pool_cache)
    return groups
