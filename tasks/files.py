"""Write a file whole or not at all: a temporary file beside it, fsync, then rename.

The one atomic write of the project. A reader (a CI job, a browser, a second
qaflow process, the next run after a crash) sees the old file or the new one,
never half of either: the data goes to a temporary file in the same folder
(same file system, so os.replace is atomic), is flushed to disk, and only
then takes the final name.

New files get the mode a plain `open()` would give them (0666 less the
user's umask), not mkstemp's 0600: a report renamed from a private temporary
file would otherwise stay unreadable to the user's group (a CI agent, a web
server). Pass `mode` for a fixed one (a cache entry private to the user: 0o600).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["atomic_path", "streaming_atomic", "umask_mode", "write_atomic"]

_UMASK_LOCK = threading.Lock()


def umask_mode(base: int = 0o666) -> int:
    """The mode a plain `open()` would give a new file: `base` less the process umask."""
    with _UMASK_LOCK:  # reading the umask means setting it: keep other threads out meanwhile
        mask = os.umask(0o077)
        os.umask(mask)
    return base & ~mask


def _temporary(path: Path, mode: int | None) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, umask_mode() if mode is None else mode)
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


def write_atomic(path: str | Path, data: str | bytes, mode: int | None = None) -> Path:
    """Write `data` (text is UTF-8) to `path` through a temporary file beside it, fsync and an
    atomic rename; the folder is created. `mode`: None for the umask's (as open() would), else
    that mode. Returns `path`."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextmanager
def streaming_atomic(path: str | Path, mode: int | None = None) -> Iterator[TextIO]:
    """A text handle (UTF-8, newlines as written) on a temporary file beside `path`, renamed to
    `path` only when the block ends without an error (after fsync): a file written piece by
    piece is still never seen half-written under its name."""
    path = Path(path)
    fd, tmp = _temporary(path, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: str | Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside `path` for a writer that wants a file name (a library that saves
    a model, a pickle); when the block ends without an error the file is fsync'd, given `mode`
    (None: the umask's) and renamed to `path`. On an error it is removed. Check the file inside
    the block: what is there when it ends is what readers get."""
    path = Path(path)
    fd, tmp = _temporary(path, mode)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, umask_mode() if mode is None else mode)  # the writer may have replaced the file
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
