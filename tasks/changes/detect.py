"""What changed in a folder since the manifest was written.

mtime and size first (no read), the content hash to confirm: a file whose
mtime moved but whose bytes did not is "touched" and costs one hash, never an
embedding (LlamaIndex re-embeds it because its hash includes metadata). A new
path whose content equals a vanished row is a rename: its chunks are re-keyed
in the store, not re-embedded. A row made with another chunker config or model
counts as changed, so such a change re-indexes everything.

Files are looked at through one descriptor each (O_NOFOLLOW, every folder below
the root opened without following links): a file swapped for a link after the
scan is skipped and its old row dropped, never followed. A folder that cannot
be listed, or a file that cannot be read, is reported as failed and keeps its
rows and chunks: what it holds is unknown, not gone.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field

from tasks.changes.manifest import FileRecord, Manifest
from tasks.documents import DocumentError, ReadLimits, UnsupportedDocument, scan, supported
from tasks.documents.opening import hash_descriptor, hash_file, open_file


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
    # hidden entries, editor debris, ignore-file patterns: never read, never new or failed
    ignored: list[Problem] = Field(default_factory=list)

    @property
    def to_index(self) -> list[FileState]:
        return self.added + self.changed

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.deleted or self.renamed or self.touched)


def sha256_file(path: Path) -> str:
    """sha256 of a file, read through one descriptor that does not follow a link."""
    return hash_file(path).sha256


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
    found = scan(root)
    plan = ChangePlan(root=root.as_posix())
    plan.skipped.extend(Problem(path=str(p), reason=why) for p, why in found.skipped)
    plan.ignored.extend(Problem(path=store_path(root, p), reason=why) for p, why in found.ignored)
    rows: dict[str, FileRecord] = {row.path: row for row in manifest.records(under=root.as_posix())}
    # what cannot be looked at now keeps its rows: a folder that cannot be listed
    # hides its files, it does not delete them
    seen: set[str] = set()
    for place, why in found.unreadable:
        hidden = store_path(root, place)
        kept = {path for path in rows if path == hidden or path.startswith(hidden.rstrip("/") + "/")}
        seen |= kept
        plan.failed.append(Problem(path=hidden, reason=f"{why}; {len(kept)} indexed file(s) under it kept"))
    max_bytes = ReadLimits.from_settings().max_file_bytes
    new: list[FileState] = []
    for file in found.files:
        path = store_path(root, file)
        if not supported(file):
            plan.skipped.append(Problem(path=path, reason=f"unsupported type {file.suffix or '(no suffix)'}"))
            continue
        row = rows.get(path)
        current = row is not None and row.same_index(config_key, model, model_version)
        try:
            with open_file(path, root) as fd:
                info = os.fstat(fd)
                if current and row.size == info.st_size and row.mtime_ns == info.st_mtime_ns:
                    plan.unchanged += 1
                    seen.add(path)
                    continue
                if info.st_size > max_bytes:
                    seen.add(path)  # its old row and chunks stay, as for any unreadable file
                    reason = f"too large ({info.st_size:,} bytes, limit {max_bytes:,})"
                    plan.failed.append(Problem(path=path, reason=reason))
                    continue
                read = hash_descriptor(fd, path)
        except UnsupportedDocument as exc:
            # a link or a special file now (swapped since the scan): never read; its old row goes
            plan.skipped.append(Problem(path=path, reason=exc.reason))
            continue
        except DocumentError as exc:
            if exc.reason == "no such file":
                continue  # gone since the scan: a delete
            seen.add(path)
            plan.failed.append(Problem(path=path, reason=exc.reason))
            continue  # its old row and chunks stay until it can be read again
        seen.add(path)
        state = FileState(path=path, size=read.size, mtime_ns=read.mtime_ns, sha256=read.sha256)
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


def resolve_source(source_dir: str | Path) -> Path:
    """A source folder as given, else relative to the project root (for deployments)."""
    path = Path(source_dir).expanduser()
    if path.is_dir() or path.is_absolute():
        return path
    from tasks.settings import project_root

    candidate = project_root() / path
    return candidate if candidate.is_dir() else path
