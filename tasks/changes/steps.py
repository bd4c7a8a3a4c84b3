"""The thin Prefect tasks of a rag sync, over one RagIndex per process.

Tasks take and return small values: a handle key, paths, hashes and counts.
The index itself (Chroma client, manifest connection, tokenizer) stays in this
process, registered under its key, and is closed by `close_index` at the end
of the flow.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff

from blocks.vectorstore import VectorStore
from tasks.changes.detect import ChangePlan, FileState
from tasks.changes.index import BatchResult, RagIndex

# the store can be a Chroma server: steps that write retry with backoff and jitter
STORE_RETRIES = 3
STORE_BACKOFF = exponential_backoff(backoff_factor=2)
STORE_JITTER = 0.5

_indexes: dict[str, RagIndex] = {}
_counter = itertools.count(1)
_lock = threading.Lock()

ProgressHook = Callable[[str, dict[str, Any]], None]
_progress_hooks: list[ProgressHook] = []


def add_progress_hook(hook: ProgressHook) -> Callable[[], None]:
    """Call `hook(event, info)` on sync progress (the CLI's progress bar); returns a remover."""
    _progress_hooks.append(hook)
    return lambda: _progress_hooks.remove(hook) if hook in _progress_hooks else None


def progress(event: str, **info: Any) -> None:
    for hook in list(_progress_hooks):
        hook(event, info)


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
    with _lock:
        return _indexes[key]


def close_index(key: str) -> None:
    with _lock:
        index = _indexes.pop(key, None)
    if index is not None:
        index.close()


def batches(states: list[FileState], max_files: int, max_bytes: int) -> list[list[FileState]]:
    """Group files for one embed call: by count and by bytes (a proxy for chunks)."""
    groups: list[list[FileState]] = []
    current: list[FileState] = []
    size = 0
    for state in states:
        if current and (len(current) >= max_files or size + state.size > max_bytes):
            groups.append(current)
            current, size = [], 0
        current.append(state)
        size += state.size
    if current:
        groups.append(current)
    return groups


@task(name="rag-repair", retries=STORE_RETRIES, retry_delay_seconds=STORE_BACKOFF, retry_jitter_factor=STORE_JITTER)
def repair_index(key: str) -> int:
    """Clean up after a killed sync: journaled paths, then a count check."""
    return get_index(key).repair()


@task(name="rag-detect-changes")
def detect_changes(key: str, source_dir: str) -> ChangePlan:
    """Folder vs manifest (mtime+size, then sha256)."""
    return get_index(key).detect(source_dir)


@task(name="rag-touch")
def record_touched(key: str, states: list[FileState]) -> int:
    """Files whose mtime moved but content did not: new mtime, nothing embedded."""
    return get_index(key).touch(states)


@task(name="rag-delete", retries=STORE_RETRIES, retry_delay_seconds=STORE_BACKOFF, retry_jitter_factor=STORE_JITTER)
def delete_files(key: str, paths: list[str]) -> BatchResult:
    result = get_index(key).delete(paths)
    progress("deleted", files=len(paths), chunks=result.chunks_deleted)
    return result


@task(name="rag-rename", retries=STORE_RETRIES, retry_delay_seconds=STORE_BACKOFF, retry_jitter_factor=STORE_JITTER)
def rename_files(key: str, pairs: list[tuple[str, FileState]], root: str) -> BatchResult:
    result = get_index(key).rename(pairs, root)
    progress("renamed", files=len(pairs))
    return result


@task(name="rag-index", retries=STORE_RETRIES, retry_delay_seconds=STORE_BACKOFF, retry_jitter_factor=STORE_JITTER)
def index_files(key: str, states: list[FileState], root: str) -> BatchResult:
    """Read, chunk, embed, replace the files' chunks, commit their rows, release memory."""
    result = get_index(key).index(states, root)
    progress("indexed", files=len(states), chunks=result.chunks_written)
    return result


def resolve_source(source_dir: str | Path) -> Path:
    """A source folder as given, else relative to the project root (for deployments)."""
    path = Path(source_dir).expanduser()
    if path.is_dir() or path.is_absolute():
        return path
    from tasks.settings import project_root

    candidate = project_root() / path
    return candidate if candidate.is_dir() else path
