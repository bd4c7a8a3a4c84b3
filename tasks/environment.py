"""Process-wide defaults that must be in place before Prefect, Chroma or
Hugging Face libraries are imported.

They live in the project, not on the machine: a fresh clone behaves the same
everywhere. Each is a default only; a value the user exported wins.
"""

from __future__ import annotations

import os

__all__ = ["DEFAULTS", "apply_defaults", "limit_malloc_arenas"]

DEFAULTS: dict[str, str] = {
    # Prefect: no telemetry heartbeat (it logs "database is locked" under the
    # ephemeral API), and room for a slow first start in CI (migrations).
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # Chroma: no product telemetry.
    "ANONYMIZED_TELEMETRY": "False",
    # Hugging Face: models load from local files only, never from a hub.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_defaults() -> None:
    """Set each default unless the environment already has the variable.

    Called explicitly by the entry points (the `qaflow` console script and
    `run_app`, each flow's body, the deployment server, tests/conftest.py, the
    profiling scripts), never on import: importing a package changes nothing."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


M_ARENA_MAX = -8  # mallopt parameter number (glibc malloc.h)
WATCH_ARENAS = 2


def limit_malloc_arenas(arenas: int = WATCH_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; True when applied.

    For processes that run flow runs for hours (`qaflow rag watch`, the rag
    soak), not for every qaflow process: with glibc's default (up to 8 arenas
    per core) the soak's RSS kept growing while the Python heap and the bytes
    malloc had in use stayed flat; the growth was free space inside the
    embedding thread's arena (torch), fragments that `malloc_trim` cannot give
    back. Measured, 60-80 flow runs with a tiny corpus: default arenas +15 MB
    from cycle 20 to 60, that arena's free space 49 -> 97 MB; capped at 2,
    RSS flat (721.6 MB at cycle 10, 720.1 MB at cycle 80). The full soak
    (300 syncs as `rag watch` runs them) with the cap: +19.5 MB from cycle 20
    to 300, target <= 30 MB.

    Same as exporting MALLOC_ARENA_MAX=2, but from inside the process. Call it
    before heavy imports: glibc fixes its limit the first time it needs one,
    and arenas that exist already (importing numpy, torch or Chroma starts
    native threads that create some) stay. A MALLOC_ARENA_MAX the user
    exported wins.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        libc = None
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    if mallopt is None:  # not glibc
        return False
    return bool(mallopt(M_ARENA_MAX, int(arenas)))
