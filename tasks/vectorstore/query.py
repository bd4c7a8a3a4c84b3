"""A read-only query (`qaflow rag query`, bdd's context), with nothing loaded that a query does not need.

No Prefect (no flow run, no API: see tasks/vectorstore/location.py for how
the store is found), no torch: the ONNX backend, one Chroma client, the
lexical index. The default model starts loading on the embedding thread
while Chroma opens; the collection then names the model it was built with.
"""

from __future__ import annotations

from typing import Any

__all__ = ["QUERY_MODES", "query_index", "query_store"]

QUERY_MODES = ("hybrid", "vector")


def query_index(
    text: str,
    k: int = 5,
    where: dict[str, Any] | None = None,
    store: str = "default",
    mode: str = "hybrid",
    embedding_backend: str | None = None,
    location: Any = None,
) -> list[dict[str, Any]]:
    """The `k` best chunks for `text`: path, heading, text, score, vector_score (cosine),
    lexical_score (BM25), their ranks, chunk_id.

    mode "hybrid" fuses the vector and the lexical (FTS5) ranking by reciprocal
    rank, and `score` is the fused score; "vector" is the vector search alone,
    and `score` the cosine. No flow run: a query is interactive, and a Prefect
    run would add seconds to each (nothing of it needs retries, an artifact or
    the concurrency limit). `location`: a StoreLocation found without Prefect
    (the CLI's fast path, tasks/vectorstore/location.py); else the VectorStore
    block `store` is resolved (which imports Prefect). Embeds with the model the
    collection records, on the process's embedding thread.
    """
    if location is None:
        from blocks.vectorstore import VectorStore

        location = VectorStore.resolve(store)
    return query_store(location, text, k=k, where=where, mode=mode, embedding_backend=embedding_backend)


def query_store(
    block: Any,
    text: str,
    k: int = 5,
    where: dict[str, Any] | None = None,
    mode: str = "hybrid",
    embedding_backend: str | None = None,
) -> list[dict[str, Any]]:
    """The `k` best chunks for `text` in `block`'s collection (a VectorStore block or a
    StoreLocation), as dicts (see Hit.as_dict); [] when there is no collection."""
    from tasks.embedding import backend_for_version, get_embedder, resolve_model
    from tasks.vectorstore.lexical import LexicalIndex, lexical_path
    from tasks.vectorstore.retrieve import hybrid_search
    from tasks.vectorstore.store import ChromaStore, close_clients

    if mode not in QUERY_MODES:
        raise ValueError(f"query mode {mode!r} is not one of {', '.join(QUERY_MODES)}")
    backend = embedding_backend or getattr(block, "embedding_backend", None)
    get_embedder(resolve_model().name, backend).submit([])  # loads while Chroma opens
    lexical = None
    try:
        chroma = ChromaStore.existing(block)
        if chroma is None:
            return []
        # the collection records which vectors it holds (float or int8): embed the query alike
        recorded = (chroma.collection.metadata or {}).get("qaflow_model_version")
        backend = backend_for_version(chroma.model, recorded, backend)
        vector = get_embedder(chroma.model.name, backend).encode([text])[0]
        path = lexical_path(block)
        if mode == "hybrid" and path.exists():
            lexical = LexicalIndex(path)
        return [hit.as_dict() for hit in hybrid_search(chroma, lexical, vector, text, k=k, where=where)]
    finally:
        if lexical is not None:
            lexical.close()
        close_clients(keep_http=True)
