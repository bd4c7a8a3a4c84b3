"""Chroma for the rag index: one client per process, our own embedding
function, writes in slices, one writer per collection, memory released."""

from tasks.vectorstore.embedding_function import QaflowEmbeddingFunction
from tasks.vectorstore.lexical import LexicalIndex
from tasks.vectorstore.lock import SyncBusy, limit_name, writer_lock
from tasks.vectorstore.release import malloc_trim, peak_rss_mb, release, rss_mb
from tasks.vectorstore.store import ChromaStore, Hit, client_for, close_clients, open_client_count

__all__ = [
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
    "peak_rss_mb",
    "release",
    "rss_mb",
    "writer_lock",
]
