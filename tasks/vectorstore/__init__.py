"""Chroma for the rag index: one client per process, our own embedding
function, writes in slices, one writer per collection, memory released, and
the read-only query."""

from tasks.vectorstore.embedding_function import QaflowEmbeddingFunction
from tasks.vectorstore.lexical import LexicalIndex
from tasks.vectorstore.lock import SyncBusy, limit_name, writer_lock
from tasks.vectorstore.query import QUERY_MODES, query_index, query_store
from tasks.vectorstore.release import malloc_trim, release
from tasks.vectorstore.store import ChromaStore, Hit, client_for, close_clients, open_client_count

__all__ = [
    "QUERY_MODES",
    "ChromaStore",
    "Hit",
    "LexicalIndex",
    "QaflowEmbeddingFunction",
    "SyncBusy",
    "client_for",
    "close_clients",
    "limit_name",
    "malloc_trim",
    "open_client_count",
    "query_index",
    "query_store",
    "release",
    "writer_lock",
]
