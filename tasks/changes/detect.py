"""What changed in a folder since the manifest was written.

mtime and size first (no read), the content hash to confirm: a file whose
mtime moved but whose bytes did not is "touched" and costs one hash, never an
embedding (LlamaIndex re-embeds it because its hash includes metadata). A new
path whose content equals a vanished row is a rename: its chunks are re-keyed
in the store, not re-embedded. A row made with another chunker config or model
counts as changed, so such a change re-indexes everything.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pydantic import BaseModel, Field

from tasks.changes.manifest import FileRecord, Manifest
from tasks.documents import supported, walk

HASH_BLOCK = 1 << 20


class FileState(BaseModel):
    """A file as found on disk now."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


class Problem(BaseModel):
    path: str
    reason: str


class ChangePlan(BaseModel):
    """The work a sync has to do; small: paths and hashes, never content."""

    root: str
    added: list[FileState] = Field(default_factory=list)
    changed: list[FileState] = Field(default_factory=list)
    deleted: list[str] = Field(default_factory=list)
    renamed: list[tuple[str, FileState]] = Field(default_factory=list)
    touched: list[FileState] = Field(default_factory=list)
    unchanged: int = 0
    skipped: list[Problem] = Field(default_factory=list)
    failed: list[Problem] = Field(default_factory=list)

    @property
    def to_index(self) -> list[FileState]:
        return self.added + self.changed

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.deleted or self.renamed or self.touched)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def store_path(root: Path, file: Path) -> str:
    """The path a file is known by in the manifest and the store: absolute, not link-resolved."""
    return (root / file.relative_to(root)).as_posix() if file.is_absolute() else (root / file).as_posix()


def detect_changes(
    source_dir: str | Path,
    manifest: Manifest,
    config_key: str,
    model: str,
    model_version: str,
) -> ChangePlan:
    """Compare `source_dir` with the manifest rows under it."""
    root = Path(os.path.abspath(source_dir))
    if not root.is_dir():
        raise NotADirectoryError(f"{source_dir}: not a folder")
    files, walk_skipped = walk(root)
    plan = ChangePlan(root=root.as_posix())
    plan.skipped.extend(Problem(path=str(p), reason=why) for p, why in walk_skipped if why != "hidden")
    rows: dict[str, FileRecord] = {row.path: row for row in manifest.records(under=root.as_posix())}
    seen: set[str] = set()
    new: list[FileState] = []
    for file in files:
        path = store_path(root, file)
        if not supported(file):
            plan.skipped.append(Problem(path=path, reason=f"unsupported type {file.suffix or '(no suffix)'}"))
            continue
        seen.add(path)
        row = rows.get(path)
        try:
            stat = file.stat()
            current = row is not None and row.same_index(config_key, model, model_version)
            if current and row.size == stat.st_size and row.mtime_ns == stat.st_mtime_ns:
                plan.unchanged += 1
                continue
            state = FileState(path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=sha256_file(file))
        except OSError as exc:
            plan.failed.append(Problem(path=path, reason=f"cannot read: {exc.strerror or exc}"))
            continue  # its old row and chunks stay until it can be read again
        if row is None:
            new.append(state)
        elif current and row.sha256 == state.sha256:
            plan.touched.append(state)
        else:
            plan.changed.append(state)
    vanished = [row for path, row in rows.items() if path not in seen]
    by_content: dict[str, list[FileRecord]] = {}
    for row in vanished:
        if row.same_index(config_key, model, model_version):
            by_content.setdefault(row.sha256, []).append(row)
    renamed_from: set[str] = set()
    for state in new:
        candidates = by_content.get(state.sha256)
        if candidates:
            old = candidates.pop(0)
            renamed_from.add(old.path)
            plan.renamed.append((old.path, state))
        else:
            plan.added.append(state)
    plan.deleted = [row.path for row in vanished if row.path not in renamed_from]
    return plan
