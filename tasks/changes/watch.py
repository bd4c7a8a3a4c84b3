"""Keep an index in step with a folder: one sync now, then one after each burst of changes.

`run_sync` is handed in (the CLI passes the rag-sync flow run as `rag watch`
runs it, flows.rag.cli_sync); this module only decides when to call it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["watch_folder"]


def watch_folder(
    source_dir: Path,
    run_sync: Callable[[], object],
    debounce_ms: int = 1600,
    stop_event: threading.Event | None = None,
    max_syncs: int | None = None,
    max_wait_ms: int | None = None,
) -> int:
    """Sync once, then after each burst of changes; one sync at a time.

    A burst syncs once the folder has been quiet for `debounce_ms` (at the latest
    `max_wait_ms`, default 10x, after its first change); changes to ignored files
    (editor debris, hidden, .qaflowignore/.gitignore) start none
    (tasks.events.quiet_changes). Events that arrive during a sync are collected
    and trigger exactly one more sync afterwards. Returns the number of syncs run.
    `run_sync` releases memory itself (`flows.rag.cli_sync` does).
    """
    from tasks.events import quiet_changes

    runs = 0
    run_sync()
    runs += 1
    if max_syncs is not None and runs >= max_syncs:
        return runs
    for _changes in quiet_changes(source_dir, debounce_ms, max_wait_ms, stop_event):
        run_sync()
        runs += 1
        if max_syncs is not None and runs >= max_syncs:
            break
    return runs
