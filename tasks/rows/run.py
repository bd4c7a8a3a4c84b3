"""Running a rendered generator module for one shard, in this process or in a child.

Threads share the value pools and need no start-up, and numpy, Arrow and the
Parquet encoder release the GIL for their large operations; a child process
(`python <table>_generator.py --start-row ...`) sidesteps the GIL entirely at
the cost of an interpreter start. Both run the same rendered code.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Literal

from prefect import task
from pydantic import BaseModel

from tasks.rows.shards import Shard

Mode = Literal["thread", "process"]
SHARD_MEMORY_TAG = "mem:256MiB"  # one batch in flight per shard: ~130k rows x 15 columns, encoded

_modules: dict[tuple[str, float], ModuleType] = {}
_modules_lock = threading.Lock()
_listeners: list[Callable[[str, int], None]] = []


class ShardResult(BaseModel):
    """What one shard wrote."""

    table: str
    index: int
    path: str
    rows: int
    bytes: int
    seconds: float
    peak_rss_bytes: int


def add_listener(fn: Callable[[str, int], None]) -> None:
    """Call `fn(table, rows)` after every batch written in this process (the CLI's progress bar)."""
    _listeners.append(fn)


def remove_listener(fn: Callable[[str, int], None]) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def _notify(table: str, rows: int) -> None:
    for fn in list(_listeners):
        fn(table, rows)


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


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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
        _notify(shard.table, info["rows"])
        peak = int(info.get("peak_rss_bytes", 0))
    else:
        module = load_generator(module_path)
        info = module.write(shard.path, shard.rows, seed, shard.start, total_rows=shard.total, fmt=fmt,
                            locale=locale, pool_cache=pool_cache,
                            on_batch=lambda n: _notify(shard.table, n))
        peak = peak_rss_bytes()
    return ShardResult(table=shard.table, index=shard.index, path=info["path"], rows=info["rows"],
                       bytes=info["bytes"], seconds=round(time.perf_counter() - started, 4), peak_rss_bytes=peak)


@task(name="write-shard", tags=[SHARD_MEMORY_TAG], task_run_name="write-{shard.table}-{shard.index}")
def write_shard(module_path: str, shard: Shard, seed: int, fmt: str, locale: str, pool_cache: str | None,
                mode: Mode = "thread") -> ShardResult:
    """One row range of one table into its part file (pure computation and local disk: no retries)."""
    return run_shard(module_path, shard, seed=seed, fmt=fmt, locale=locale, pool_cache=pool_cache, mode=mode)


def pools_needed(plan) -> list[str]:
    """Value pools any table of the plan draws from."""
    from tasks.codegen.registry import get

    names: list[str] = []
    for table in plan.tables:
        for col in table.columns:
            for pool in get(col.generator).pools:
                if pool not in names:
                    names.append(pool)
    return names


@task(name="warm-pools")
def warm_pools(plan, pool_cache: str | None) -> list[str]:
    """Fill (or load) the plan's value pools once, before shards run side by side."""
    from tasks.codegen.pools import POOL_GROUP, load_group

    groups = sorted({POOL_GROUP[name] for name in pools_needed(plan)})
    for group in groups:
        load_group(group, plan.locale, pool_cache)
    return groups
