"""`qaflow rag sync`'s progress bar is drawn from the sync's progress events
(tasks.changes.PROGRESS, the one tasks.progress interface), and stops listening after."""

from __future__ import annotations

import io

from rich.console import Console

from flows.cli import common
from flows.cli.rag import sync_progress
from tasks.changes import PROGRESS


def test_the_bar_counts_files_and_chunks_from_the_events() -> None:
    buffer = io.StringIO()
    previous = common.stdout, common.STATE.json
    common.stdout, common.STATE.json = Console(file=buffer, width=120, force_terminal=False), False
    try:
        PROGRESS.emit("indexed", advance=9, chunks=99)  # before the bar: nobody listens
        with sync_progress():
            assert PROGRESS.active
            PROGRESS.emit("planned", total=4, to_index=3, bytes=1234)
            PROGRESS.emit("deleted", advance=1, chunks=2)
            PROGRESS.emit("indexed", advance=2, chunks=5)
            PROGRESS.emit("renamed", advance=1, chunks=0)
            PROGRESS.emit("done", added=2)
        assert not PROGRESS.active
    finally:
        common.stdout, common.STATE.json = previous
    last = buffer.getvalue().strip().splitlines()[-1]
    assert last.startswith("files") and "4/4" in last and "7 chunks" in last, buffer.getvalue()
