"""Giving memory back after each batch.

Dropping references is not enough on glibc: freed heap stays in the process
(fragmented arenas) unless it is trimmed. `release()` runs a full collection
and `malloc_trim(0)`; the caller drops its own references first. A process
that syncs for hours also caps glibc's arenas at its start
(`tasks.environment.limit_malloc_arenas`): trimming cannot give back
pages pinned by fragments. The process's memory figures: tasks.memory (MiB).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def malloc_trim() -> bool:
    """Return free heap pages to the OS (glibc only); False where there is no malloc_trim."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is None:
        return False
    return bool(trim(0))


def release() -> None:
    """gc.collect() then malloc_trim(0): the end of every batch."""
    gc.collect()
    malloc_trim()
