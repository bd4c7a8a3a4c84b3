"""mockdata: schema -> column mapping -> rendered generators -> shards -> checks.

    read-schema -> map-columns (LLM once, cached) -> render-generators -> warm-pools
      -> write-shard x N (all tables; keys are re-derived, so children need no parent files)
      -> validate-table (parents first) -> summary artifact

Everything is written under a staging folder inside `out_dir` and moved into
place only when every table passed its checks: a failed run leaves nothing
half-written under the output names.
"""

from __future__ import annotations

import secrets
import shutil
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel, Field

from blocks.llm import LLMEndpoint
from flows.failures import BadInput, resolved
from flows.runners import MemoryBoundedTaskRunner
from tasks.codegen.mapping import map_columns
from tasks.codegen.render import DEFAULT_BATCH_SIZE, render_generators
from tasks.load import LoadSummary, load_mockdata, record_source
from tasks.rows.paths import GENERATORS_DIR, inside, move_inside, table_folders
from tasks.rows.run import ShardResult, peak_rss_bytes, warm_pools, write_shard
from tasks.rows.shards import Shard, plan_shards
from tasks.rows.validate import DEFAULT_MAX_CHECK_ROWS, validate_table
from tasks.rows.writer import FORMATS
from tasks.schema import read_schema
from tasks.settings import project_root, state_dir


class TableSummary(BaseModel):
    """One generated table."""

    name: str
    rows: int
    columns: int
    folder: str = Field(default="", description="Its folder under out_dir (the name, made safe if need be).")
    files: list[str]
    bytes: int
    seconds: float
    rows_per_s: float
    peak_rss_mb: float
    checks: str


class MockdataSummary(BaseModel):
    """What a mockdata run produced (returned by the flow, shown by the CLI)."""

    out_dir: str
    seed: int
    locale: str
    format: str
    rows: int
    seconds: float
    generation_seconds: float
    rows_per_s: float
    peak_rss_mb: float
    tables: list[TableSummary]
    generators_dir: str
    mapping: dict[str, list[str]] = Field(description="table.column names by how they were mapped")
    llm: str
    llm_usage: dict[str, int] = Field(default_factory=dict, description="LLMUsage numbers of this run's mapping.")
    fallbacks: dict[str, str] = Field(default_factory=dict, description="table.column -> why it kept its fallback")
    learned: dict[str, str] = Field(default_factory=dict,
                                    description="table.column -> what was learned from a sample (issue 18)")
    columns: dict[str, str] = Field(default_factory=dict,
                                    description="table.column -> the generator it got and why (as in mapping.yaml)")
    warnings: list[str] = Field(default_factory=list)
    load: LoadSummary | None = Field(default=None, description="The load into a database, when asked for.")


def check_arguments(rows: int | dict[str, int], out_dir: str | Path, fmt: str, locale: str,
                    shards: int | None) -> Path:
    """Clear errors for bad arguments before any work; returns the output folder, created."""
    counts = rows.values() if isinstance(rows, dict) else [rows]
    if any(not isinstance(n, int) or n <= 0 for n in counts):
        raise BadInput(f"rows must be a positive integer, got {rows}")
    if fmt not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if shards is not None and shards <= 0:
        raise BadInput(f"shards must be positive, got {shards}")
    if not locale.replace("_", "").isalpha():
        raise BadInput(f"not a locale: {locale!r} (e.g. en_US, ko_KR, ja_JP, de_DE)")
    out = Path(out_dir).expanduser().resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".qaflow-write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BadInput(f"cannot write to the output folder {out}: {exc.strerror or exc}") from None
    return out


def publish(staging: Path, out: Path, names: list[str]) -> None:
    """Move finished folders from staging to their names under `out`, replacing older ones.

    `names` are folder names (tables' slugs): every path is checked to lie inside
    `out` before anything is removed or renamed, and a link is replaced, never followed.
    """
    for name in names:
        move_inside(out, staging / name, out / name)


def parents_of(table: Any) -> set[str]:
    """The tables whose keys this table's foreign keys hold (its checks read their files)."""
    return {c.params["table"] for c in table.columns if c.generator == "id.foreign_key"}


def submit_shards(jobs: list[tuple[str, Shard]], seed: int, fmt: str, locale: str, pool_cache: str,
                  mode: str) -> list[ShardResult]:
    """Submit every shard to the current flow's task runner and wait for all of them."""
    futures = [write_shard.submit(module, part, seed, fmt, locale, pool_cache, mode) for module, part in jobs]
    return [future.result() for future in futures]


@flow(name="mockdata-shards")
def write_shards_elsewhere(jobs: list[tuple[str, Shard]], seed: int, fmt: str, locale: str, pool_cache: str,
                           mode: str) -> list[ShardResult]:
    """The shard stage as a subflow, so it can run under another task runner (Dask)."""
    return submit_shards(jobs, seed, fmt, locale, pool_cache, mode)


