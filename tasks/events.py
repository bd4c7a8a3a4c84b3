"""The custom Prefect event that says "files of this folder changed".

`qaflow rag watch --emit` sends it; the `rag-sync` deployment's trigger in
prefect.yaml matches it and runs a sync of the folder named in the event. The
event, not a direct `run_deployment` call, is what the watcher sends, so the
Prefect UI shows what happened and which run it caused, and any number of
deployments (or none) can react to it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EVENT = "qaflow.rag.files-changed"
RESOURCE_PREFIX = "qaflow.folder."
# Events above the server's size limit (1.5 MB by default) are refused: name the
# first paths and count the rest.
MAX_PATHS = 200


def folder_resource(folder: Path) -> dict[str, str]:
    """The event's resource: one per absolute folder path, so triggers can tell folders apart."""
    path = str(Path(folder).expanduser().resolve())
    return {
        "prefect.resource.id": f"{RESOURCE_PREFIX}{path}",
        "prefect.resource.name": path,
        "qaflow.folder.path": path,
    }


def files_changed_payload(folder: Path, paths: list[str]) -> dict[str, Any]:
    """What the trigger reads (`event.payload.folder`) and what the UI shows."""
    return {
        "folder": str(Path(folder).expanduser().resolve()),
        "paths": list(paths[:MAX_PATHS]),
        "count": len(paths),
        "truncated": len(paths) > MAX_PATHS,
    }


def emit_files_changed(folder: Path, paths: list[str]) -> None:
    """Tell the Prefect server that `paths` (relative to `folder`) changed.

    Needs a running server (PREFECT_API_URL, or `qaflow server up` found by
    `flows.prefect_api.configure_api()`): an ephemeral API lives only as long
    as this process, and no trigger would ever see the event there. The event
    is queued and sent by Prefect's events worker in the background (flushed at
    the latest when the process exits), so a watcher never waits on the network.
    """
    from prefect.events import emit_event
    from prefect.settings import get_current_settings

    api_url = get_current_settings().api.url
    if not api_url:
        raise RuntimeError(
            "sending events needs a Prefect server: run `qaflow server up` or set PREFECT_API_URL"
        )

    event = emit_event(
        event=EVENT,
        resource=folder_resource(folder),
        payload=files_changed_payload(folder, paths),
    )
    if event is None:
        raise RuntimeError(f"Prefect did not send the event (events are off for {api_url})")


def flush_events(timeout: float = 30.0) -> None:
    """Wait until queued events reached the server (a long-running watcher may be killed any time)."""
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=timeout, at_exit=False)


def quiet_changes(
    folder: str | Path,
    debounce_ms: int = 1600,
    max_wait_ms: int | None = None,
    stop_event: Any = None,
    gitignore: bool | None = None,
) -> Iterator[set[Path]]:
    """Bursts of changed paths under `folder`, each once the folder has been quiet.

    A burst is yielded when no change to a path that is not ignored has come for
    `debounce_ms`, or `max_wait_ms` (default ten times `debounce_ms`) after its
    first change, so a folder that never rests still syncs. watchfiles' own
    `debounce` is a cap on grouping, not a quiet period (ten files written 300 ms
    apart gave three syncs), so its Rust side only wakes this loop in short ticks
    and the timing is kept here. Changes to ignored paths (editor debris, hidden
    entries, ignore-file patterns: tasks/documents/ignore.py) neither start a
    burst nor keep one waiting. Changes made while the caller works on a burst are
    kept by watchfiles and come in the next one. Stops at `stop_event` or Ctrl-C.
    """
    from watchfiles import watch

    from tasks.documents.ignore import WatchFilter

    root = Path(os.path.abspath(folder))
    quiet = max(debounce_ms, 0) / 1000
    longest = (max_wait_ms if max_wait_ms is not None else 10 * debounce_ms) / 1000
    tick = max(50, min(250, debounce_ms // 4))
    keep = WatchFilter(root, gitignore=gitignore)
    pending: set[Path] = set()
    first = last = 0.0
    for changes in watch(
        root, watch_filter=None, debounce=tick, step=min(50, tick), rust_timeout=tick,
        yield_on_timeout=True, stop_event=stop_event, raise_interrupt=False,
    ):
        now = time.monotonic()
        wanted = {Path(path) for _kind, path in changes if not keep.ignored(path)}
        if wanted:
            if not pending:
                first = now
            pending |= wanted
            last = now
        if pending and (now - last >= quiet or now - first >= longest):
            burst, pending = pending, set()
            yield burst


def watch_and_emit(
    folder: Path,
    debounce_ms: int = 1600,
    max_events: int | None = None,
    stop_event: Any = None,
    on_event: Any = None,
    max_wait_ms: int | None = None,
) -> int:
    """Emit a files-changed event now (the whole folder) and after every burst of changes.

    The watcher syncs nothing itself: the rag-sync deployment's trigger does, on a
    worker or `qaflow serve`, so the Prefect UI shows the event and the run it caused.
    A burst ends when the folder was quiet for `debounce_ms` (see `quiet_changes`).
    Returns the number of events sent; stops after `max_events` when given.
    """
    from tasks.documents import walk

    root = Path(folder).expanduser().resolve()
    sent = 0

    def send(paths: list[str]) -> bool:
        nonlocal sent
        emit_files_changed(root, paths)
        flush_events()
        sent += 1
        if on_event is not None:
            on_event(paths)
        return max_events is not None and sent >= max_events

    files, _skipped = walk(root)
    if send(sorted(str(p.relative_to(root)) for p in files)):
        return sent
    for burst in quiet_changes(root, debounce_ms, max_wait_ms, stop_event):
        changed = {p.resolve() for p in burst}
        if send(sorted(str(p.relative_to(root)) for p in changed if p.is_relative_to(root))):
            break
    return sent
