"""Chroma as a server (`chroma run` started here), the CLI's JSON and watch mode."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from flows.local_server import free_port
from flows.rag import rag_sync
from tasks.changes import RagSyncSummary, index_status
from tasks.vectorstore import query_index
from tests.rag.conftest import assert_in_step, section, write

pytestmark = pytest.mark.usefixtures("prefect_api")


@pytest.fixture
def chroma_server(tmp_path: Path, rag_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "chroma run exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "chroma run not ready"
            time.sleep(0.3)
        monkeypatch.setenv("QAFLOW_CHROMA_HOST", "127.0.0.1")
        monkeypatch.setenv("QAFLOW_CHROMA_PORT", str(port))
        yield port
    finally:
        from tasks.vectorstore import close_clients

        close_clients()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


@pytest.mark.server
def test_sync_and_query_against_a_chroma_server(chroma_server: int, tmp_path: Path, rag_home: Path) -> None:
    root = tmp_path / "docs"
    write(root, "auth.md", "# Auth\n\n## Tokens\n\nAccess tokens expire after one hour.\n")
    write(root, "orders.md", "# Orders\n\n" + section("Create", "order", 4))
    write(root, "old.md", "# Old\n\nThis page is obsolete.\n")
    first = rag_sync(source_dir=str(root))
    assert first.added == 3 and first.store.startswith(f"http://127.0.0.1:{chroma_server}")
    (root / "old.md").unlink()
    write(root, "orders.md", "# Orders\n\n" + section("Create", "order", 2))
    (root / "auth.md").rename(root / "authentication.md")
    second = rag_sync(source_dir=str(root))
    assert (second.deleted, second.changed, second.renamed) == (1, 1, 1)
    assert_in_step(root)
    hits = query_index("when do access tokens expire", k=1)
    assert hits[0]["path"] == (root / "authentication.md").as_posix()
    # the data is in the server, not in a local folder
    client = httpx.get(f"http://127.0.0.1:{chroma_server}/api/v2/heartbeat")
    assert client.status_code == 200
    assert not (rag_home / "chroma").exists()


def test_cli_json_outputs(rag_home: Path, tmp_path: Path) -> None:
    from flows.cli import app

    root = tmp_path / "docs"
    write(root, "auth.md", "# Auth\n\n## Tokens\n\nAccess tokens expire after one hour.\n")
    runner = CliRunner()
    synced = runner.invoke(app, ["rag", "sync", str(root), "--json"])
    assert synced.exit_code == 0, synced.output
    counts = json.loads(synced.stdout.strip().splitlines()[-1])
    assert counts["added"] == 1 and counts["chunks_written"] == 1
    for key in ("added", "changed", "deleted", "renamed", "unchanged", "failed", "chunks_written",
                "chunks_deleted", "embed_seconds", "peak_rss_mib"):
        assert key in counts

    queried = runner.invoke(app, ["rag", "query", "when do tokens expire", "-k", "5", "--json"])
    assert queried.exit_code == 0, queried.output
    hits = json.loads(queried.stdout.strip().splitlines()[-1])
    assert len(hits) == 1 and set(hits[0]) == {"path", "heading", "text", "score", "vector_score", "lexical_score",
                                               "vector_rank", "lexical_rank", "chunk_id"}
    assert hits[0]["heading"] == "Auth > Tokens"
    # both rankings are shown: the chunk is the vector search's first and holds "tokens" and "expire"
    assert hits[0]["vector_rank"] == 1 and hits[0]["vector_score"] > 0.3
    assert hits[0]["lexical_rank"] == 1 and hits[0]["lexical_score"] > 0

    status = runner.invoke(app, ["rag", "status", "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout.strip().splitlines()[-1]) == {"files": 1, "chunks": 1, "drift": 0}

    # the counts are published as a Prefect table artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["rag-sync"])),
                                          sort=ArtifactSort.CREATED_DESC)  # this test's sync first
    assert artifacts and artifacts[0].type == "table"
    table = artifacts[0].data if isinstance(artifacts[0].data, list) else json.loads(artifacts[0].data)
    assert {row["figure"] for row in table} >= {"added", "chunks_written", "embed_seconds", "peak_rss_mib"}
    # ...and as a Markdown report for people (RagSyncSummary.markdown)
    with get_client(sync_client=True) as client:
        reports = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["rag-sync-report"])),
                                        sort=ArtifactSort.CREATED_DESC)
    assert reports and reports[0].type == "markdown"
    assert "- **files**: 1 added, 0 changed" in reports[0].data

    missing = runner.invoke(app, ["rag", "sync", str(tmp_path / "nope"), "--json"])
    assert missing.exit_code == 1 and "not a folder" in missing.output


def test_watch_syncs_after_changes_one_at_a_time(rag_home: Path, tmp_path: Path) -> None:
    """What `rag watch` runs: cli_sync (the flow, heartbeats off, memory released) per burst."""
    from flows.rag import cli_sync
    from tasks.changes import watch_folder

    root = tmp_path / "docs"
    write(root, "a.md", "# A\n\nalpha\n")
    runs: list[RagSyncSummary] = []
    active = threading.Semaphore(1)
    overlapped: list[bool] = []

    def run_sync() -> None:
        overlapped.append(not active.acquire(blocking=False))
        try:
            runs.append(cli_sync(root))
        finally:
            active.release()

    stop = threading.Event()
    result: list[int] = []
    watcher = threading.Thread(target=lambda: result.append(watch_folder(root, run_sync, 300, stop)))
    watcher.start()

    def wait_for(condition) -> None:
        deadline = time.monotonic() + 240
        while not condition():
            assert watcher.is_alive() and time.monotonic() < deadline
            time.sleep(0.2)

    wait_for(lambda: len(runs) >= 1)
    write(root, "b.md", "# B\n\nbeta\n")
    write(root, "c.md", "# C\n\ngamma\n")
    wait_for(lambda: sum(r.added for r in runs) == 3)
    (root / "a.md").unlink()
    wait_for(lambda: any(r.deleted for r in runs))
    stop.set()
    watcher.join(60)
    assert not watcher.is_alive() and result == [len(runs)]
    assert not any(overlapped)
    assert runs[0].added == 1 and 3 <= len(runs) <= 4
    assert index_status().model_dump() == {"files": 2, "chunks": 2, "drift": 0}
