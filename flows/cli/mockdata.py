"""`qaflow mockdata generate|codegen|providers|load`: mock rows from a schema.

    qaflow mockdata generate examples/schemas/shop.sql --rows 1000000 --out out/shop
    qaflow mockdata codegen examples/schemas/shop.sql --out gen/      # modules + mapping.yaml
    qaflow mockdata codegen gen/mapping.yaml --out gen/               # re-render an edited mapping
    qaflow mockdata providers                                         # the generator registry
    qaflow mockdata load out/shop --dsn postgresql://qa@127.0.0.1:5432/test --create --truncate
    qaflow mockdata generate examples/schemas/shop.sql --rows 1000 --out out/shop --load test-db

Each command parses its arguments, calls the flow (flows/mockdata.py) or one
public function, and prints the result model; the work lives in tasks/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from flows.cli import common
from tasks.rows.options import Format, Mode, Runner

app = typer.Typer(help="Mock data: schema -> generators -> millions of rows.", no_args_is_help=True)


def _table_rows(rows: int, table_rows: list[str]) -> int | dict[str, int]:
    if rows <= 0:
        raise common.UserError(f"--rows must be positive, got {rows}")
    if not table_rows:
        return rows
    counts: dict[str, int] = {}
    for item in table_rows:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().lstrip("-").isdigit():
            raise common.UserError(f"--table-rows takes TABLE=N, got {item!r}")
        counts[name.strip()] = int(value)
    return counts


def _endpoint(llm_block: str | None):
    """The LLM endpoint: a saved block when named, else the environment (offline by default)."""
    from blocks.llm import LLMEndpoint

    return LLMEndpoint.resolve(llm_block) if llm_block else LLMEndpoint.from_env()


def _resolved(paths: list[Path]) -> list[Path]:
    return [p.expanduser().resolve() for p in paths]


@app.command()
def generate(
    schema: Path = typer.Argument(..., help="Schema: .sql, .json (JSON Schema), .yaml (qaflow spec), .csv/.parquet sample."),
    rows: int = typer.Option(..., "--rows", "-n", help="Rows per table."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: one sub-folder of part files per table."),
    seed: int | None = typer.Option(None, help="Same seed, same bytes (random when left out; printed)."),
    shards: int | None = typer.Option(None, min=1, help="Part files per table (default: one per worker)."),
    locale: str = typer.Option("en_US", help="Faker locale: en_US, ko_KR, ja_JP, de_DE, ..."),
    fmt: Format = typer.Option("parquet", "--format", help="parquet, csv or jsonl."),
    table_rows: list[str] = typer.Option([], "--table-rows", help="TABLE=N for one table (repeatable)."),
    mode: Mode = typer.Option("thread", help="Run shards in threads or child processes."),
    llm_block: str | None = typer.Option(None, "--llm", help="Name of a saved LLM endpoint block."),
    check_rows: int = typer.Option(250_000, "--check-rows",
                                   help="Read back and check unique/FK columns of tables up to this many rows."),
    runner: Runner = typer.Option("local", help="local (memory-bounded threads) or dask."),
    address: str | None = typer.Option(None, help="Dask scheduler address (tcp://host:8786); default a LocalCluster."),
    workers: int | None = typer.Option(None, help="Workers of the Dask LocalCluster (default 2)."),
    load: str | None = typer.Option(None, "--load", help="Then load into PostgreSQL: a postgresql:// URL or a "
                                    "Database block's name (missing tables created, the schema's tables emptied)."),
    null_rate: float | None = typer.Option(None, "--null-rate", min=0.0, max=1.0,
                                           help="NULLs in nullable columns the schema gives no rate for "
                                           "(default 0.05; 0 turns them off)."),
    schema_dirs: list[Path] = typer.Option([], "--schema-dir", help="Folder of schema files that $refs point "
                                           "into (repeatable; the schema's own folder is always searched)."),
    as_json: bool = common.JsonOption,
) -> None:
    """Generate rows for every table of SCHEMA into OUT (and load them into a database with --load)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        overrides = _table_rows(rows, table_rows)
        # bad schemas fail here, before Prefect starts (named by their absolute path)
        spec = _read_checked(Path(schema).expanduser().resolve(), schema_dirs, as_json)
        counts: int | dict[str, int] = rows
        if isinstance(overrides, dict):
            unknown = set(overrides) - {t.name for t in spec.tables}
            if unknown:
                raise common.UserError(f"--table-rows names unknown table(s): {', '.join(sorted(unknown))}")
            counts = {t.name: overrides.get(t.name, rows) for t in spec.tables}
        from flows.prefect_api import cli_flow_runs, start_api

        start_api()  # the API server starts while the pipeline's libraries import
        from flows.mockdata import mockdata_pipeline
        from tasks.rows.progress import PROGRESS

        total = sum(counts.values()) if isinstance(counts, dict) else counts * len(spec.tables)
        with _rows_bar(total, as_json) as advance, PROGRESS.listening(advance), cli_flow_runs():
            summary = mockdata_pipeline(
                str(schema), counts, str(out), seed=seed, shards=shards, locale=locale, fmt=fmt,
                llm=_endpoint(llm_block) if llm_block else None, mode=mode, max_check_rows=check_rows,
                runner=runner, address=address, workers=workers, load=_password_to_env(load),
                null_rate=null_rate, schema_dirs=[str(d) for d in _resolved(schema_dirs)] or None,
            )
        common.emit(summary, as_json, _render_summary)


