"""Giving memory back after each batch.

Dropping references is not enough on glibc: freed heap stays in the process
(fragmented arenas) unless it is trimmed. `release()` runs a full collection
and `malloc_trim(0)`; the caller drops its own references first. A process
that syncs for hours also caps glibc's arenas at its start
(`tasks.environment.limit_malloc_arenas`, issue 4): trimming cannot give back
pages pinned by fragments.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import resource
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


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    try:
        with open(f"/proc/{os.getpid()}/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import psutil

        return psutil.Process().memory_info().rss / 1e6


def peak_rss_mb() -> float:
    """Highest resident set size this process reached, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
