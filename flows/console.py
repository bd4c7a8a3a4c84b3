"""A quiet terminal for CLI-started runs: Prefect's bookkeeping stays in the run logs.

Prefect's console handler prints every task's "Finished in state Completed()", the
flow's "Beginning flow run" and a "View at" link. In the API's logs and the UI that
is the run's history; on a terminal it buries the progress bar and the summary (a
70-table schema printed 147 such lines), and the link points at a server that is gone
when the command ends unless the API outlives it. The filter sits on the console
handlers only, so every record still reaches the API handler (and the UI).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
BOOKKEEPING = ("Finished in state Completed", "Finished in state Cached", "Beginning flow run",
               "Created task run", "Executing '")


class QuietConsole(logging.Filter):
    """Drops Prefect's per-run bookkeeping lines below WARNING; keeps everything the pipelines say."""

    def __init__(self, keep_links: bool) -> None:
        super().__init__("qaflow-quiet-console")
        self.keep_links = keep_links

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "qaflow_in_summary", False):
            return False  # the command's summary prints it (a schema's warnings)
        if record.levelno >= logging.WARNING or record.name not in RUN_LOGGERS:
            return True
        message = record.getMessage()
        if message.startswith(BOOKKEEPING):
            return False
        if message.startswith("View at "):
            return self.keep_links
        return True


def console_handlers() -> list[logging.Handler]:
    """Prefect's console handlers wherever its logging configuration attached them."""
    from prefect.logging.handlers import PrefectConsoleHandler

    found: list[logging.Handler] = []
    for name in ("", "prefect", *RUN_LOGGERS):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler) and handler not in found:
                found.append(handler)
    return found


@contextmanager
def quiet_console(keep_links: bool) -> Iterator[None]:
    """Filter Prefect's console handlers while the block runs (CLI commands only; `serve`
    and workers keep Prefect's full console, which is their log)."""
    quiet = QuietConsole(keep_links)
    handlers = console_handlers()
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)
