"""Opening a file once, without following links, and reading it from that one descriptor.

Between the folder scan and the read, anyone who can write to the folder can
swap a file for a symlink to /etc/passwd, or a sub-folder for a link to /etc.
A reader that checks the path and then opens it again by name reads whatever
the name points to by then. So a file is opened once: every folder below the
root with O_NOFOLLOW | O_DIRECTORY relative to its parent's descriptor, the
file itself with O_NOFOLLOW; the type (regular file), size and mtime come from
fstat() of that descriptor, and the content (and its sha256) from reading it.
What is recorded is what was read, so a swap can neither be indexed nor leave
a row that describes other bytes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tasks.documents.errors import DocumentError, UnsupportedDocument

READ_BLOCK = 1 << 20
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class FileStat:
    """Size, mtime and content hash of the bytes one descriptor gave."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True, slots=True)
class FileRead:
    """A whole file as read from one descriptor, with what fstat() said about it."""

    data: bytes
    size: int
    mtime_ns: int
    sha256: str

    @property
    def stat(self) -> FileStat:
        return FileStat(self.size, self.mtime_ns, self.sha256)


def _inside_parts(path: Path, root: Path) -> list[str]:
    """The components of `path` below `root`; refuses '..', '.' and paths outside."""
    try:
        relative = PurePosixPath(Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(root))).as_posix())
    except ValueError as exc:
        raise DocumentError(path, f"outside the folder {root}") from exc
    parts = list(relative.parts)
    if not parts or any(part in ("..", ".", "") for part in parts):
        raise DocumentError(path, f"not a file inside the folder {root}")
    return parts


def _link_or_error(path: Path | str, name: str, dir_fd: int | None, exc: OSError, what: str) -> DocumentError:
    """Why opening `name` (in `dir_fd`) failed, in words; a link is 'not followed'."""
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        try:
            mode = os.lstat(name, dir_fd=dir_fd).st_mode
        except OSError:
            mode = 0
        if stat.S_ISLNK(mode):
            if what == "folder":
                return UnsupportedDocument(path, f"folder {name!r} on its path is a symbolic link (not followed)")
            return UnsupportedDocument(path, "symbolic link (not followed)")
        if what == "folder":
            return UnsupportedDocument(path, f"{name!r} on its path is not a folder")
    if exc.errno == errno.ENOENT:
        return DocumentError(path, "no such file")
    return DocumentError(path, f"cannot read: {exc.strerror or exc}")


@contextmanager
def open_file(path: str | Path, root: str | Path | None = None) -> Iterator[int]:
    """A read-only descriptor of the regular file `path`, closed on exit.

    With `root`, `path` must lie under it and no folder between them may be a
    link (each is opened relative to the one before, with O_NOFOLLOW). Without
    it, only the file itself must not be a link. Raises UnsupportedDocument for a
    link or anything but a regular file, DocumentError when it cannot be opened.
    """
    path = Path(path)
    opened: list[int] = []
    try:
        if root is None:
            parent_fd, name = None, str(path)
        else:
            parts = _inside_parts(path, Path(root))
            try:
                parent_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError as exc:
                raise DocumentError(path, f"cannot open the folder {root}: {exc.strerror or exc}") from exc
            opened.append(parent_fd)
            for part in parts[:-1]:
                try:
                    parent_fd = os.open(part, _DIR_FLAGS, dir_fd=parent_fd)
                except OSError as exc:
                    raise _link_or_error(path, part, opened[-1], exc, "folder") from exc
                opened.append(parent_fd)
            name = parts[-1]
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=parent_fd)
        except OSError as exc:
            raise _link_or_error(path, name, parent_fd, exc, "file") from exc
        opened.append(fd)
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnsupportedDocument(path, "not a regular file")
        yield fd
    finally:
        for fd in reversed(opened):
            os.close(fd)


def read_file(path: str | Path, root: str | Path | None = None, max_bytes: int = 50 * 1024 * 1024) -> FileRead:
    """The whole file from one descriptor, refused before reading when fstat() says it
    is over `max_bytes`, and cut off (refused) if it grows past it while being read."""
    with open_file(path, root) as fd:
        info = os.fstat(fd)
        if info.st_size > max_bytes:
            raise DocumentError(path, f"too large ({info.st_size:,} bytes, limit {max_bytes:,})")
        digest = hashlib.sha256()
        blocks: list[bytes] = []
        total = 0
        try:
            while block := os.read(fd, min(READ_BLOCK, max_bytes + 1 - total)):
                blocks.append(block)
                digest.update(block)
                total += len(block)
                if total > max_bytes:
                    raise DocumentError(path, f"too large (grew past {max_bytes:,} bytes while read)")
        except OSError as exc:
            raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from exc
        data = b"".join(blocks)
        del blocks
        return FileRead(data, len(data), info.st_mtime_ns, digest.hexdigest())


def stat_file(path: str | Path, root: str | Path | None = None) -> os.stat_result:
    """fstat() of the file opened the safe way (same refusals as `open_file`)."""
    with open_file(path, root) as fd:
        return os.fstat(fd)


def hash_descriptor(fd: int, path: str | Path = "") -> FileStat:
    """Size, mtime (fstat, taken before the read) and sha256 of an open file, streamed."""
    info = os.fstat(fd)
    digest = hashlib.sha256()
    size = 0
    try:
        while block := os.read(fd, READ_BLOCK):
            digest.update(block)
            size += len(block)
    except OSError as exc:
        raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from exc
    return FileStat(size, info.st_mtime_ns, digest.hexdigest())


def hash_file(path: str | Path, root: str | Path | None = None) -> FileStat:
    """Size, mtime and sha256 of the file, all from one descriptor, streamed."""
    with open_file(path, root) as fd:
        return hash_descriptor(fd, path)
