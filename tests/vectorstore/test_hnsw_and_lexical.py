"""HNSW search width of new and older collections, and the FTS5 lexical index."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.vectorstore import VectorStore
from tasks.embedding import resolve_model
from tasks.vectorstore import ChromaStore, LexicalIndex, client_for, close_clients
from tasks.vectorstore.embedding_function import QaflowEmbeddingFunction
from tasks.vectorstore.lexical import match_expression
from tasks.vectorstore.location import StoreLocation, query_location
from tasks.vectorstore.store import HNSW


@pytest.fixture
def block(tmp_path: Path) -> VectorStore:
    yield VectorStore(path=str(tmp_path / "chroma"), collection="hnsw-test")
    close_clients()


def test_new_collections_search_wide(block: VectorStore) -> None:
    store = ChromaStore(block, resolve_model())
    hnsw = store.collection.configuration["hnsw"]
    assert hnsw["ef_search"] == HNSW["ef_search"] >= 200 and hnsw["max_neighbors"] == 32


def test_an_older_collection_gets_the_wider_search(block: VectorStore) -> None:
    info = resolve_model()
    client_for(block).create_collection(
        block.collection, embedding_function=QaflowEmbeddingFunction(info.name),
        metadata={"qaflow_model": info.name, "qaflow_model_version": info.version},
        configuration={"hnsw": {"space": "cosine"}},
    )
    assert ChromaStore(block, info).collection.configuration["hnsw"]["ef_search"] == HNSW["ef_search"]
    close_clients()
    reopened = client_for(block).get_collection(block.collection)
    assert reopened.configuration["hnsw"]["ef_search"] == HNSW["ef_search"]


def test_match_expression_quotes_every_word() -> None:
    assert match_expression('Error "QXF-4711" OR (drop) * NEAR') == '"error" OR "qxf" OR "4711" OR "drop" OR "near"'
    assert match_expression("?! ...") is None
    assert match_expression("토큰 만료") == '"토큰" OR "만료"'


def test_lexical_index_ranks_rare_words_and_replaces_by_path(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical.sqlite")
    try:
        index.replace([], [
            ("a1", "/d/a.md", "Errors", "The gateway answers QXF-4711 when the upstream times out."),
            ("a2", "/d/a.md", "Errors", "The gateway answers 500 when it fails."),
            ("b1", "/d/b.md", "Gateway", "The gateway gateway gateway routes requests."),
        ])
        assert [cid for cid, _ in index.search("QXF-4711 gateway")][:1] == ["a1"]
        assert index.search("gateway", paths=["/d/b.md"])[0][0] == "b1"
        assert index.search("gateway", paths=[]) == []
        assert index.search('"); DROP TABLE chunks; --') == []
        # a heading word counts: "Errors" is only a heading
        assert {cid for cid, _ in index.search("errors")} == {"a1", "a2"}
        index.replace(["/d/a.md"], [("a3", "/d/a.md", "Errors", "Rewritten page.")])
        assert index.ids() == {"a3", "b1"} and index.count() == 2
        index.delete_paths(["/d/b.md"])
        assert index.ids() == {"a3"}
    finally:
        index.close()


def test_query_location_without_prefect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("QAFLOW_CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.delenv("PREFECT_API_DATABASE_CONNECTION_URL", raising=False)
    # no database yet: nothing saved, the environment decides
    location = query_location("default", None)
    assert isinstance(location, StoreLocation) and location.local_path() == (tmp_path / "chroma").resolve()
    assert query_location("", None).collection == "qaflow-docs"
    # another database than Prefect's default SQLite file: ask Prefect
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://x/y")
    assert query_location("default", None) is None
