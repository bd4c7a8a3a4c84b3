"""Chroma for the rag index: one client per process, one collection per store.

The client is opened lazily and closed by `close_clients()` at the end of a
flow: a PersistentClient that is never closed keeps its `System` (HNSW
indexes, SQLite handles, threads) in Chroma's process-wide cache for good
(chroma #5843). Every write goes out in slices of at most the client's
`get_max_batch_size()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.embedding import ModelInfo
from tasks.settings import state_dir
from tasks.vectorstore.embedding_function import QaflowEmbeddingFunction

if TYPE_CHECKING:  # the block class imports Prefect; a query does not need it
    import numpy as np
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from blocks.vectorstore import VectorStore

log = logging.getLogger(__name__)

PAGE = 5000  # ids per page when reading the whole collection
HASH_SLICE = 500  # content hashes per `$in` lookup

# HNSW settings of new collections. Chroma's defaults (ef_search 100, M 16) missed an
# obvious best match on a 1,300-chunk corpus; a wider search costs ~ms here.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}

_clients: dict[str, ClientAPI] = {}
_clients_lock = threading.Lock()


def location_key(block: VectorStore) -> str:
    """Where a store lives, without the collection and without secrets."""
    if block.mode == "server":
        return f"http{'s' if block.ssl else ''}://{block.host}:{block.port}"
    return str(block.local_path())


def client_for(block: VectorStore) -> ClientAPI:
    """The process's client for the block's location, opened on first use."""
    key = location_key(block)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            if block.mode == "server":
                if not block.host:
                    raise ValueError("VectorStore block in server mode needs a host")
                headers = {name: value.get_secret_value() for name, value in block.headers.items()}
                client = chromadb.HttpClient(
                    host=block.host, port=block.port, ssl=block.ssl, headers=headers, settings=settings
                )
            else:
                client = chromadb.PersistentClient(path=str(block.local_path()), settings=settings)
            _clients[key] = client
            log.debug("opened Chroma client for %s", key)
        return client


def close_clients(keep_http: bool = False) -> int:
    """Close the clients this process opened (end of a flow); returns how many.

    keep_http: leave HTTP clients (Chroma server) open for the next flow run of
    this process. Unlike a PersistentClient they hold no index memory, while
    building one per run (a System, an httpx pool, an SSL context) costs ~1 MB
    that is not all given back: the soak grew ~1 MB per sync that way.
    """
    with _clients_lock:
        keys = [k for k in _clients if not (keep_http and k.startswith("http"))]
        clients = [_clients.pop(k) for k in keys]
    for client in clients:
        close = getattr(client, "close", None)
        if close is not None:
            close()
        # chromadb's HTTP client never closes its httpx session on close(): its pooled
        # sockets would linger until garbage collection, one pool per sync
        session = getattr(getattr(client, "_server", None), "_session", None)
        if session is not None and hasattr(session, "close"):
            session.close()
    return len(clients)


def open_client_count() -> int:
    with _clients_lock:
        return len(_clients)


def state_folder(block: VectorStore) -> Path:
    """Where the manifest and the lock file of the block's collections live: next to the store."""
    if block.mode == "server":
        return state_dir("rag", f"{block.host}-{block.port}")
    store = block.local_path()
    folder = store.parent / f"{store.name}-manifests"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(slots=True)
class Hit:
    """One retrieved chunk. `score` is what ranks it: the fused score of a hybrid
    query, the cosine similarity of a vector-only one; `vector_score` (cosine) and
    `lexical_score` (BM25, None when its words did not match) say why."""

    chunk_id: str
    path: str
    heading: str
    text: str
    score: float
    metadata: dict[str, Any]
    vector_score: float | None = None
    lexical_score: float | None = None
    vector_rank: int | None = None
    lexical_rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "heading": self.heading,
            "text": self.text,
            "score": round(self.score, 6),
            "vector_score": None if self.vector_score is None else round(self.vector_score, 6),
            "lexical_score": None if self.lexical_score is None else round(self.lexical_score, 6),
            "vector_rank": self.vector_rank,
            "lexical_rank": self.lexical_rank,
            "chunk_id": self.chunk_id,
        }


