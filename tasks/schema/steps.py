"""The thin Prefect task of the schema stage (tasks/schema/__init__.py holds the readers).

Kept apart from the readers so that reading a schema, as the CLI does before
anything starts, does not import Prefect.
"""

from __future__ import annotations

from prefect import task
from prefect.exceptions import MissingContextError
from prefect.logging import get_logger, get_run_logger

from tasks.schema import SchemaSpec, read_schema_file

__all__ = ["read_schema"]


@task(name="read-schema")
def read_schema(path: str, dialect: str | None = None, schema_dirs: list[str] | None = None) -> SchemaSpec:
    """Read a schema file for a flow; what could only be approximated is logged as a warning."""
    schema = read_schema_file(path, dialect=dialect, schema_dirs=schema_dirs or ())
    try:
        logger = get_run_logger()
    except MissingContextError:  # called as read_schema.fn(...) outside a run
        logger = get_logger("qaflow.schema")
    logger.info("read %d table(s) from %s: %s", len(schema.tables), path,
                ", ".join(f"{t.name} ({len(t.columns)} columns)" for t in schema.tables))
    for warning in schema.warnings:  # the run's log keeps each; the CLI shows them in its summary only
        logger.warning("%s: %s", path, warning, extra={"qaflow_in_summary": True})
    return schema
