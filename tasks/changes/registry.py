"""The open RagIndex of each running sync, by key.

Tasks take and return small values (Prefect keeps every task result of a flow
run in memory): the flow opens the index once (Chroma client, manifest
connection, tokenizer), hands its tasks a short string key, and closes it at
the end. The index never leaves this process.
"""

from __future__ import annotations

import itertools
import threading

from blocks.vectorstore import VectorStore
from tasks.changes.index import RagIndex

__all__ = ["close_index", "get_index", "open_index"]

_indexes: dict[str, RagIndex] = {}
_counter = itertools.count(1)
_lock = threading.Lock()


def open_index(
    block: VectorStore,
    model: str | None,
    chunk_tokens: int | None,
    overlap: int | None,
    backend: str | None = None,
) -> str:
    """Open the index in this process and return the key the tasks use."""
    index = RagIndex(block, model=model, chunk_tokens=chunk_tokens, overlap=overlap, backend=backend)
    with _lock:
        key = f"{block.collection}#{next(_counter)}"
        _indexes[key] = index
    return key


def get_index(key: str) -> RagIndex:
    """The index `open_index` registered under `key` (KeyError once it is closed)."""
    with _lock:
        return _indexes[key]


def close_index(key: str) -> None:
    """Close and forget the index (no error when it is already closed)."""
    with _lock:
        index = _indexes.pop(key, None)
    if index is not None:
        index.close()
