"""mockdata: schema -> column mapping -> rendered generators -> shards -> checks.

    read-schema -> map-columns (LLM once, cached) -> render-generators -> warm-pools
      -> write-shard x N (all tables; keys are re-derived, so children need no parent files)
      -> validate-table (parents first) -> publish (only when every table passed; tasks/rows/publish.py)
      -> summary artifact -> load-into-database (when asked)
"""

from __future__ import annotations

import secrets
import time
import warnings
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from blocks.llm import LLMEndpoint
from flows.failures import resolved
from flows.runners import MemoryBoundedTaskRunner, dask_runner
from tasks.codegen.paths import GENERATORS_DIR, table_folders
from tasks.codegen.render import DEFAULT_BATCH_SIZE
from tasks.codegen.steps import map_columns, render_generators
from tasks.environment import apply_defaults
from tasks.load import record_source
from tasks.load.steps import load_mockdata
from tasks.paths import POOLS, state_dir
from tasks.rows.options import Format, Mode, Runner, check_arguments
from tasks.rows.publish import publish, renamed_folders, staging_folder
from tasks.rows.run import ShardResult
from tasks.rows.shards import Shard, plan_shards
from tasks.rows.steps import validate_table, warm_pools, write_shard
from tasks.rows.summary import MockdataSummary, summarize
from tasks.rows.validate import DEFAULT_MAX_CHECK_ROWS, tables_read
from tasks.schema.steps import read_schema
from tasks.settings import project_root


@flow(name="mockdata-shards")
def write_shards_elsewhere(jobs: list[tuple[str, Shard]], seed: int, fmt: str, locale: str, pool_cache: str,
                           mode: str) -> list[ShardResult]:
    """The shard stage as a subflow, so it can run under another task runner (Dask)."""
    futures = [write_shard.submit(module, part, seed, fmt, locale, pool_cache, mode) for module, part in jobs]
    return [future.result() for future in futures]


# `schema` shadows BaseModel.schema in Prefect's parameter model: harmless, so not shown.
warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)


