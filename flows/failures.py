"""Expected failures end a flow run as FAILED with one line, not with Prefect's tracebacks.

A run that fails because of what it was given or found (scenarios failed, a schema that
cannot be read, bad arguments, a target that does not answer) is not a bug: the user needs
the message, not the engine's stack. Prefect 3.9 logs every exception raised from a flow
or task with its traceback ("Encountered exception during execution", "Task run failed
with exception", and in worker and `serve` processes once more as "Engine execution exited
with unexpected exception"). A filter on Prefect's run loggers keeps those records for
the exceptions of `EXPECTED` as one line each (and drops the engine's repeat); every other
exception keeps its traceback. The run's state is Prefect's Failed with the exception's
message; the CLI prints that message as one line (flows/cli/common.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

# Prefect's run loggers: what flow and task engines log through (and ship to the API).
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
# The engine's last word in worker and `serve` processes, a repeat of the flow's own error.
ENGINE_EXIT = "Engine execution exited with unexpected exception"


class ExpectedFailure(Exception):
    """A failure whose message says everything the user needs (base of the pipelines' own)."""


class RunFailed(ExpectedFailure, RuntimeError):
    """A run that ended Failed after writing its results; `summary` is its result model
    (e.g. a BddSummary), so a caller that catches the failure still has the run's answer."""

    def __init__(self, message: str, summary: Any = None) -> None:
        super().__init__(message)
        self.summary = summary


def expected_types() -> tuple[type[BaseException], ...]:
    """The exception types that end a run without a traceback: the pipelines' own, and the
    input errors of the stages (each names its file and line), imported lazily so that this
    module stays cheap to import."""
    from tasks.codegen.mapping import MappingError
    from tasks.codegen.paths import UnsafePath
    from tasks.documents.errors import DocumentError
    from tasks.execution.features import FeatureError
    from tasks.llm.client import LLMUnavailable
    from tasks.origins import OriginError
    from tasks.requirements.model import RequirementError
    from tasks.rows.options import BadArgument
    from tasks.schema.errors import SchemaError
    from tasks.vectorstore.lock import SyncBusy

    return (ExpectedFailure, SchemaError, MappingError, RequirementError, DocumentError, FeatureError,
            OriginError, UnsafePath, SyncBusy, LLMUnavailable, BadArgument, FileNotFoundError, NotADirectoryError)


def is_expected(exc: BaseException | None) -> bool:
    """True for an exception of `expected_types()` (or one raised from such an exception)."""
    if exc is None:
        return False
    types = expected_types()
    return isinstance(exc, types) or isinstance(exc.__cause__, types)


def one_line(exc: BaseException) -> str:
    """`Type: first line of the message` (the message alone for the pipelines' own failures)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ExpectedFailure) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def resolved(path: str | Path) -> str:
    """A path as error messages show it: absolute, so it does not depend on where the run works."""
    return str(Path(path).expanduser().resolve())


class OneLineForExpected(logging.Filter):
    """Prefect's run-log records of an expected failure, one line each, without traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not is_expected(exc):
            return True
        if record.getMessage() == ENGINE_EXIT:
            return False  # the flow already logged it; the engine only repeats it with its stack
        if record.getMessage().startswith("Encountered exception during execution"):
            record.msg, record.args = "Run failed: %s", (one_line(exc),)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


_FILTER = OneLineForExpected()


def install() -> None:
    """Put the filter on Prefect's run loggers (idempotent); the pipelines' modules call it on import."""
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


install()
