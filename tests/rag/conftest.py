"""Shared set-up of the rag flow tests: the model loaded once per session, a
fresh store per test, and a check that store, manifest and files agree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blocks.vectorstore import VectorStore

# one ONNX export for the whole session, shared by the CLI subprocesses of every test
# (each test has its own QAFLOW_HOME; the export takes seconds)
os.environ.setdefault("QAFLOW_MODEL_CACHE", str(Path(os.environ["QAFLOW_HOME"]) / "models" / "onnx"))


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real model, loaded once for the whole session (~6 s)."""
    from tasks.embedding import get_embedder

    model = get_embedder()
    model.load()
    return model


@pytest.fixture
def rag_home(qaflow_home: Path, monkeypatch: pytest.MonkeyPatch, embedder: Any) -> Iterator[Path]:
    """A fresh QAFLOW_HOME with an embedded store; Chroma clients closed afterwards."""
    for name in ("QAFLOW_CHROMA_HOST", "QAFLOW_CHROMA_PORT", "QAFLOW_CHROMA_PATH", "QAFLOW_RAG_CRASH_AT"):
        monkeypatch.delenv(name, raising=False)
    yield qaflow_home
    from tasks.vectorstore import close_clients

    close_clients()


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def section(title: str, topic: str, sentences: int = 6) -> str:
    body = " ".join(f"The {topic} rule number {i} applies to every {topic} request." for i in range(sentences))
    return f"## {title}\n\n{body}\n\n"


def expected_index(root: Path, chunk_tokens: int | None = None, overlap: int | None = None) -> dict[str, list[str]]:
    """What the store must hold: chunk ids per readable file, computed afresh from the files."""
    from tasks.chunking import chunk_document, default_config, token_counter
    from tasks.documents import DocumentError, extract, supported, walk
    from tasks.embedding import resolve_model

    info = resolve_model()
    counter = token_counter(str(info.path))
    config = default_config(info.max_seq_length, counter.special_tokens, chunk_tokens, overlap)
    files, _ = walk(root)
    expected = {}
    for file in files:
        if not supported(file):
            continue
        try:
            document = extract(file)
        except DocumentError:
            continue
        path = Path(os.path.abspath(file)).as_posix()
        expected[path] = [c.id for c in chunk_document(document, path, config, counter)]
    return expected


def assert_in_step(root: Path, chunk_tokens: int | None = None, overlap: int | None = None) -> dict[str, Any]:
    """Store == manifest == the files: no missing, duplicate or stale chunk."""
    from tasks.changes.index import manifest_path, measure_drift
    from tasks.changes.manifest import Manifest
    from tasks.vectorstore import ChromaStore, close_clients

    block = VectorStore.resolve(None)
    manifest = Manifest(manifest_path(block))
    try:
        store = ChromaStore.existing(block)
        assert store is not None
        drift = measure_drift(manifest, store)
        assert drift["in_sync"], drift
        stored = store.ids_by_path()
        recorded = {row.path: row.chunk_ids for row in manifest.records()}
        expected = expected_index(root, chunk_tokens, overlap)
        assert {p: sorted(ids) for p, ids in stored.items()} == {p: sorted(ids) for p, ids in expected.items() if ids}
        assert {p: ids for p, ids in recorded.items()} == expected
        assert store.count() == sum(len(ids) for ids in expected.values())
        # the lexical index serves exactly the store's chunks
        from tasks.vectorstore.lexical import LexicalIndex, lexical_path

        lexical = LexicalIndex(lexical_path(block))
        try:
            assert lexical.ids() == {c for ids in expected.values() for c in ids}
        finally:
            lexical.close()
        return drift
    finally:
        manifest.close()
        close_clients()


def plain_sync(root: Path) -> int:
    """The flow's steps without Prefect (a quick way to set up or repair an index in a
    test); returns how many paths the repair step fixed."""
    from tasks.changes import batches
    from tasks.changes.index import RagIndex
    from tasks.vectorstore import close_clients

    index = RagIndex(VectorStore.resolve(None))
    try:
        repaired = index.repair()
        plan = index.detect(root)
        index.touch(plan.touched)
        index.delete(plan.deleted)
        index.rename(plan.renamed, plan.root)
        for group in batches(plan.to_index, 32, 200_000):
            index.index(group, plan.root)
    finally:
        index.close()
        close_clients()
    return repaired
