"""The rag sync's Prefect tasks as plain functions (`task.fn`), on a real embedded Chroma
and the real model: what each step does to the index, the progress it reports, and the
read-only views (status, the retriever bdd is handed). store="" is the unsaved default
block, so no Prefect API is needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blocks.vectorstore import VectorStore
from tasks.changes import PROGRESS, IndexStatus, context_retriever, index_status, steps
from tasks.changes.registry import close_index, get_index, open_index
from tasks.progress import ProgressEvent
from tests.rag.conftest import assert_in_step, embedder, rag_home, section, write  # noqa: F401


def test_each_step_as_a_plain_function(rag_home: Path, tmp_path: Path, embedder) -> None:  # noqa: F811
    root = tmp_path / "docs"
    write(root, "tokens.md", "# Tokens\n\n" + section("Expiry", "token", 4))
    write(root, "orders.md", "# Orders\n\nOrders ship from the warehouse every morning.\n")
    assert context_retriever("") is None  # an empty index: no context to hand out
    events: list[ProgressEvent] = []
    block = VectorStore.resolve("")
    with PROGRESS.listening(events.append):
        key = open_index(block, None, None, None)
        try:
            assert steps.repair_index.fn(key) == 0
            plan = steps.detect_changes.fn(key, str(root))
            assert sorted(Path(s.path).name for s in plan.added) == ["orders.md", "tokens.md"]
            indexed = steps.index_files.fn(key, plan.to_index, plan.root)
            assert indexed.chunks_written >= 2 and indexed.embedded + indexed.reused == indexed.chunks_written

            os.utime(root / "orders.md", ns=(10**18, 10**18))
            (root / "tokens.md").rename(root / "auth.md")
            plan = steps.detect_changes.fn(key, str(root))
            assert [Path(s.path).name for s in plan.touched] == ["orders.md"]
            assert steps.record_touched.fn(key, plan.touched) == 1
            renamed = steps.rename_files.fn(key, plan.renamed, plan.root)
            assert renamed.embedded == 0 and renamed.reused == renamed.chunks_written > 0

            (root / "orders.md").unlink()
            plan = steps.detect_changes.fn(key, str(root))
            deleted = steps.delete_files.fn(key, plan.deleted)
            assert deleted.chunks_deleted == 1
        finally:
            close_index(key)
    with pytest.raises(KeyError):
        get_index(key)  # closed and forgotten
    assert [(e.stage, e.advance) for e in events] == [("indexed", 2), ("renamed", 1), ("deleted", 1)]
    assert [e.info["chunks"] for e in events] == [indexed.chunks_written, 0, 1]
    assert_in_step(root)

    status = index_status("")
    assert status == IndexStatus(files=1, chunks=indexed.chunks_written - 1, drift=0)
    assert status.console_line() == f"files 1  chunks {status.chunks}  drift 0"
    assert IndexStatus(files=1, chunks=2, drift=3).console_line().endswith("(run `qaflow rag sync DIR` to repair)")
    retrieve = context_retriever("")
    assert retrieve is not None
    texts = retrieve("when does a token expire", 2)
    assert texts and all("token" in text for text in texts)
