"""This process's resident memory, in one unit: MiB (2**20 bytes).

Summaries, benchmarks and logs all quote memory through these two functions,
so a figure called `..._mib` in one pipeline means the same as in another
(before, mockdata reported MiB and rag decimal MB under the same name).
Standard library only (psutil is imported only where /proc is missing).
"""

from __future__ import annotations

import os
import resource
import sys

__all__ = ["MIB", "peak_rss_mib", "rss_mib"]

MIB = 2**20


def rss_mib() -> float:
    """Current resident set size of this process, in MiB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / MIB
    except OSError:  # not Linux
        import psutil

        return psutil.Process().memory_info().rss / MIB


def peak_rss_mib() -> float:
    """Highest resident set size this process reached so far, in MiB.

    getrusage's ru_maxrss is KiB on Linux and bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024