def dask_runner(address: str | None, workers: int | None) -> Any:
    """A DaskTaskRunner for an existing cluster (`address`) or a LocalCluster of 1-thread workers.

    Workers on other machines need the output folder (and QAFLOW_HOME's pools, or
    they rebuild them) on a shared file system.
    """
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise BadInput("runner='dask' needs the dask extra: pip install 'qaflow[dask]'") from None
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": None})


# The parameter is called `schema` like everywhere else in qaflow; pydantic warns that the
# flow's parameter model shadows BaseModel.schema, which is harmless here.
warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)


@flow(name="mockdata", task_runner=MemoryBoundedTaskRunner(max_workers=2, memory_budget="2GiB"))
def mockdata_pipeline(
    schema: str,
    rows: int | dict[str, int],
    out_dir: str,
    seed: int | None = None,
    shards: int | None = None,
    locale: str = "en_US",
    fmt: Literal["parquet", "csv", "jsonl"] = "parquet",
    llm: LLMEndpoint | str | None = None,
    mode: Literal["thread", "process"] = "thread",
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_check_rows: int = DEFAULT_MAX_CHECK_ROWS,
    runner: Literal["local", "dask"] = "local",
    address: str | None = None,
    workers: int | None = None,
    load: str | None = None,
    null_rate: float | None = None,
    schema_dirs: list[str] | None = None,
) -> MockdataSummary:
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
        load: Then load the rows into PostgreSQL: the name of a Database block (or a postgresql:// URL
            without a password). Missing tables are created from the schema and the schema's tables are
            emptied first (a reseed).
        null_rate: Share of NULLs in nullable columns the schema gives no rate for (default 0.05; 0 for none).
        schema_dirs: Folders of schema files a JSON Schema's `$ref`s may point into (besides its own folder).
    """
    started = time.perf_counter()
    if runner not in ("local", "dask"):
        raise BadInput(f"runner must be local or dask, got {runner!r}")
    logger = get_run_logger()
    out = check_arguments(rows, out_dir, fmt, locale, shards)
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    endpoint = llm if isinstance(llm, LLMEndpoint) else LLMEndpoint.resolve(llm or "default")
    spec = read_schema(resolved(schema), None, schema_dirs)  # errors name the file as an absolute path
    if null_rate is not None and not 0.0 <= float(null_rate) <= 1.0:
        raise BadInput(f"null_rate must be between 0 and 1, got {null_rate}")
    plan = map_columns(spec, rows, locale, endpoint, null_rate)
    logger.info("mapping: %s", ", ".join(f"{k} {v}" for k, v in plan.summary.model_dump().items()
                                         if isinstance(v, int) and k != "llm_calls"))
    folders = table_folders(t.name for t in plan.tables)
    renamed = [f"table {name!r} is written to the folder {folder!r} (its name is not a safe file name)"
               for name, folder in folders.items() if folder != name]
    for note in renamed:
        logger.warning(note)
    staging = inside(out, out / f".staging-{uuid.uuid4().hex[:12]}")
    try:
        pool_cache = str(state_dir("pools"))
        modules = render_generators(plan, spec, str(staging / GENERATORS_DIR), batch_size, pool_cache)
        warm_pools(plan, pool_cache)
        gen_started = time.perf_counter()
        jobs = [(modules[table.name], part) for table in plan.tables  # parents first
                for part in plan_shards(table.name, table.rows, staging / folders[table.name], shards=shards,
                                        batch_size=batch_size, fmt=fmt)]
        if runner == "dask":
            done = write_shards_elsewhere.with_options(task_runner=dask_runner(address, workers))(
                jobs, seed, fmt, locale, pool_cache, mode)
            validations = [validate_table.submit(plan, table, str(staging), fmt, max_check_rows)
                           for table in plan.tables]
        else:
            # Each table is checked as soon as it and the parents its foreign keys read are
            # written, while later tables are still being generated (the checks read files back).
            writes = {t.name: [] for t in plan.tables}
            for module, part in jobs:
                writes[part.table].append(write_shard.submit(module, part, seed, fmt, locale, pool_cache, mode))
            validations = [validate_table.submit(
                plan, table, str(staging), fmt, max_check_rows,
                wait_for=[f for name in {table.name, *parents_of(table)} for f in writes[name]])
                for table in plan.tables]
            done = [f.result() for futures in writes.values() for f in futures]
        results: dict[str, list[ShardResult]] = {t.name: [] for t in plan.tables}
        for part in done:
            results[part.table].append(part)
        gen_seconds = time.perf_counter() - gen_started
        checks = [future.result() for future in validations]
        problems = [p for check in checks for p in check.problems]
        if problems:
            raise RuntimeError(f"generated data failed its checks: {'; '.join(problems[:5])}")
        record_source(staging, schema, spec)  # generators/source.json: what `mockdata load --create` creates
        publish(staging, out, [folders[t.name] for t in plan.tables] + [GENERATORS_DIR])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    tables = []
    for table, check in zip(plan.tables, checks, strict=True):
        parts = results[table.name]
        seconds = max(p.seconds for p in parts)
        done = [f"{check.rows_found:,} rows"]
        if check.unique_checked:
            done.append(f"unique: {', '.join(check.unique_checked)}")
        if check.foreign_keys_checked:
            done.append(f"FK: {', '.join(check.foreign_keys_checked)}")
        if check.not_null_checked:
            done.append(f"NOT NULL: {len(check.not_null_checked)} column(s)")
        if check.ranges_checked:
            done.append(f"in type range: {', '.join(check.ranges_checked)}")
        done += check.skipped
        tables.append(TableSummary(
            name=table.name, rows=table.rows, columns=len(table.columns), folder=folders[table.name],
            files=[str(out / folders[table.name] / Path(p.path).name) for p in parts], bytes=check.bytes,
            seconds=round(seconds, 3), rows_per_s=round(table.rows / max(seconds, 1e-9)),
            peak_rss_mb=round(max(p.peak_rss_bytes for p in parts) / 2**20, 1), checks="; ".join(done),
        ))
    total_rows = sum(t.rows for t in plan.tables)
    summary = MockdataSummary(
        out_dir=str(out), seed=seed, locale=locale, format=fmt, rows=total_rows,
        seconds=round(time.perf_counter() - started, 3), generation_seconds=round(gen_seconds, 3),
        rows_per_s=round(total_rows / max(gen_seconds, 1e-9)),
        peak_rss_mb=round(max(peak_rss_bytes(), *(t.peak_rss_mb * 2**20 for t in tables)) / 2**20, 1),
        tables=tables, generators_dir=str(out / GENERATORS_DIR), mapping=plan.columns_by_how(),
        llm=plan.summary.llm_note, llm_usage=plan.summary.llm_usage,
        fallbacks={f"{t.name}.{c.name}": c.reason for t in plan.tables for c in t.columns if c.how == "fallback"},
        learned={f"{t.name}.{c.name}": c.reason.removeprefix("learned from the sample: ") for t in plan.tables
                 for c in t.columns if c.reason.startswith("learned from the sample")},
        columns={f"{t.name}.{c.name}": f"{c.generator} ({c.how}: {c.reason})" for t in plan.tables for c in t.columns},
        warnings=[*plan.warnings, *renamed],
    )
    create_table_artifact(
        key="mockdata-summary",
        table=[{"table": t.name, "rows": t.rows, "columns": t.columns, "files": len(t.files),
                "MB": round(t.bytes / 2**20, 2), "rows/s": t.rows_per_s, "peak RSS MB": t.peak_rss_mb,
                "checks": t.checks} for t in tables],
        description=(f"**mockdata** {total_rows:,} rows of {Path(schema).name} in {summary.seconds:.2f} s "
                     f"({summary.rows_per_s:,.0f} rows/s generating), seed {seed}, locale {locale}, "
                     f"{fmt} under `{out}`.\n\nMapping: "
                     + ", ".join(f"{how} {len(cols)}" for how, cols in summary.mapping.items())
                     + f". LLM: {summary.llm}"),
    )
    logger.info("wrote %s rows in %.2f s (%s rows/s) to %s", f"{total_rows:,}", summary.seconds,
                f"{summary.rows_per_s:,.0f}", out)
    if load:
        summary.load = load_mockdata(str(out), load, create=True, truncate=True)
    return summary


DEMO_ROWS = {"customers": 1_000_000, "products": 20_000, "orders": 500_000, "order_items": 1_000_000}


def demo(out_dir: Path) -> dict[str, Any]:
    """1,000,000 customers plus products, orders and order items from examples/schemas/shop.sql."""
    schema = project_root() / "examples" / "schemas" / "shop.sql"
    summary = mockdata_pipeline(str(schema), DEMO_ROWS, str(out_dir / "shop"), seed=42, locale="en_US")
    print(f"mockdata: {summary.rows:,} rows in {summary.generation_seconds:.2f} s "
          f"({summary.rows_per_s:,.0f} rows/s) -> {summary.out_dir}")
    for table in summary.tables:
        print(f"  {table.name:12s} {table.rows:>10,} rows  {table.rows_per_s:>12,.0f} rows/s  "
              f"{table.bytes / 2**20:8.1f} MB  {table.checks}")
    return {"out_dir": summary.out_dir, "rows": summary.rows, "rows_per_s": summary.rows_per_s,
            "seconds": summary.seconds, "generators": summary.generators_dir,
            "tables": {t.name: t.files for t in summary.tables}}


if __name__ == "__main__":
    import sys

    print(mockdata_pipeline(sys.argv[1], int(sys.argv[2]), sys.argv[3]).model_dump_json(indent=2))
