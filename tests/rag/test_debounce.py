"""Debounce is a quiet period: a burst ends only when the folder has been quiet
for the interval (or after the maximum wait), and debris never wakes the watcher.

Real files in a real folder, watched by watchfiles (inotify); no Prefect here,
the sync side is in test_ignore.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.events import quiet_changes

pytestmark = pytest.mark.timeout(120)


class Watcher:
    """quiet_changes() in a thread; the bursts with the time each came."""

    def __init__(self, root: Path, debounce_ms: int, max_wait_ms: int | None = None) -> None:
        self.stop = threading.Event()
        self.bursts: list[tuple[float, set[Path]]] = []
        ready = threading.Event()

        def run() -> None:
            changes = quiet_changes(root, debounce_ms, max_wait_ms, self.stop)
            ready.set()
            for burst in changes:
                self.bursts.append((time.monotonic(), burst))

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(5)
        time.sleep(0.5)  # the generator starts watching on its first next(): let inotify settle

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def docs(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "docs"
    root.mkdir()
    yield root


def test_ten_files_300ms_apart_are_one_burst_after_the_quiet_period(docs: Path) -> None:
    watcher = Watcher(docs, debounce_ms=1600)
    try:
        for i in range(10):
            (docs / f"f{i}.md").write_text(f"# {i}\n")
            time.sleep(0.3)
        last_write = time.monotonic() - 0.3
        deadline = time.monotonic() + 10
        while not watcher.bursts and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.5)  # nothing more may come
    finally:
        watcher.close()
    assert len(watcher.bursts) == 1, [sorted(p.name for p in b) for _t, b in watcher.bursts]
    at, burst = watcher.bursts[0]
    assert {p.name for p in burst} == {f"f{i}.md" for i in range(10)}
    # not before the folder was quiet for the interval, and not long after
    assert 1.5 <= at - last_write <= 3.0, at - last_write


def test_debris_alone_wakes_nothing(docs: Path) -> None:
    (docs / ".qaflowignore").write_text("drafts/\n")
    (docs / "drafts").mkdir()
    (docs / ".obsidian").mkdir()
    watcher = Watcher(docs, debounce_ms=300)
    try:
        for round_ in range(3):
            for name in ("~$doc.docx", ".doc.md.swp", "notes.md~", "x___jb_tmp___", ".#a.md", "a.tmp",
                         "f.crdownload", "g.part", ".obsidian/w.md", "drafts/d.md"):
                (docs / name).write_text(f"{round_}")
            time.sleep(0.2)
        (docs / "a.tmp").unlink()
        time.sleep(1.5)
        assert watcher.bursts == []
        (docs / "real.md").write_text("# real\n")
        deadline = time.monotonic() + 10
        while not watcher.bursts and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.close()
    assert [{p.name for p in b} for _t, b in watcher.bursts] == [{"real.md"}]


def test_new_ignore_rules_are_a_change_and_apply_at_once(docs: Path) -> None:
    (docs / "drafts").mkdir()
    watcher = Watcher(docs, debounce_ms=300)
    try:
        (docs / ".qaflowignore").write_text("drafts/\n")  # what is indexed changes: a sync is due
        deadline = time.monotonic() + 10
        while not watcher.bursts and time.monotonic() < deadline:
            time.sleep(0.05)
        (docs / "drafts" / "d.md").write_text("# d\n")  # ignored from now on
        time.sleep(1.5)
    finally:
        watcher.close()
    assert [{p.name for p in b} for _t, b in watcher.bursts] == [{".qaflowignore"}]


def test_a_folder_that_never_rests_still_syncs_after_the_maximum_wait(docs: Path) -> None:
    watcher = Watcher(docs, debounce_ms=1000, max_wait_ms=1500)
    try:
        started = time.monotonic()
        while time.monotonic() - started < 4:
            (docs / "busy.md").write_text(str(time.monotonic()))
            time.sleep(0.2)
    finally:
        watcher.close()
    assert len(watcher.bursts) >= 2
    assert 1.4 <= watcher.bursts[0][0] - started <= 2.5
