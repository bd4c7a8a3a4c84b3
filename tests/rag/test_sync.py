"""rag_sync under a real Prefect API, real Chroma and the real model: every kind of change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.rag import rag_sync
from tasks.changes import index_status
from tasks.vectorstore import query_index
from tests.rag.conftest import assert_in_step, section, write

pytestmark = pytest.mark.usefixtures("prefect_api")


def _corpus(root: Path) -> None:
    write(root, "auth.md", "# Authentication\n\n" + section("Tokens", "token", 30) + section("Refresh", "refresh", 8))
    write(root, "orders.md", "# Orders\n\n" + section("Create", "order") + section("Cancel", "cancellation"))
    write(root, "notes.txt", "Plain notes about shipping.\n\nParcels leave the warehouse daily.\n")
    write(root, "empty.md", "")
    (root / "latin1.txt").write_bytes("Caf\xe9 r\xe9sum\xe9 about invoices.\n".encode("latin-1") + b"\xff\xfe\xfa ok\n")
    (root / "blob.md").write_bytes(b"\x00\x01\x02\x03 binary pretending to be Markdown")
    (root / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "broken.docx").write_bytes(b"this is not a zip archive")


def test_add_change_shrink_delete_rename_touch_and_config(rag_home: Path, tmp_path: Path, embedder) -> None:
    root = tmp_path / "docs"
    _corpus(root)

    first = rag_sync(source_dir=str(root))
    assert first.added == 5  # auth, orders, notes, empty, latin1
    assert first.failed == 1 and first.failures[0].path.endswith("broken.docx")
    skipped = {Path(p.path).name: p.reason for p in first.skips}
    assert "picture.png" in skipped and "blob.md" in skipped
    # identical chunk texts are embedded once: embedded + reused covers every chunk
    assert first.chunks_written == first.embedded + first.reused and first.embedded > 5
    assert first.chunks_kept == first.chunks_deleted == 0
    assert first.peak_rss_mib > 0 and first.embed_seconds > 0
    assert_in_step(root)

    # nothing changed: nothing embedded, nothing written
    encoded = embedder.encoded
    again = rag_sync(source_dir=str(root))
    assert (again.added, again.changed, again.embedded, again.chunks_written) == (0, 0, 0, 0)
    assert again.unchanged == 5 and embedder.encoded == encoded

    # touch without change: a new mtime, still nothing embedded
    os.utime(root / "orders.md", ns=(10**18, 10**18))
    touched = rag_sync(source_dir=str(root))
    assert touched.embedded == 0 and touched.changed == 0 and touched.unchanged == 5
    assert rag_sync(source_dir=str(root)).unchanged == 5  # the new mtime was recorded

    # change one section of one file: only that file is re-embedded
    text = (root / "orders.md").read_text().replace("cancellation rule number 2", "cancellation rule number TWO")
    write(root, "orders.md", text)
    changed = rag_sync(source_dir=str(root))
    assert changed.changed == 1 and changed.added == 0
    assert 0 < changed.embedded <= 3
    assert_in_step(root)

    # shrink a file: its tail chunks go (no stale tail, unlike unstructured's uploader)
    before = index_status().chunks
    write(root, "auth.md", "# Authentication\n\n" + section("Tokens", "token", 3))
    shrunk = rag_sync(source_dir=str(root))
    assert shrunk.changed == 1 and shrunk.chunks_deleted >= 2
    assert index_status().chunks < before
    assert_in_step(root)

    # delete a file: its chunks go (LangChain's incremental mode keeps them)
    (root / "notes.txt").unlink()
    deleted = rag_sync(source_dir=str(root))
    assert deleted.deleted == 1 and deleted.chunks_deleted >= 1 and deleted.embedded == 0
    assert_in_step(root)

    # rename: re-keyed, not re-embedded; a new file at the old path later does not collide
    (root / "sub").mkdir()
    (root / "orders.md").rename(root / "sub" / "orders-v2.md")
    renamed = rag_sync(source_dir=str(root))
    assert renamed.renamed == 1 and renamed.embedded == 0 and renamed.added == 0
    assert_in_step(root)
    write(root, "orders.md", (root / "sub" / "orders-v2.md").read_text())
    copied = rag_sync(source_dir=str(root))
    # a copy's chunks have the texts of chunks already stored: their vectors are reused
    assert copied.added == 1 and copied.embedded == 0 and copied.reused == copied.chunks_written > 0
    assert_in_step(root)

    # the unreadable file is still reported every time, the others unaffected
    assert copied.failed == 1

    # config change re-indexes everything
    config = rag_sync(source_dir=str(root), chunk_tokens=48, overlap=6)
    assert config.changed == 5 and config.unchanged == 0 and config.embedded > copied.embedded
    assert_in_step(root, chunk_tokens=48, overlap=6)
    status = index_status()
    assert status.model_dump() == {"files": 5, "chunks": status.chunks, "drift": 0}


def test_query_returns_nearest_chunks_with_heading_and_score(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root, "auth.md", "# Authentication\n\n## Token lifetime\n\nAn access token expires after 60 minutes. "
          "Use the refresh token to get a new one.\n\n## Scopes\n\nScopes limit what a client may call.\n")
    write(root, "shipping.md", "# Shipping\n\nParcels leave the warehouse every weekday at noon.\n")
    rag_sync(source_dir=str(root))
    hits = query_index("how long is an access token valid?", k=3)
    keys = {"path", "heading", "text", "score", "vector_score", "lexical_score", "vector_rank", "lexical_rank",
            "chunk_id"}
    assert [set(h) for h in hits] == [keys] * 3
    assert hits[0]["path"] == (root / "auth.md").as_posix()
    assert hits[0]["heading"] == "Authentication > Token lifetime"
    assert "expires after 60 minutes" in hits[0]["text"]
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]
    only = query_index("warehouse", k=5, where={"relpath": "shipping.md"})
    assert [h["path"] for h in only] == [(root / "shipping.md").as_posix()]


def test_empty_store_queries_and_status(rag_home: Path) -> None:
    assert query_index("anything") == []
    assert index_status().model_dump() == {"files": 0, "chunks": 0, "drift": 0}


def test_a_file_that_turns_binary_loses_its_chunks(rag_home: Path, tmp_path: Path) -> None:
    from tests.rag.conftest import plain_sync

    root = tmp_path / "docs"
    write(root, "a.md", "# A\n\nalpha text.\n")
    write(root, "b.md", "# B\n\nbeta text.\n")
    plain_sync(root)
    assert index_status().model_dump() == {"files": 2, "chunks": 2, "drift": 0}
    (root / "b.md").write_bytes(b"\x00\x01 now binary")
    plain_sync(root)
    assert index_status().model_dump() == {"files": 1, "chunks": 1, "drift": 0}
    assert_in_step(root)
