"""The custom Prefect event that says "files of this folder changed".

`qaflow rag watch --emit` sends it; the `rag-sync` deployment's trigger in
prefect.yaml matches it and runs a sync of the folder named in the event. The
event, not a direct `run_deployment` call, is what the watcher sends, so the
Prefect UI shows what happened and which run it caused, and any number of
deployments (or none) can react to it.
"""

from __future__ import annotations

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


def watch_and_emit(
    folder: Path,
    debounce_ms: int = 1600,
    max_events: int | None = None,
    stop_event: Any = None,
    on_event: Any = None,
) -> int:
    """Emit a files-changed event now (the whole folder) and after every burst of changes.

    The watcher syncs nothing itself: the rag-sync deployment's trigger does, on a
    worker or `qaflow serve`, so the Prefect UI shows the event and the run it caused.
    Returns the number of events sent; stops after `max_events` when given.
    """
    from watchfiles import watch

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
    for burst in watch(root, debounce=debounce_ms, stop_event=stop_event, raise_interrupt=False):
        changed = {Path(p).resolve() for _kind, p in burst}
        if send(sorted(str(p.relative_to(root)) for p in changed if p.is_relative_to(root))):
            break
    return sent
