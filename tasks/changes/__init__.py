"""The rag index's bookkeeping: the manifest (SQLite next to the store),
folder-vs-manifest detection, the typed result of a sync and read-only views.

Importing the package loads neither Chroma nor the model nor Prefect. Applying
changes lives in `tasks.changes.index` (RagIndex), the open indexes of running
syncs in `tasks.changes.registry`, the Prefect tasks in `tasks.changes.steps`.
"""

from tasks.changes.detect import (
    ChangePlan,
    FileState,
    Problem,
    batches,
    detect_changes,
    resolve_source,
    sha256_file,
)
from tasks.changes.manifest import FileRecord, Manifest
from tasks.changes.progress import PROGRESS
from tasks.changes.results import BatchResult
from tasks.changes.status import IndexStatus, Retriever, context_retriever, index_status
from tasks.changes.summary import COUNT_KEYS, RagSyncSummary, summarize
from tasks.changes.watch import watch_folder

__all__ = [
    "COUNT_KEYS",
    "PROGRESS",
    "BatchResult",
    "ChangePlan",
    "FileRecord",
    "FileState",
    "IndexStatus",
    "Manifest",
    "Problem",
    "RagSyncSummary",
    "Retriever",
    "batches",
    "context_retriever",
    "detect_changes",
    "index_status",
    "resolve_source",
    "sha256_file",
    "summarize",
    "watch_folder",
]
