"""A sub-folder that becomes unlistable deleted its files' chunks
(an unreadable file keeps them). Root lists any folder, so the sync runs for real as
another user: `qaflow rag sync` under `setpriv --reuid=nobody`, on a folder whose
sub-folder that user cannot list (run as any other user, the child is simply that user)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.documents.bombs import run_measured
from tests.rag.conftest import assert_in_step, embedder, plain_sync, section, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
SETPRIV = shutil.which("setpriv")


def _chown_tree(path: Path, uid: int) -> None:
    os.chown(path, uid, uid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


@pytest.fixture
def shared_base(monkeypatch: pytest.MonkeyPatch, embedder) -> Iterator[Path]:  # noqa: F811
    """A folder both root and `nobody` can reach (pytest's tmp_path is root-only)."""
    base = Path(tempfile.mkdtemp(prefix="qaflow-unlistable-", dir="/tmp"))
    base.chmod(0o755)
    for name in ("QAFLOW_CHROMA_HOST", "QAFLOW_CHROMA_PORT", "QAFLOW_CHROMA_PATH", "QAFLOW_RAG_CRASH_AT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QAFLOW_HOME", str(base / "home"))
    try:
        yield base
    finally:
        from tasks.vectorstore import close_clients

        close_clients()
        for folder, dirs, _ in os.walk(base):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o755)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() == 0 and SETPRIV is None, reason="root needs setpriv to run a sync as nobody")
def test_a_folder_that_cannot_be_listed_keeps_its_chunks_and_is_reported(shared_base: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    from blocks.vectorstore import VectorStore
    from tasks.changes.index import manifest_path
    from tasks.changes.manifest import Manifest

    root = shared_base / "docs"
    write(root, "guide.md", "# Guide\n\n" + section("Orders", "order", 4))
    write(root, "team/alpha.md", "# Alpha\n\n" + section("Tokens", "token", 4))
    write(root, "team/beta.md", "# Beta\n\nRefunds take five days.\n")
    plain_sync(root)  # indexed by root: three files
    team = [(root / "team" / name).as_posix() for name in ("alpha.md", "beta.md")]

    write(root, "new.md", "# New\n\nParcels leave the warehouse daily.\n")  # the rest still goes through
    (shared_base / "prefect").mkdir()
    cache = os.environ.get("QAFLOW_MODEL_CACHE")  # the session's exported model, root-only: a copy
    if cache and Path(cache).is_dir():
        shutil.copytree(cache, shared_base / "model-cache")
    (shared_base / "user").mkdir()
    as_root = os.geteuid() == 0
    if as_root:
        _chown_tree(shared_base, NOBODY)
        for path in (root, root / "team"):
            os.chown(path, 0, 0)
    (root / "team").chmod(0o000)  # the child's user cannot list it (nor enter it)
    prefix = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"] if as_root else []
    env = dict(
        os.environ,
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        PREFECT_HOME=str(shared_base / "prefect"),
        HOME=str(shared_base / "user"),
        QAFLOW_HOME=str(shared_base / "home"),
        QAFLOW_MODEL_CACHE=str(shared_base / "model-cache"),
        QAFLOW_RAG_PREFECT_LIMIT="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    status, out, err, _ = run_measured(
        [*prefix, sys.executable, "-m", "flows.cli", "rag", "sync", str(root), "--json"],
        env=env, cwd=ROOT, timeout=500,
    )
    assert status == 0, err[-3000:]
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["deleted"] == 0 and counts["chunks_deleted"] == 0, counts
    assert counts["added"] == 1 and counts["unchanged"] == 1, counts
    failures = {p["path"]: p["reason"] for p in counts["failures"]}
    assert failures == {
        (root / "team").as_posix(): "cannot list folder: Permission denied; 2 indexed file(s) under it kept"
    }

    (root / "team").chmod(0o755)
    manifest = Manifest(manifest_path(VectorStore.resolve(None)))
    try:
        rows = {row.path: row for row in manifest.records()}
    finally:
        manifest.close()
    assert set(team) <= set(rows) and all(rows[path].chunk_ids for path in team)
    assert_in_step(root)  # the store still serves the team's chunks, nothing stale or missing
