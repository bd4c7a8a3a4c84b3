"""Load generated mock data into PostgreSQL: create, truncate, COPY in FK order, check.

    source.py   which schema an output folder came from (source.json, written by generate)
    ddl.py      the CREATE statements the schema defines (DDL as written, or built from the model)
    order.py    foreign-key order: levels of independent tables, cycles together
    copy.py     COPY of one table: ADBC binary or psycopg text, and what a refusal says
    deferred.py keys and indexes of tables the load created, built after their rows
    run.py      load_output(): the whole load, one transaction per table
    summary.py  LoadSummary / TableLoad

`load_mockdata` is the thin Prefect task, made on first use so that importing
this package does not import Prefect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tasks.load.run import load_output, resolve_database
from tasks.load.source import SOURCE_FILE, read_source, record_source
from tasks.load.summary import LoadSummary, TableLoad

__all__ = ["SOURCE_FILE", "LoadSummary", "TableLoad", "load_mockdata", "load_output", "read_source",
           "record_source", "resolve_database"]

if TYPE_CHECKING:
    from prefect import Task

    load_mockdata: Task[..., LoadSummary]


def _load_mockdata(out_dir: str, database: str, create: bool = False, truncate: bool = False,
                   parallel: int = 2) -> LoadSummary:
    """Load an output folder into the database named by a Database block (or a password-free URL).

    Fails the task when a table did not load (after the others were loaded), so the
    run shows red; the summary artifact says which tables loaded and which did not.
    """
    from urllib.parse import urlsplit

    from prefect import get_run_logger
    from prefect.artifacts import create_table_artifact

    if "://" in database and urlsplit(database).password is not None:
        raise ValueError("a password in the load URL would be stored with the flow run: save it in a "
                         "Database block and pass the block's name, or set PGPASSWORD")
    summary = load_output(out_dir, database, create=create, truncate=truncate, parallel=parallel,
                          logger=get_run_logger())
    create_table_artifact(
        key="mockdata-load",
        table=[{"table": t.name, "status": t.status, "rows": t.rows, "rows/s": t.rows_per_s, "method": t.method,
                "error": t.error or ""} for t in summary.tables],
        description=(f"**load** into {summary.database}: {summary.rows:,} rows in {summary.seconds:.2f} s; "
                     f"loaded {', '.join(summary.loaded) or 'nothing'}"
                     + (f"; not loaded: {', '.join(summary.not_loaded)}" if summary.not_loaded else "")),
    )
    if not summary.ok:
        raise RuntimeError(f"loaded {', '.join(summary.loaded) or 'nothing'}; not loaded: "
                           + "; ".join(t.error or t.name for t in summary.tables if t.status != "loaded"))
    return summary


def _unreachable(_task: Any, _run: Any, state: Any) -> bool:
    """Retry only when the server could not be reached; a refused row fails at once."""
    try:
        state.result()
    except ConnectionError:
        return True
    except Exception:
        return False
    return False


def __getattr__(name: str) -> Any:
    if name == "load_mockdata":
        from prefect import task
        from prefect.tasks import exponential_backoff

        global load_mockdata
        load_mockdata = task(name="load-into-database", retries=2, retry_delay_seconds=exponential_backoff(2),
                             retry_jitter_factor=0.5, retry_condition_fn=_unreachable)(_load_mockdata)
        return load_mockdata
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
