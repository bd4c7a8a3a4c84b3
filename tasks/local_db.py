"""The SQLite files qaflow keeps next to a store (the rag manifest, the lexical index).

Both are shared by the threads of one process and written by one sync at a time,
so they open the same way: autocommit (transactions are explicit), WAL so readers
never wait for the writer, and a long busy timeout for a second process.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_local_db(path: Path, schema: str) -> sqlite3.Connection:
    """A connection to `path` (folders created) with `schema` applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(schema)
    return db
