"""Listing a folder the safe way: regular files only, never through a link.

A symlink in a docs folder can point at /etc or at a home directory; indexing
what it points to would leak files nobody meant to share, and a link that
points inside today can be turned outward between the scan and the read. So
no link is followed, to a file or to a folder: each is skipped with its reason
(the folder it points to, when inside the root, is indexed under its own
name anyway). The root itself may be a link: the caller chose it.

A folder that cannot be listed (permissions, I/O error) and an entry that
cannot be looked at are reported apart from deliberate skips: the files they
hide are unknown, not gone, so change detection keeps what it indexed there.

What nobody means as a document (tasks/documents/ignore.py: hidden entries,
editor and tool debris, `.qaflowignore` / `.gitignore` patterns) is listed
apart as `ignored`: an ignored folder is not entered, an ignored file never
opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tasks.documents.ignore import Rules, gitignore_enabled

Skipped = tuple[Path, str]


@dataclass(slots=True)
class Scan:
    """What a folder holds: its regular files, what was skipped on purpose, what is
    ignored (hidden, debris, ignore-file patterns), and what could not be looked at
    (folders not listable, entries not stat-able)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: list[Skipped] = field(default_factory=list)
    ignored: list[Skipped] = field(default_factory=list)


def _describe_link(path: Path, real_root: Path) -> str:
    try:
        target = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):
        return "broken symlink"
    if target == real_root or target.is_relative_to(real_root):
        return f"symlink (not followed; -> {target})"
    return f"symlink leaves the folder (not followed; -> {target})"


def scan(root: str | Path, *, include_hidden: bool = False, gitignore: bool | None = None) -> Scan:
    """Every regular file under `root` (sorted), and what was skipped, ignored or unreadable.

    Paths are returned as found under `root` (not resolved). Hidden entries (a
    leading dot: .git, .DS_Store) are ignored unless `include_hidden`; so are
    editor debris and what `.qaflowignore` files say, and `.gitignore` patterns
    unless `gitignore` is false (None: the QAFLOW_RAG_GITIGNORE setting).
    """
    root = Path(root)
    real_root = root.resolve()
    if not real_root.is_dir():
        raise NotADirectoryError(f"{real_root}: not a folder")
    result = Scan()
    use_gitignore = gitignore_enabled() if gitignore is None else gitignore
    base = Rules(root, hidden=not include_hidden, gitignore=use_gitignore)
    pending: list[tuple[Path, Rules]] = [(root, base)]
    while pending:
        folder, outer = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            result.unreadable.append((folder, f"cannot list folder: {exc.strerror or exc}"))
            continue
        rules = outer.enter(folder, {entry.name for entry in entries})
        for place, why in rules.problems[len(outer.problems):]:
            result.skipped.append((place, f"ignore file not read: {why}"))
        folders: list[tuple[Path, Rules]] = []
        for entry in entries:
            path = Path(entry.path)
            if rules.hidden and entry.name.startswith("."):
                result.ignored.append((path, "hidden"))
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                result.unreadable.append((path, f"cannot stat: {exc.strerror or exc}"))
                continue
            why = rules.reason(path, stat.S_ISDIR(mode))
            if why is not None:
                result.ignored.append((path, why))
            elif stat.S_ISLNK(mode):
                result.skipped.append((path, _describe_link(path, real_root)))
            elif stat.S_ISDIR(mode):
                folders.append((path, rules))
            elif stat.S_ISREG(mode):
                result.files.append(path)
            else:
                result.skipped.append((path, "not a regular file"))
        pending.extend(reversed(folders))  # depth first, in name order
    result.files.sort()
    return result


def walk(root: str | Path, *, include_hidden: bool = False) -> tuple[list[Path], list[Skipped]]:
    """Every regular file under `root` (sorted), and what was skipped with why
    (ignored entries, unreadable folders and entries included)."""
    found = scan(root, include_hidden=include_hidden)
    return found.files, found.skipped + found.ignored + found.unreadable


def safe_walk(root: str | Path) -> Iterator[Path]:
    """The files of `walk(root)`, for callers that do not report skips."""
    files, _ = walk(root)
    yield from files
