"""The manifest: what the store holds for each file, in SQLite next to the store.

One row per indexed file (path, size, mtime_ns, sha256, chunk ids, chunker
config, model name and version). A row is written only after the file's
chunks are in the store, in one transaction, so the manifest never claims
chunks the store lacks.

The other direction, chunks the manifest does not know (a run killed between
the store write and the commit), is covered by the `pending` journal: a path
is journaled (committed) before its store writes start and cleared in the same
transaction that commits its row. A journal entry left behind means the store
may hold anything for that path; the next sync deletes the path's chunks by
metadata and indexes the file afresh.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tasks.local_db import open_local_db

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    config_key TEXT NOT NULL,
    model TEXT NOT NULL,
    model_version TEXT NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE TABLE IF NOT EXISTS pending (
    path TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    started_at REAL NOT NULL
);
"""


@dataclass(slots=True)
class FileRecord:
    """One manifest row."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    chunk_ids: list[str] = field(default_factory=list)
    config_key: str = ""
    model: str = ""
    model_version: str = ""
    indexed_at: float = 0.0

    def same_index(self, config_key: str, model: str, model_version: str) -> bool:
        """Whether this row was indexed with the given chunker config and model."""
        return (self.config_key, self.model, self.model_version) == (config_key, model, model_version)


def _row(row: sqlite3.Row | tuple) -> FileRecord:
    path, size, mtime_ns, sha, ids, config_key, model, version, indexed_at = row
    return FileRecord(path, size, mtime_ns, sha, json.loads(ids), config_key, model, version, indexed_at)


class Manifest:
    """The manifest of one collection; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = open_local_db(self.path, SCHEMA)

    # -- reading ----------------------------------------------------------------
    def get(self, path: str) -> FileRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        return _row(row) if row else None

    def records(self, under: str | None = None) -> Iterator[FileRecord]:
        """All rows, or those whose path is `under` (a folder, as a '/'-ended prefix)."""
        with self._lock:
            if under is None:
                rows = self._db.execute("SELECT * FROM files ORDER BY path").fetchall()
            else:
                prefix = under.rstrip("/") + "/"
                rows = self._db.execute(
                    "SELECT * FROM files WHERE substr(path, 1, ?) = ? ORDER BY path", (len(prefix), prefix)
                ).fetchall()
        for row in rows:
            yield _row(row)

    def count(self) -> tuple[int, int]:
        """(files, chunks) recorded."""
        with self._lock:
            rows = self._db.execute("SELECT chunk_ids FROM files").fetchall()
        return len(rows), sum(len(json.loads(ids)) for (ids,) in rows)

    def pending(self) -> list[tuple[str, str]]:
        """Journal entries a killed run left behind: (path, action)."""
        with self._lock:
            return list(self._db.execute("SELECT path, action FROM pending ORDER BY path"))

    # -- writing ------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def begin(self, paths: Iterable[str], action: str) -> None:
        """Journal `paths` before their store writes start (committed at once)."""
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO pending (path, action, started_at) VALUES (?, ?, ?)",
                [(path, action, now) for path in paths],
            )

    def commit(self, records: Iterable[FileRecord] = (), removed: Iterable[str] = (), done: Iterable[str] = ()) -> None:
        """One transaction: write `records`, drop the rows of `removed`, clear the journal of `done`."""
        now = time.time()
        with self.transaction() as db:
            db.executemany("DELETE FROM files WHERE path = ?", [(path,) for path in removed])
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (r.path, r.size, r.mtime_ns, r.sha256, json.dumps(r.chunk_ids), r.config_key, r.model,
                     r.model_version, r.indexed_at or now)
                    for r in records
                ],
            )
            db.executemany("DELETE FROM pending WHERE path = ?", [(path,) for path in done])

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        """Record a new mtime for a file whose content did not change."""
        with self.transaction() as db:
            db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path))

    def close(self) -> None:
        with self._lock:
            self._db.close()
