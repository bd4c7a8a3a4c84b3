"""A record of the rendered modules that passed `check_module`, so the same text is checked once.

Reading a rendered module back into an AST is most of what rendering costs (about
45 ms for each table's 1,500-line module, a quarter of a default `mockdata
generate`'s set-up), and a schema renders the same text every run. The check's
verdict depends only on the module's text and what it was meant to say, so a
marker file named by the SHA-256 of all three stands for "passed before".

The markers are trusted like the value-pool cache: only files this user owns and
nobody else can write, in a folder nobody else can write (whoever could plant one
could make a module skip its check). Anything else, or any error, means the check
simply runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from tasks.generator_runtime.pools import trusted
from tasks.paths import CHECKED_MODULES, state_dir

VERSION = b"check_module v1\0"  # change it when check_module checks something new: older markers stop counting


def verdict_key(code: str, docstring: str, values: dict[str, Any]) -> str:
    """What the verdict is about: the text, the docstring meant, and the data tables meant."""
    digest = hashlib.sha256(VERSION)
    for part in (code, docstring, repr(sorted(values.items()))):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _folder(root: Path | None) -> Path | None:
    try:
        folder = Path(root).joinpath(*CHECKED_MODULES) if root is not None else state_dir(*CHECKED_MODULES)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if trusted(folder, folder=True) else None


def passed_before(key: str, root: Path | None = None) -> bool:
    """Whether a trusted marker says this exact module passed its check."""
    folder = _folder(root)
    return folder is not None and trusted(folder / key)


def remember(key: str, root: Path | None = None) -> None:
    """Leave the marker of a module that just passed (best effort: a cache only saves time)."""
    folder = _folder(root)
    if folder is None:
        return
    with contextlib.suppress(OSError):  # there already, or an unwritable home: the check runs again next time
        os.close(os.open(folder / key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
