"""Crash safety: a sync killed at any point is repaired by the next one, and a
second sync waits for the first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from blocks.vectorstore import VectorStore
from flows.rag import rag_sync
from tasks.changes import RagSyncSummary, index_status
from tasks.changes.index import CRASH_POINTS, RagIndex, SimulatedCrash
from tests.rag.conftest import assert_in_step, plain_sync, section, write

pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parents[2]


def _corpus(root: Path) -> None:
    for number in range(5):
        write(root, f"doc{number}.md", f"# Doc {number}\n\n" + section("Alpha", f"alpha{number}", 3) + section("Beta", f"beta{number}", 3))


def _change_everything(root: Path) -> None:
    write(root, "doc0.md", "# Doc 0\n\n" + section("Alpha", "changed", 2))  # changed and shrunk
    write(root, "doc1.md", (root / "doc1.md").read_text() + section("Gamma", "grown", 4))  # changed and grown
    (root / "doc2.md").unlink()  # deleted
    (root / "doc3.md").rename(root / "doc3-moved.md")  # renamed
    write(root, "new.md", "# New\n\n" + section("Fresh", "fresh", 3))  # added


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_crash_at_any_point_is_repaired_by_the_next_sync(point: str, rag_home: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "docs"
    _corpus(root)
    plain_sync(root)
    _change_everything(root)

    # apply the plan step by step, as the flow does, and crash at `point`
    index = RagIndex(VectorStore.resolve(None))
    plan = index.detect(root)
    monkeypatch.setenv("QAFLOW_RAG_CRASH_AT", point)
    monkeypatch.setenv("QAFLOW_RAG_CRASH_MODE", "raise")
    with pytest.raises(SimulatedCrash):
        index.delete(plan.deleted)
        index.rename(plan.renamed, plan.root)
        index.index(plan.to_index, plan.root)
    index.close()
    monkeypatch.delenv("QAFLOW_RAG_CRASH_AT")
    assert index_status().drift > 0  # the half-done write is visible...

    # ...and repaired by the next sync (the flow's steps; the SIGKILL test below runs the flow)
    assert plain_sync(root) >= 1
    assert_in_step(root)


@pytest.mark.server
def test_sigkill_mid_sync_then_a_waiting_sync_repairs(rag_home: Path, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    root = tmp_path / "docs"
    _corpus(root)
    plain_sync(root)
    _change_everything(root)

    marker = tmp_path / "paused"
    env = dict(
        os.environ,
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        QAFLOW_HOME=str(rag_home),
        # the killed process must not hold the Prefect slot (its lease would block for a minute)
        QAFLOW_RAG_PREFECT_LIMIT="0",
        QAFLOW_RAG_CRASH_AT="index:after-upsert",
        QAFLOW_RAG_CRASH_MODE="pause",
        QAFLOW_RAG_CRASH_MARKER=str(marker),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.rag", str(root)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 400
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the subprocess never reached the crash point"
            time.sleep(0.2)
        # the subprocess holds the collection, its new chunks are written, its rows not committed

        results: list[RagSyncSummary] = []
        second = threading.Thread(target=lambda: results.append(rag_sync(source_dir=str(root))))
        second.start()
        time.sleep(4)
        assert second.is_alive() and not results, "the second sync must wait for the first"

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        second.join(300)
        assert not second.is_alive()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    [result] = results
    assert result.repaired >= 1
    assert result.lock_wait_seconds >= 3
    # the killed run had committed the delete and the rename; its three indexed paths were
    # journaled, so the repair dropped them and this run indexed them afresh
    assert result.added == 3 and result.deleted == 0 and result.renamed == 0
    assert_in_step(root)
    assert index_status().drift == 0
