"""Change detection for the rag index: the manifest (SQLite next to the store),
folder-vs-manifest detection, and applying the changes crash-safely."""

from tasks.changes.detect import ChangePlan, FileState, Problem, detect_changes, sha256_file
from tasks.changes.manifest import FileRecord, Manifest

__all__ = [
    "ChangePlan",
    "FileRecord",
    "FileState",
    "Manifest",
    "Problem",
    "detect_changes",
    "sha256_file",
]
