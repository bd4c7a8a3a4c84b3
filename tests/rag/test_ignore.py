"""`rag watch` next to editors: lock, swap, backup and temp files, hidden folders and
`.qaflowignore` / `.gitignore` patterns are never indexed nor counted as failed or
new, only as `ignored`; syncs wait for a quiet folder, so a save that truncates and
rewrites a file is indexed with its final content."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.rag import rag_sync
from tasks.changes import index_status
from tasks.vectorstore import query_index
from tests.rag.conftest import assert_in_step, section, write

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.timeout(600)]

# what Word, vim, JetBrains, emacs and browsers leave next to real documents
DEBRIS = {
    "~$doc.docx": b"\x0cWord lock file owner name",
    "~$sheet.xlsx": b"\x0cExcel",
    ".doc.md.swp": b"b0VIM 9.0",
    "notes.md~": b"# old notes\n",
    "x___jb_tmp___": b"# half-written\n",
    "guide.md___jb_old___": b"# the old guide\n",
    ".#a.md": b"user@host.1234:1700000000",
    "a.tmp": b"PK\x03\x04junk",
    "f.crdownload": b"%PDF-1.7 half",
    "g.part": b"# partial\n",
}


class WatchRun:
    """watch_folder() with real syncs (cli_sync: the flow in this process, as `rag watch` runs it) in a thread."""

    def __init__(self, root: Path, debounce_ms: int, max_wait_ms: int | None = None) -> None:
        from flows.rag import cli_sync
        from tasks.changes import RagSyncSummary, watch_folder

        self.runs: list[RagSyncSummary] = []
        self.stop = threading.Event()
        self.result: list[int] = []
        self.thread = threading.Thread(
            target=lambda: self.result.append(
                watch_folder(root, lambda: self.runs.append(cli_sync(root)), debounce_ms, self.stop,
                             max_wait_ms=max_wait_ms)
            ),
            daemon=True,
        )
        self.thread.start()

    def wait_for(self, condition: Callable[[], bool], seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert self.thread.is_alive() and time.monotonic() < deadline, self.runs
            time.sleep(0.1)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(60)
        assert not self.thread.is_alive() and self.result == [len(self.runs)]


def test_debris_next_to_documents_during_watch_is_ignored_not_failed(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root, "doc.md", section("Orders", "order"))
    write(root, "notes.md", section("Notes", "note"))
    write(root, ".qaflowignore", "drafts/\n*.secret.md\n")
    watcher = WatchRun(root, debounce_ms=400)
    try:
        watcher.wait_for(lambda: len(watcher.runs) >= 1)
        first = watcher.runs[0]
        assert first.added == 2 and first.failed == 0
        # the editors start working: debris, a hidden folder, ignored patterns, and one real new file
        for name, data in DEBRIS.items():
            (root / name).write_bytes(data)
        write(root, ".obsidian/workspace.md", section("Hidden", "hidden"))
        write(root, "drafts/plan.md", section("Draft", "draft"))
        write(root, "pay.secret.md", section("Pay", "salary"))
        write(root, "guide.md", section("Guide", "guide"))
        watcher.wait_for(lambda: sum(r.added for r in watcher.runs) == 3)
        # debris alone (a second save in the editors) starts no sync
        syncs = len(watcher.runs)
        for name, data in DEBRIS.items():
            (root / name).write_bytes(data + b" again")
        (root / "a.tmp").unlink()
        time.sleep(3)
        assert len(watcher.runs) == syncs
    finally:
        watcher.close()
    for run in watcher.runs:
        assert run.failed == 0 and run.failures == [], run.failures
        assert run.skipped == 0, run.skips
        reported = {Path(p.path).name for p in run.failures + run.skips}
        assert not reported & set(DEBRIS)
    last = watcher.runs[-1]
    # + .qaflowignore (hidden), .obsidian (hidden), drafts/ and pay.secret.md (.qaflowignore)
    assert last.added == 1 and last.ignored == len(DEBRIS) + 4
    reasons = {Path(p.path).name: p.reason for p in last.ignores}
    assert reasons["~$doc.docx"] == "Office lock file (~$*)"
    assert reasons["drafts"] == ".qaflowignore: drafts/" and reasons["pay.secret.md"] == ".qaflowignore: *.secret.md"
    assert index_status().model_dump() == {"files": 3, "chunks": 3, "drift": 0}
    assert_in_step(root)
    indexed = {Path(hit["path"]).name for hit in query_index("salary order note guide draft hidden", k=20)}
    assert indexed == {"doc.md", "notes.md", "guide.md"}


def test_a_file_that_becomes_ignored_leaves_the_index_and_gitignore_is_switchable(
    rag_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "docs"
    write(root, "keep.md", section("Keep", "keep"))
    write(root, "build/generated.md", section("Generated", "generated"))
    assert rag_sync(str(root)).added == 2
    write(root, ".gitignore", "build/\n")
    counts = rag_sync(str(root))
    assert counts.deleted == 1 and counts.ignored == 2 and counts.failed == 0
    assert index_status().model_dump() == {"files": 1, "chunks": 1, "drift": 0}
    monkeypatch.setenv("QAFLOW_RAG_GITIGNORE", "false")  # what --no-gitignore sets
    counts = rag_sync(str(root))
    assert counts.added == 1 and counts.ignored == 1  # .gitignore itself: hidden
    assert_in_step(root)


def test_ten_saves_300ms_apart_give_one_sync_with_the_final_content(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root, "base.md", section("Base", "base"))
    watcher = WatchRun(root, debounce_ms=1600)
    try:
        watcher.wait_for(lambda: len(watcher.runs) >= 1)
        time.sleep(0.5)
        for i in range(10):
            write(root, f"f{i}.md", section(f"File {i}", f"topic{i}"))
            time.sleep(0.3)
        # a save that truncates, then rewrites within the quiet period
        (root / "base.md").write_text("")
        time.sleep(0.3)
        write(root, "base.md", section("Rewritten", "rewritten"))
        watcher.wait_for(lambda: sum(r.added for r in watcher.runs) == 11)
        time.sleep(2.5)
    finally:
        watcher.close()
    assert len(watcher.runs) == 2, [(r.added, r.changed) for r in watcher.runs]
    assert watcher.runs[1].added == 10 and watcher.runs[1].changed == 1
    hits = [hit for hit in query_index("rewritten", k=20) if Path(hit["path"]).name == "base.md"]
    assert hits and all("rewritten" in hit["text"] for hit in hits)
    assert_in_step(root)
