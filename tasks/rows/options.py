"""The arguments of a mockdata run: its choices, named once, and the one check of its values.

The choices are Literal types: the flow's parameters (a dropdown in the Prefect
UI, checked by Prefect when a run starts), the CLI's options (checked by typer
while parsing) and the rows stage all use these aliases. What a type cannot
say (positive counts, a locale's shape, a writable folder, the dask extra)
`check_arguments` checks, once, at the start of the flow. Standard library
only: the CLI imports this module when `qaflow` starts.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

__all__ = ["BadArgument", "Format", "Mode", "Runner", "check_arguments"]

Format = Literal["parquet", "csv", "jsonl"]  # the keys of tasks.generator_runtime.writer.FORMATS (a test checks)
Mode = Literal["thread", "process"]  # local shards in threads, or in child processes
Runner = Literal["local", "dask"]  # where shards run: this process's task runner, or a Dask cluster


class BadArgument(ValueError):
    """An argument of a mockdata run that cannot be used; the message names it."""


def check_arguments(rows: int | Mapping[str, int], out_dir: str | Path, locale: str, shards: int | None,
                    null_rate: float | None, runner: Runner = "local") -> Path:
    """Clear errors for bad values before any work; returns the output folder, created and writable."""
    if runner == "dask" and importlib.util.find_spec("prefect_dask") is None:
        raise BadArgument("runner='dask' needs the dask extra: pip install 'qaflow[dask]'")
    counts = rows.values() if isinstance(rows, Mapping) else [rows]
    if any(not isinstance(n, int) or isinstance(n, bool) or n <= 0 for n in counts):
        raise BadArgument(f"rows must be a positive integer, got {rows}")
    if shards is not None and shards <= 0:
        raise BadArgument(f"shards must be positive, got {shards}")
    if not locale.replace("_", "").isalpha():
        raise BadArgument(f"not a locale: {locale!r} (e.g. en_US, ko_KR, ja_JP, de_DE)")
    if null_rate is not None and not 0.0 <= float(null_rate) <= 1.0:
        raise BadArgument(f"null_rate must be between 0 and 1, got {null_rate}")
    out = Path(out_dir).expanduser().resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".qaflow-write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BadArgument(f"cannot write to the output folder {out}: {exc.strerror or exc}") from None
    return out
