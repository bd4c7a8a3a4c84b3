"""Listing a folder the safe way: regular files only, never leaving the root.

A symlink in a docs folder can point at /etc or at a home directory; indexing
what it points to would leak files nobody meant to share. Links inside the root
are followed (a directory only once, so link loops end); links out of it are
skipped and the reason is reported.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

Skipped = tuple[Path, str]


def walk(root: str | Path, *, include_hidden: bool = False) -> tuple[list[Path], list[Skipped]]:
    """Every regular file under `root` (sorted), and what was skipped with why.

    Paths are returned as found under `root` (not resolved), so a file reached
    through an inside link keeps the link's path. Hidden entries (a leading dot:
    .git, .DS_Store) are skipped unless `include_hidden`.
    """
    root = Path(root)
    real_root = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    if not real_root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    seen_dirs = {real_root}

    def inside(target: Path) -> bool:
        return target == real_root or target.is_relative_to(real_root)

    def visit(folder: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            skipped.append((folder, f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") and not include_hidden:
                skipped.append((path, "hidden"))
                continue
            try:
                if entry.is_symlink():
                    try:
                        target = path.resolve(strict=True)
                    except (OSError, RuntimeError):
                        skipped.append((path, "broken symlink"))
                        continue
                    if not inside(target):
                        skipped.append((path, f"symlink leaves the folder (-> {target})"))
                        continue
                    mode = target.stat().st_mode
                else:
                    target = path
                    mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                skipped.append((path, f"cannot stat: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(mode):
                real = target.resolve()
                if real in seen_dirs:
                    skipped.append((path, "folder already visited (symlink loop or duplicate)"))
                    continue
                seen_dirs.add(real)
                visit(path)
            elif stat.S_ISREG(mode):
                files.append(path)
            else:
                skipped.append((path, "not a regular file"))

    visit(root)
    files.sort()
    return files, skipped


def safe_walk(root: str | Path) -> Iterator[Path]:
    """The files of `walk(root)`, for callers that do not report skips."""
    files, _ = walk(root)
    yield from files
