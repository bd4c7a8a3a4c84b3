"""A run's files are written under a staging folder and moved into place when all passed.

The staging folder lies inside the output folder (one file system, so the moves
are renames) and is removed whatever happens: a failed run leaves nothing
half-written under the output names. Every path is checked to lie inside the
output folder before anything is removed or renamed (tasks/codegen/paths.py).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tasks.codegen.paths import inside, move_inside
from tasks.rows.validate import TableCheck

__all__ = ["publish", "renamed_folders", "staging_folder"]


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh folder name inside `out` for this run's files, removed when the block ends."""
    staging = inside(out, out / f".staging-{uuid.uuid4().hex[:12]}")
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, out: Path, names: Iterable[str], checks: Iterable[TableCheck]) -> None:
    """Move finished folders from staging to their names under `out`, replacing older ones,
    when every table passed its checks; else nothing moves and the first problems are raised.

    `names` are folder names (tables' slugs, the generators folder); a link in the
    way is replaced, never followed.
    """
    problems = [p for check in checks for p in check.problems]
    if problems:
        raise RuntimeError(f"generated data failed its checks: {'; '.join(problems[:5])}")
    for name in names:
        move_inside(out, staging / name, out / name)


def renamed_folders(folders: Mapping[str, str]) -> list[str]:
    """A note for every table whose folder is not its name (the name is not a safe file name)."""
    return [f"table {name!r} is written to the folder {folder!r} (its name is not a safe file name)"
            for name, folder in folders.items() if folder != name]
