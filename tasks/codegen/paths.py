"""Where a table's files go under the output folder, and nowhere else.

Table names come from schema files other people wrote; a table called `..`,
`/home/me` or `../../x` must not become a path. Each table gets a folder name
(a slug): the name itself when it is a plain, safe file name, otherwise its
safe characters plus a short hash of the real name, so two tables never share
a folder (names that differ only by case included). The real name stays in the
data, in mapping.yaml and in the run's summary.

Everything written, moved or removed under `--out` goes through `inside`,
which refuses a path that is not strictly below the output folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

MAX_SLUG_BYTES = 80  # + "-" + hash + "_generator.py" + a temporary name's prefix and suffix < 255
GENERATORS_DIR = "generators"
# Names the output folder uses itself, and device names Windows refuses as file names.
RESERVED = frozenset({GENERATORS_DIR, "mapping.yaml", "con", "prn", "aux", "nul",
                      *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
_HASH_LENGTHS = (0, 8, 16, 64)  # hex digits of the name's hash, by level


class UnsafePath(ValueError):
    """A path that would leave the output folder; the message names both."""


def _clean(name: str) -> str:
    """The safe characters of a name: letters and digits (any script), `_`, `-` and inner dots."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in text)
    text = text.strip(".").lstrip("-")
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_SLUG_BYTES:
        text = encoded[:MAX_SLUG_BYTES].decode("utf-8", errors="ignore").rstrip(".")
    return text


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", errors="surrogatepass")).hexdigest()


def _reserved(slug: str) -> bool:
    folded = slug.casefold()
    return folded in RESERVED or folded.split(".")[0] in RESERVED or folded.startswith(".staging")


def table_slug(name: str, level: int = 0) -> str:
    """A safe file name for one table: the name when it is one already, else clean text + a hash.

    A higher `level` (1-3) adds or lengthens the hash (8, 16, 64 hex digits) to
    break a clash between the folder names of two tables.
    """
    clean = _clean(name)
    plain = clean == name and bool(clean) and not _reserved(clean)
    length = _HASH_LENGTHS[min(max(level, 0 if plain else 1), len(_HASH_LENGTHS) - 1)]
    return f"{clean or 'table'}-{_digest(name)[:length]}" if length else name


def table_folders(names: Iterable[str]) -> dict[str, str]:
    """Table name -> folder name for all tables of a run: safe, and distinct even ignoring case.

    The answer depends on the set of names, not their order, so the flow, `codegen`
    and `mockdata load` (which reads the folders back) agree on every folder.
    """
    names = list(dict.fromkeys(names))
    level = dict.fromkeys(names, 0)
    for _ in range(len(_HASH_LENGTHS)):
        slugs = {name: table_slug(name, level[name]) for name in names}
        groups: dict[str, list[str]] = {}
        for name, slug in slugs.items():
            groups.setdefault(slug.casefold(), []).append(name)
        clashes = [name for group in groups.values() if len(group) > 1 for name in group]
        if not clashes:
            return slugs
        for name in clashes:
            level[name] += 1
    # names chosen to collide with other tables' hashes: number them all
    return {name: f"{table_slug(name, len(_HASH_LENGTHS))}-{i}" for i, name in enumerate(names)}


def module_file(slug: str) -> str:
    """The rendered generator module's file name for a table folder name."""
    return f"{slug}_generator.py"


def inside(root: str | os.PathLike, path: str | os.PathLike) -> Path:
    """`path` (absolute, or relative to the working folder) if it lies strictly below `root`.

    The parent is resolved (links followed), the last part is not: the path that
    is checked is the path that is then written, renamed or removed.
    """
    base = Path(root).resolve()
    full = Path(os.path.abspath(path))
    candidate = full.parent.resolve() / full.name
    if full.name in ("", ".", "..") or candidate == base or not candidate.is_relative_to(base):
        raise UnsafePath(f"{path} is not inside the output folder {base}; refusing to touch it")
    return candidate


def remove_inside(root: str | os.PathLike, path: str | os.PathLike) -> None:
    """Remove a file, a link (not its target) or a folder tree, only if it lies below `root`."""
    target = inside(root, path)
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)


def move_inside(root: str | os.PathLike, source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Rename `source` to `target`, replacing what is there, both below `root`."""
    src = inside(root, source)
    dst = inside(root, target)
    if dst.is_symlink() or dst.exists():
        remove_inside(root, dst)
    src.rename(dst)
    return dst
