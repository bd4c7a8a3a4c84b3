"""The thin Prefect tasks of the rows stage: value pools, shards, checks.

The work lives in tasks/rows/run.py (fill_pools, run_shard) and
tasks/rows/validate.py (check_table). All three are pure computation on local
files: no retries. A shard declares its memory (SHARD_MEMORY_TAG) for the
memory-bounded task runner of flows/runners.py.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from tasks.codegen.plan import Plan, TablePlan
from tasks.rows.run import SHARD_MEMORY_TAG, Mode, ShardResult, fill_pools, run_shard
from tasks.rows.shards import Shard
from tasks.rows.validate import DEFAULT_MAX_CHECK_ROWS, TableCheck, check_table

__all__ = ["validate_table", "warm_pools", "write_shard"]


@task(name="warm-pools")
def warm_pools(plan: Plan, pool_cache: str | None) -> list[str]:
    """Fill (or load) the plan's value pools once, before shards run side by side."""
    return fill_pools(plan, pool_cache)


@task(name="write-shard", tags=[SHARD_MEMORY_TAG], task_run_name="write-{shard.table}-{shard.index}")
def write_shard(module_path: str, shard: Shard, seed: int, fmt: str, locale: str, pool_cache: str | None,
                mode: Mode = "thread") -> ShardResult:
    """One row range of one table into its part file."""
    return run_shard(module_path, shard, seed=seed, fmt=fmt, locale=locale, pool_cache=pool_cache, mode=mode)


@task(name="validate-table", task_run_name="validate-{table.name}")
def validate_table(plan: Plan, table: TablePlan, out_dir: str, fmt: str,
                   max_check_rows: int = DEFAULT_MAX_CHECK_ROWS) -> TableCheck:
    """Check one written table against its plan (reads the files back)."""
    return check_table(plan, table, Path(out_dir), fmt, max_check_rows)
