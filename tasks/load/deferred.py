"""Keys and indexes built after the rows, for tables this load created (as pg_restore does).

A unique index built once from sorted rows is much cheaper than one insert into a
B-tree per row, and a foreign key validated by one join is much cheaper than one
lookup per row. So for the tables `--create` made a moment ago (empty, and ours),
their primary keys, unique and exclusion constraints, foreign keys and indexes
are taken off before the load and put back, exactly as PostgreSQL reported them
(pg_get_constraintdef, pg_get_indexdef), in the same transaction as the table's
COPY: the table commits with every constraint validated, or rolls back. NOT NULL
and CHECK constraints stay on during the COPY. Tables that existed before the load
are never altered this way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.load.ddl import quote


@dataclass
class Deferred:
    """What was taken off one table, as the statements that put it back."""

    table: str
    keys: list[str] = field(default_factory=list)  # ADD CONSTRAINT ... PRIMARY KEY / UNIQUE / EXCLUDE
    indexes: list[str] = field(default_factory=list)  # CREATE INDEX ...
    foreign_keys: list[str] = field(default_factory=list)  # ADD CONSTRAINT ... FOREIGN KEY
    restored: bool = False

    def statements(self) -> list[str]:
        return [*self.keys, *self.indexes, *self.foreign_keys]


_CONSTRAINTS = """
SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype = 'f', oid
"""
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY i.indexrelid
"""


def deferrable_tables(created: list[str], edges: dict[str, set[str]], cycles: set[str]) -> set[str]:
    """Created tables outside cycles that no other table's foreign key pins (their keys can go)."""
    chosen = {t for t in created if t in edges and t not in cycles}
    changed = True
    while changed:
        changed = False
        for child, parents in edges.items():
            if child in chosen:
                continue
            pinned = parents & chosen
            if pinned:
                chosen -= pinned
                changed = True
    return chosen


def take_off(conn: Any, tables: set[str]) -> dict[str, Deferred]:
    """Drop the keys, foreign keys and indexes of `tables` (one transaction); what puts them back."""
    found = {t: Deferred(table=t) for t in sorted(tables)}
    drops_fk, drops_key, drops_index = [], [], []
    for table, deferred in found.items():
        for name, kind, definition in conn.execute(_CONSTRAINTS, (quote(table),)).fetchall():
            add = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
            drop = f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}"
            if kind == "f":
                deferred.foreign_keys.append(add)
                drops_fk.append(drop)
            else:
                deferred.keys.append(add)
                drops_key.append(drop)
        for name, definition in conn.execute(_INDEXES, (quote(table),)).fetchall():
            deferred.indexes.append(definition)
            drops_index.append(f"DROP INDEX {name}")
    with conn.transaction():
        for sql in (*drops_fk, *drops_key, *drops_index):
            conn.execute(sql)
    return found


def put_back(cursor: Any, deferred: Deferred) -> None:
    """Re-create what was taken off, on the caller's transaction (validating the loaded rows)."""
    for sql in deferred.statements():
        cursor.execute(sql)