@flow(name="mockdata", task_runner=MemoryBoundedTaskRunner(max_workers=2, memory_budget="2GiB"))
def mockdata_pipeline(schema: str, rows: int | dict[str, int], out_dir: str, seed: int | None = None,
                      shards: int | None = None, locale: str = "en_US", fmt: Format = "parquet",
                      llm: LLMEndpoint | str | None = None, mode: Mode = "thread", batch_size: int = DEFAULT_BATCH_SIZE,
                      max_check_rows: int = DEFAULT_MAX_CHECK_ROWS, runner: Runner = "local",
                      address: str | None = None, workers: int | None = None, load: str | None = None,
                      null_rate: float | None = None, schema_dirs: list[str] | None = None) -> MockdataSummary:
    """Generate `rows` rows per table (or a {table: rows} dict) of `schema` into `out_dir`.

    Shards run on this process's memory-bounded thread pool (`runner="local"`), or on
    Dask (`runner="dask"`): the cluster at `address`, else a LocalCluster of `workers`
    single-threaded processes. The same seed gives the same bytes on either.

    Args:
        schema: Schema file: SQL DDL (.sql), JSON Schema (.json), qaflow spec (.yaml) or a sample (.csv/.parquet).
        rows: Rows per table, or a mapping {table: rows}.
        out_dir: Output folder; one sub-folder of part files per table, plus the generators.
        seed: Same seed, same bytes; random (and reported) when empty.
        shards: Part files per table; default one per worker.
        locale: Faker locale of names, addresses and phone numbers (en_US, ko_KR, ja_JP, de_DE, ...).
        fmt: Output format.
        llm: Name of a saved LLM endpoint block (default: "default", else offline).
        mode: Run local shards in threads or in child processes.
        batch_size: Rows per Arrow batch and Parquet row group.
        max_check_rows: Read back and check unique and foreign-key columns of tables up to this size.
        runner: Where shards run: this process (local) or a Dask cluster.
        address: Dask scheduler address (tcp://host:8786); empty starts a LocalCluster.
        workers: Worker processes of that LocalCluster (default 2).
        load: Then load the rows into PostgreSQL: a Database block's name (or a postgresql:// URL without a
            password). Missing tables are created from the schema; its tables are emptied first (a reseed).
        null_rate: Share of NULLs in nullable columns the schema gives no rate for (default 0.05; 0 for none).
        schema_dirs: Folders of schema files a JSON Schema's `$ref`s may point into (besides its own folder).
    """
    apply_defaults()
    started, logger = time.perf_counter(), get_run_logger()
    out = check_arguments(rows, out_dir, locale, shards, null_rate, runner)
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    endpoint = llm if isinstance(llm, LLMEndpoint) else LLMEndpoint.resolve(llm or "default")
    spec = read_schema(resolved(schema), None, schema_dirs)  # errors name the file as an absolute path
    plan = map_columns(spec, rows, locale, endpoint, null_rate)
    logger.info("mapping: %s", ", ".join(f"{k} {v}" for k, v in plan.summary.model_dump().items()
                                         if isinstance(v, int) and k != "llm_calls"))
    folders = table_folders(t.name for t in plan.tables)
    for note in renamed_folders(folders):
        logger.warning(note)
    with staging_folder(out) as staging:
        pool_cache = str(state_dir(*POOLS))
        modules = render_generators(plan, spec, str(staging / GENERATORS_DIR), batch_size, pool_cache)
        warm_pools(plan, pool_cache)
        gen_started = time.perf_counter()
        jobs = [(modules[table.name], part) for table in plan.tables  # parents first
                for part in plan_shards(table.name, table.rows, staging / folders[table.name], shards=shards,
                                        batch_size=batch_size, fmt=fmt)]
        if runner == "dask":
            written = write_shards_elsewhere.with_options(task_runner=dask_runner(address, workers))(
                jobs, seed, fmt, locale, pool_cache, mode)
            validations = [validate_table.submit(plan, table, str(staging), fmt, max_check_rows)
                           for table in plan.tables]
        else:
            # Each table is checked as soon as it and the parents its foreign keys read are
            # written, while later tables are still being generated (the checks read files back).
            writes: dict[str, list[Any]] = {t.name: [] for t in plan.tables}
            for module, part in jobs:
                writes[part.table].append(write_shard.submit(module, part, seed, fmt, locale, pool_cache, mode))
            validations = [validate_table.submit(
                plan, table, str(staging), fmt, max_check_rows,
                wait_for=[f for name in tables_read(table) for f in writes[name]])
                for table in plan.tables]
            written = [f.result() for futures in writes.values() for f in futures]
        gen_seconds = time.perf_counter() - gen_started
        checks = [future.result() for future in validations]
        record_source(staging, schema, spec)  # generators/source.json: what `mockdata load --create` creates
        publish(staging, out, [*(folders[t.name] for t in plan.tables), GENERATORS_DIR], checks)
    summary = summarize(plan, written, checks, folders, out, schema_name=Path(schema).name, seed=seed, fmt=fmt,
                        seconds=time.perf_counter() - started, generation_seconds=gen_seconds)
    create_table_artifact(key="mockdata-summary", table=summary.table_rows(), description=summary.markdown())
    logger.info("wrote %s rows in %.2f s (%s rows/s) to %s", f"{summary.rows:,}", summary.seconds,
                f"{summary.rows_per_s:,.0f}", out)
    if load:
        summary.load = load_mockdata(str(out), load, create=True, truncate=True)
    return summary


DEMO_ROWS = {"customers": 1_000_000, "products": 20_000, "orders": 500_000, "order_items": 1_000_000}


def demo(out_dir: Path) -> dict[str, Any]:
    """1,000,000 customers plus products, orders and order items from examples/schemas/shop.sql."""
    schema = project_root() / "examples" / "schemas" / "shop.sql"
    summary = mockdata_pipeline(str(schema), DEMO_ROWS, str(out_dir / "shop"), seed=42, locale="en_US")
    print(summary.plain_text())
    return summary.demo_result()


if __name__ == "__main__":
    import sys
    apply_defaults()
    print(mockdata_pipeline(sys.argv[1], int(sys.argv[2]), sys.argv[3]).model_dump_json(indent=2))
