"""Which vectors a store holds: float (torch, onnx-float) and int8 (onnx) never mix.

The int8 graph's vectors differ slightly from torch's, so they carry their own
model version: a store built with float vectors is re-embedded when the sync
switches to int8 (and back), and a query embeds with the store's kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tasks.embedding import (
    backend_for_version,
    get_embedder,
    resolve_model,
    vectors_model,
    vectors_version,
)


def test_float_backends_share_a_version_and_int8_has_its_own() -> None:
    info = resolve_model()
    assert vectors_version(info, "torch") == vectors_version(info, "onnx-float") == info.version
    int8 = vectors_version(info, "onnx")
    assert int8 != info.version and int8.startswith(info.version + "-int8")
    assert vectors_version(info) == int8  # onnx (int8) is the default
    assert vectors_model(info, "onnx").version == int8 and vectors_model(info, "onnx").path == info.path


def test_a_query_embeds_like_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QAFLOW_EMBEDDING_BACKEND", raising=False)
    info = resolve_model()
    assert backend_for_version(info, vectors_version(info, "onnx")) == "onnx"
    assert backend_for_version(info, info.version) == "onnx-float"  # a float store: not int8
    assert backend_for_version(info, None) == "onnx"  # a store from before versions: the default
    assert backend_for_version(info, info.version, "torch") == "torch"  # asked for: as asked
    monkeypatch.setenv("QAFLOW_EMBEDDING_BACKEND", "torch")
    assert backend_for_version(info, info.version) == "torch"


def test_int8_vectors_do_not_depend_on_the_batch() -> None:
    """One text per run: a chunk's int8 vector is the same alone or among others (reuse by
    content hash depends on it; dynamic quantization would couple texts in one tensor)."""
    embedder = get_embedder(backend="onnx")
    texts = ["short", "A longer text about tokens that expire after one hour. " * 8, "", "Ünïcödé 🙂"]
    together = embedder.encode(texts + [f"filler {i} " * (i + 1) for i in range(20)])[: len(texts)]
    alone = np.vstack([embedder.encode([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-6)


def _sync(source: Path, backend: str) -> Any:
    """One sync of `source` by the plain functions (no flow run) with `backend`."""
    from blocks.vectorstore import VectorStore
    from tasks.changes.index import RagIndex

    block = VectorStore(path=str(source.parent / "chroma"), collection="identity-test")
    index = RagIndex(block, backend=backend)
    try:
        plan = index.detect(source)
        result = index.index(plan.to_index, root=plan.root) if plan.to_index else None
        meta = index.store.collection.metadata or {}
        count = index.store.count()
        vectors = index.store.collection.get(include=["embeddings"])["embeddings"]
        return plan, result, meta, count, np.asarray(vectors)
    finally:
        index.close()


def test_switching_float_and_int8_re_embeds_the_store(
    qaflow_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tasks.vectorstore import close_clients

    for name in ("QAFLOW_CHROMA_HOST", "QAFLOW_CHROMA_PORT", "QAFLOW_CHROMA_PATH", "QAFLOW_EMBEDDING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    source = tmp_path / "docs"
    source.mkdir()
    for number in range(3):
        (source / f"page-{number}.md").write_text(
            f"# Page {number}\n\nThe refund rule {number} applies to every order of type {number}.\n",
            encoding="utf-8",
        )
    info = resolve_model()
    try:
        plan, result, meta, count, float_vectors = _sync(source, "onnx-float")
        assert len(plan.added) == 3 and result.embedded == count == 3
        assert meta["qaflow_model_version"] == info.version

        # the same files, now the int8 default: nothing reused, every chunk embedded again
        plan, result, meta, count, int8_vectors = _sync(source, "onnx")
        assert len(plan.to_index) == 3 and result.embedded == 3 and result.reused == 0
        assert meta["qaflow_model_version"] == vectors_version(info, "onnx") and count == 3
        assert not np.allclose(np.sort(float_vectors, axis=0), np.sort(int8_vectors, axis=0), atol=1e-4)

        # int8 again: nothing to do; torch (float, like onnx-float): re-embedded once more
        plan, result, _, count, _ = _sync(source, "onnx")
        assert plan.to_index == [] and count == 3
        plan, result, meta, count, _ = _sync(source, "torch")
        assert len(plan.to_index) == 3 and result.embedded == 3 and meta["qaflow_model_version"] == info.version
    finally:
        close_clients()
