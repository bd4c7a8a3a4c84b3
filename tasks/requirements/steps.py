"""The thin Prefect tasks of the requirements stage (the logic: tasks/requirements/__init__.py)."""

from __future__ import annotations

import logging

from prefect import get_run_logger, task
from prefect.exceptions import MissingContextError

from tasks.requirements import read_requirements
from tasks.requirements.model import ReadResult

__all__ = ["ingest_document"]


@task(name="ingest-document", task_run_name="ingest {path}")
def ingest_document(path: str) -> ReadResult:
    """Read one requirement document (pure computation on a local file: no retries); its
    errors go to the run's log as well as into the result."""
    result = read_requirements(path)
    try:
        logger: logging.Logger | logging.LoggerAdapter = get_run_logger()
    except MissingContextError:  # called as ingest_document.fn(...), outside a run
        logger = logging.getLogger(__name__)
    for error in result.errors:
        logger.warning("requirement input: %s", error)
    return result