@contextmanager
def _rows_bar(total: int, as_json: bool) -> Iterator[Callable[[Any], None]]:
    """A bar of rows written (left on screen, or removed at the end with --json); yields the
    progress hook (tasks.progress) that advances it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("[bold]rows"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=common.console(), transient=as_json)
    task_id = progress.add_task("rows", total=total)
    with progress:
        yield lambda event: progress.update(task_id, advance=event.advance)


def _read_checked(schema: Path, schema_dirs: list[Path], as_json: bool):
    """Read the schema before anything runs; with --json a SchemaError is also printed as JSON on stdout
    ({"error": {"message", "reason", "file", "line", "column", "pointer"}}), then fails as one line."""
    from tasks.schema import SchemaError, read_schema_file

    try:
        return read_schema_file(schema, schema_dirs=_resolved(schema_dirs))
    except SchemaError as exc:
        if as_json:
            common.emit({"error": {"message": str(exc), "reason": exc.reason, "file": exc.file, "line": exc.line,
                                   "column": exc.column, "pointer": exc.pointer}}, True)
        raise common.UserError(str(exc)) from None


def _password_to_env(load: str | None) -> str | None:
    """Keep a URL's password out of the flow run's parameters: libpq reads it from PGPASSWORD instead."""
    if not load or "://" not in load:
        return load
    import os

    from blocks.database import Database

    db = Database.from_dsn(load)
    if db.password is None:
        return load
    os.environ["PGPASSWORD"] = db.password.get_secret_value()
    return db.describe() + (f"?sslmode={db.sslmode}" if "sslmode=" in load else "")


# Above this many tables the summary lists tables in columns, not one wrapped row each
# (a 70-table schema stays within a screen); `--json` has every table's checks.
COMPACT_ABOVE = 12
LIST_AT_MOST = 24  # table names listed in the compact summary; the rest are counted


def _render_summary(summary) -> None:
    """A tasks.rows.summary.MockdataSummary for people."""
    from rich.columns import Columns
    from rich.markup import escape
    from rich.table import Table

    con = common.console()
    if len(summary.tables) > COMPACT_ABOVE:
        con.print(summary.headline(), highlight=False)
        shown = summary.tables if len(summary.tables) <= LIST_AT_MOST else summary.tables[:LIST_AT_MOST - 4]
        cells = [f"{escape(t.name)} [dim]{t.rows:,}[/]" for t in shown]
        if len(shown) < len(summary.tables):
            cells.append(f"[dim]... and {len(summary.tables) - len(shown)} more[/]")
        con.print(Columns(cells, padding=(0, 3)))
        con.print(summary.checks_line(), highlight=False)
    else:
        table = Table(title=summary.headline())
        for name in ("table", "rows", "files", "MB", "rows/s", "checks"):
            table.add_column(name, justify="right" if name in ("rows", "files", "MB", "rows/s") else "left")
        for t in summary.tables:
            table.add_row(escape(t.name), f"{t.rows:,}", str(len(t.files)), f"{t.bytes / 2**20:.1f}",
                          f"{t.rows_per_s:,.0f}", escape(t.checks))
        con.print(table)
    con.print(f"mapping: {summary.mapping_line()}", highlight=False)
    con.print(f"LLM: {summary.llm}", highlight=False)
    for column, reason in (summary.fallbacks if summary.llm_usage else {}).items():  # the LLM's leftovers
        con.print(f"  fallback {escape(column)}: {escape(reason)}", highlight=False)
    con.print(f"data: {escape(summary.out_dir)}   generators: {escape(summary.generators_dir)}", highlight=False)
    if summary.skipped_line():  # a whole dump's statements qaflow does not model: one line
        con.print(escape(summary.skipped_line()), highlight=False)
    for warning in summary.other_warnings():
        con.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if summary.load is not None:
        _render_load(summary.load)


@app.command()
def load(
    out_dir: Path = typer.Argument(..., help="A folder written by `qaflow mockdata generate` (Parquet)."),
    dsn: str | None = typer.Option(None, "--dsn", help="postgresql://USER@HOST:PORT/DB (password: PGPASSWORD, "
                                   "~/.pgpass, or the URL)."),
    database: str | None = typer.Option(None, "--database", help="Name of a saved Database block instead of --dsn."),
    create: bool = typer.Option(False, "--create", help="First create the tables of the schema the rows came from."),
    truncate: bool = typer.Option(False, "--truncate", help="Empty the tables first."),
    parallel: int = typer.Option(2, "--parallel", min=1, help="Tables loaded at the same time (FK order allowing)."),
    as_json: bool = common.JsonOption,
) -> None:
    """Load OUT_DIR into PostgreSQL: COPY in foreign-key order, every constraint checked by the database."""
    common.use_json(as_json)
    with common.errors_as_lines():
        if bool(dsn) == bool(database):
            raise common.UserError("give one of --dsn URL or --database BLOCK")
        if database:
            from flows.prefect_api import start_api

            start_api()
        from tasks.load import load_output

        summary = load_output(out_dir, dsn or database, create=create, truncate=truncate, parallel=parallel)
        common.emit(summary, as_json, _render_load)
        if not summary.ok:
            raise typer.Exit(1)


def _render_load(summary) -> None:
    """A tasks.load.LoadSummary for people."""
    from rich.markup import escape
    from rich.table import Table

    con = common.console()
    table = Table(title=f"loaded {summary.rows:,} rows into {escape(summary.database)} in {summary.seconds:.2f} s "
                        f"({summary.rows_per_s:,.0f} rows/s), peak RSS {summary.peak_rss_mib:,.0f} MiB")
    errors = any(t.error for t in summary.tables)
    for name in ("table", "status", "rows", "rows/s", "via", *(["error"] if errors else [])):
        table.add_column(name, justify="right" if name in ("rows", "rows/s") else "left")
    for t in summary.tables:
        table.add_row(escape(t.name), t.status, f"{t.rows:,}", f"{t.rows_per_s:,.0f}", t.method,
                      *([escape(t.error or "")] if errors else []))
    con.print(table)
    if summary.created:
        con.print(f"created: {escape(', '.join(summary.created))}", highlight=False)
    for warning in summary.warnings:
        con.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


@app.command()
def codegen(
    schema: Path = typer.Argument(..., help="Schema file, or a mapping.yaml written by an earlier codegen."),
    out: Path = typer.Option(..., "--out", "-o", help="A .py file (one table) or a folder (one module per table)."),
    rows: int = typer.Option(1_000_000, "--rows", "-n", help="Default row count baked into the modules."),
    table: str | None = typer.Option(None, help="Only this table."),
    locale: str = typer.Option("en_US", help="Faker locale of the value pools."),
    llm_block: str | None = typer.Option(None, "--llm", help="Name of a saved LLM endpoint block."),
    null_rate: float | None = typer.Option(None, "--null-rate", min=0.0, max=1.0,
                                           help="NULLs in nullable columns the schema gives no rate for "
                                           "(default 0.05; 0 turns them off)."),
    schema_dirs: list[Path] = typer.Option([], "--schema-dir", help="Folder of schema files that $refs point "
                                           "into (repeatable; the schema's own folder is always searched)."),
    as_json: bool = common.JsonOption,
) -> None:
    """Render standalone generator modules for SCHEMA, and mapping.yaml beside them."""
    common.use_json(as_json)
    with common.errors_as_lines():
        if rows <= 0:
            raise common.UserError(f"--rows must be positive, got {rows}")
        spec = _read_checked(schema, schema_dirs, as_json)
        names = [t.name for t in spec.tables]
        if table is not None and table not in names:
            raise common.UserError(f"{schema}: no table {table!r}; tables: {', '.join(names)}")
        if out.suffix == ".py" and table is None and len(names) > 1:
            raise common.UserError(f"{schema} has {len(names)} tables: give a folder to --out, or --table NAME")
        from tasks.codegen.standalone import write_standalone

        result = write_standalone(spec, out, source=str(schema), rows=rows, table=table, locale=locale,
                                  endpoint=_endpoint(llm_block), null_rate=null_rate)
        common.emit(result, as_json, _render_codegen)


def _render_codegen(result) -> None:
    """A tasks.codegen.standalone.CodegenResult for people."""
    from rich.markup import escape

    con = common.console()
    for name, path in result.modules.items():
        con.print(f"[bold]{escape(name)}[/]: {escape(path)}", highlight=False)
    con.print(f"mapping (edit, then re-run codegen on it): {result.mapping}", highlight=False)
    con.print("mapped: " + ", ".join(f"{how} {len(cols)}" for how, cols in result.mapped.items()), highlight=False)
    for warning in result.warnings:
        con.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


@app.command()
def providers(
    family: str | None = typer.Option(None, help="Only this family (person, internet, address, ...)."),
    as_json: bool = common.JsonOption,
) -> None:
    """List the generator registry: names, column types, parameters."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from tasks.codegen.providers import list_providers

        common.emit(list_providers(family), as_json, _render_providers)


def _render_providers(items: list[dict]) -> None:
    import json

    from rich.table import Table

    table = Table(title=f"{len(items)} generators")
    for name in ("name", "types", "params", "description"):
        table.add_column(name)
    for item in items:
        table.add_row(item["name"], ", ".join(item["types"]), json.dumps(item["params"], default=str),
                      item["description"])
    common.console().print(table)
