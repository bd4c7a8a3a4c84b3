"""The Prefect tasks of a rag sync: thin wrappers over one RagIndex per process.

Tasks take and return small values: the index key (tasks.changes.registry),
paths, hashes and counts. Steps that write to the store retry with backoff and
jitter, since the store can be a Chroma server; detection and touching are
local reads and do not.
"""

from __future__ import annotations

from prefect import task
from prefect.tasks import exponential_backoff

from tasks.changes.detect import ChangePlan, FileState
from tasks.changes.progress import PROGRESS
from tasks.changes.registry import get_index
from tasks.changes.results import BatchResult

__all__ = ["delete_files", "detect_changes", "index_files", "record_touched", "rename_files", "repair_index"]

STORE_RETRIES = 3
STORE_BACKOFF = exponential_backoff(backoff_factor=2)
STORE_JITTER = 0.5


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
    """Delete the files' chunks from the store, then their manifest rows."""
    result = get_index(key).delete(paths)
    PROGRESS.emit("deleted", advance=len(paths), chunks=result.chunks_deleted)
    return result


@task(name="rag-rename", retries=STORE_RETRIES, retry_delay_seconds=STORE_BACKOFF, retry_jitter_factor=STORE_JITTER)
def rename_files(key: str, pairs: list[tuple[str, FileState]], root: str) -> BatchResult:
    """Re-key the chunks of moved files (same content): nothing embedded."""
    result = get_index(key).rename(pairs, root)
    PROGRESS.emit("renamed", advance=len(pairs), chunks=0)
    return result


@task(name="rag-index", retries=STORE_RETRIES, retry_delay_seconds=STORE_BACKOFF, retry_jitter_factor=STORE_JITTER)
def index_files(key: str, states: list[FileState], root: str) -> BatchResult:
    """Read, chunk, embed, replace the files' chunks, commit their rows, release memory."""
    result = get_index(key).index(states, root)
    PROGRESS.emit("indexed", advance=len(states), chunks=result.chunks_written)
    return result