def _slices(count: int, size: int) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


class ChromaStore:
    """One collection, written only through slices of at most the client's batch size."""

    def __init__(self, block: VectorStore, model: ModelInfo) -> None:
        self.block = block
        self.model = model
        self._collection: Collection | None = None
        self._max_batch: int | None = None

    @property
    def client(self) -> ClientAPI:
        return client_for(self.block)

    @property
    def max_batch(self) -> int:
        if self._max_batch is None:
            self._max_batch = int(self.client.get_max_batch_size())
        return self._max_batch

    def _metadata(self) -> dict[str, Any]:
        return {"qaflow_model": self.model.name, "qaflow_model_version": self.model.version}

    @property
    def collection(self) -> Collection:
        """The collection, created with our embedding function (never Chroma's default).

        A collection built with another model cannot hold this model's vectors
        (the dimension may differ): it is dropped and made anew; the manifest
        re-indexes every file in that case anyway.
        """
        if self._collection is None:
            name = self.block.collection
            function = QaflowEmbeddingFunction(self.model.name)
            existing = {c.name if hasattr(c, "name") else str(c) for c in self.client.list_collections()}
            if name in existing:
                collection = self.client.get_collection(name, embedding_function=function)
                meta = collection.metadata or {}
                if (meta.get("qaflow_model"), meta.get("qaflow_model_version")) != (
                    self.model.name,
                    self.model.version,
                ):
                    log.warning(
                        "collection %s was built with model %s; recreating it for %s",
                        name,
                        meta.get("qaflow_model"),
                        self.model.name,
                    )
                    self.client.delete_collection(name)
                    collection = None
            else:
                collection = None
            if collection is None:
                collection = self.client.get_or_create_collection(
                    name,
                    embedding_function=function,
                    metadata=self._metadata(),
                    configuration={"hnsw": dict(HNSW)},
                )
            else:
                widen_search(collection)
            self._collection = collection
        return self._collection

    @classmethod
    def existing(cls, block: VectorStore) -> ChromaStore | None:
        """The store as it is, for reading (status, query): never created, never dropped.

        Its model is the one the collection records, so a query embeds with the
        model the chunks were embedded with.
        """
        from tasks.embedding import resolve_model

        client = client_for(block)
        names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if block.collection not in names:
            return None
        collection = client.get_collection(block.collection)
        meta = collection.metadata or {}
        store = cls(block, resolve_model(meta.get("qaflow_model")))
        store._collection = collection
        return store

    def forget(self) -> None:
        """Drop the collection handle (the client stays with the process)."""
        self._collection = None

    # -- writes -----------------------------------------------------------------
    def upsert(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray | Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> int:
        for part in _slices(len(ids), self.max_batch):
            self.collection.upsert(
                ids=list(ids[part]),
                embeddings=embeddings[part],
                documents=list(documents[part]),
                metadatas=list(metadatas[part]),
            )
        return len(ids)

    def delete(self, ids: Sequence[str]) -> int:
        for part in _slices(len(ids), self.max_batch):
            self.collection.delete(ids=list(ids[part]))
        return len(ids)

    def delete_paths(self, paths: Sequence[str]) -> None:
        """Delete every chunk whose `path` metadata is one of `paths` (crash repair)."""
        for part in _slices(len(paths), 100):
            chunk = list(paths[part])
            where = {"path": chunk[0]} if len(chunk) == 1 else {"path": {"$in": chunk}}
            self.collection.delete(where=where)

    def vectors_by_hash(self, hashes: Sequence[str]) -> dict[str, Any]:
        """content_hash -> stored vector, for the hashes the collection already holds.

        A chunk whose embedded text, chunker settings and model did not change has
        the same hash, so its vector is reused instead of computed again.
        """
        found: dict[str, Any] = {}
        wanted = sorted(set(hashes))
        for part in _slices(len(wanted), HASH_SLICE):
            chunk = wanted[part]
            where = {"content_hash": chunk[0]} if len(chunk) == 1 else {"content_hash": {"$in": chunk}}
            got = self.collection.get(where=where, include=["embeddings", "metadatas"])
            for meta, vector in zip(got["metadatas"] or [], got["embeddings"] if got["embeddings"] is not None else [],
                                    strict=False):
                key = (meta or {}).get("content_hash")
                if key and key not in found:
                    found[str(key)] = vector
        return found

    def documents(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, document, metadata) of every chunk, paged (rebuilding the lexical index)."""
        offset = 0
        while True:
            page = self.collection.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            for chunk_id, text, meta in zip(page["ids"], page["documents"] or [], page["metadatas"] or [], strict=False):
                yield chunk_id, text or "", dict(meta or {})
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def records(self, ids: Sequence[str], embeddings: bool = True) -> dict[str, Any]:
        """ids, documents, metadatas (and embeddings) of `ids`, in the order asked."""
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        out: dict[str, list[Any]] = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        for part in _slices(len(ids), self.max_batch):
            got = self.collection.get(ids=list(ids[part]), include=include)
            out["ids"].extend(got["ids"])
            out["documents"].extend(got["documents"] or [])
            out["metadatas"].extend(got["metadatas"] or [])
            if embeddings:
                out["embeddings"].extend(list(got["embeddings"]))
        return out

    # -- reads ------------------------------------------------------------------
    def count(self) -> int:
        return int(self.collection.count())

    def ids_by_path(self) -> dict[str, set[str]]:
        """Every chunk id in the collection, grouped by its `path` metadata (paged)."""
        by_path: dict[str, set[str]] = {}
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas"], limit=PAGE, offset=offset)
            for chunk_id, meta in zip(page["ids"], page["metadatas"] or [], strict=False):
                by_path.setdefault(str((meta or {}).get("path", "")), set()).add(chunk_id)
            if len(page["ids"]) < PAGE:
                return by_path
            offset += PAGE

    def query(self, embedding: Sequence[float], k: int = 5, where: dict[str, Any] | None = None) -> list[Hit]:
        """The `k` nearest chunks by cosine (HNSW), best first."""
        import numpy as np

        found = self.collection.query(
            query_embeddings=np.asarray([embedding], dtype=np.float32),
            n_results=k,
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for rank, (chunk_id, text, meta, distance) in enumerate(zip(
            found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0], strict=True
        ), 1):
            meta = dict(meta or {})
            hits.append(
                Hit(
                    chunk_id=chunk_id,
                    path=str(meta.get("path", "")),
                    heading=str(meta.get("heading", "")),
                    text=text or "",
                    score=1.0 - float(distance),
                    metadata=meta,
                    vector_score=1.0 - float(distance),
                    vector_rank=rank,
                )
            )
        return hits

    def hits_for(self, ids: Sequence[str], embedding: Sequence[float], where: dict[str, Any] | None = None) -> list[Hit]:
        """Hits for chunks found another way (the lexical index), with their cosine to
        `embedding`; those `where` excludes are left out."""
        import numpy as np

        if not ids:
            return []
        got = self.collection.get(ids=list(ids), where=where or None, include=["documents", "metadatas", "embeddings"])
        query = np.asarray(embedding, dtype=np.float32)
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        hits = []
        for chunk_id, text, meta, vector in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], vectors,
                                                strict=False):
            meta = dict(meta or {})
            cosine = float(np.asarray(vector, dtype=np.float32) @ query)
            hits.append(Hit(chunk_id=chunk_id, path=str(meta.get("path", "")), heading=str(meta.get("heading", "")),
                            text=text or "", score=cosine, metadata=meta, vector_score=cosine))
        return hits


def widen_search(collection: Collection) -> None:
    """Raise an older collection's ef_search to HNSW's (a query-time setting Chroma lets change)."""
    try:
        current = ((collection.configuration or {}).get("hnsw") or {}).get("ef_search")
        if current is not None and int(current) < HNSW["ef_search"]:
            collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
    except Exception as exc:  # an older server or a configuration it will not change: keep searching
        log.debug("could not raise ef_search of %s: %s", collection.name, exc)
