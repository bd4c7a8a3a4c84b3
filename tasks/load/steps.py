"""The thin Prefect task of the load stage: an output folder into a database.

Kept apart from the loader (tasks/load/run.py) so that `qaflow mockdata load`
and importing the package do not import Prefect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.tasks import exponential_backoff

from tasks.load.run import load_output
from tasks.load.summary import LoadSummary

__all__ = ["load_mockdata"]


def _unreachable(_task: Any, _run: Any, state: Any) -> bool:
    """Retry only when the server could not be reached; a refused row fails at once."""
    try:
        state.result()
    except ConnectionError:
        return True
    except Exception:
        return False
    return False


@task(name="load-into-database", retries=2, retry_delay_seconds=exponential_backoff(2), retry_jitter_factor=0.5,
      retry_condition_fn=_unreachable)
def load_mockdata(out_dir: str, database: str, create: bool = False, truncate: bool = False,
                  parallel: int = 2) -> LoadSummary:
    """Load an output folder into the database named by a Database block (or a password-free URL).

    Fails the task when a table did not load (after the others were loaded), so the
    run shows red; the summary artifact says which tables loaded and which did not.
    """
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
