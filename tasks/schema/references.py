"""Checks that cross tables: every foreign key must point at a real column.

Run by every reader once all tables are known, so a typo in a referenced table
fails at read time with both table names, not later as orphan rows.
"""

from __future__ import annotations

from tasks.schema.errors import SchemaError
from tasks.schema.spec import SchemaSpec


def check_schema(schema: SchemaSpec) -> SchemaSpec:
    """Raise SchemaError for duplicate names, a bad primary key or a dangling foreign key."""
    seen: set[str] = set()
    for table in schema.tables:
        if table.name in seen:
            raise SchemaError(f"table {table.name!r} is defined twice", file=schema.source)
        seen.add(table.name)
        names = [c.name for c in table.columns]
        if not names:
            raise SchemaError(f"table {table.name!r} has no columns", file=schema.source)
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SchemaError(
                f"table {table.name!r} defines column(s) {', '.join(dupes)} more than once",
                file=schema.source,
            )
        for key in table.primary_key:
            if key not in names:
                raise SchemaError(
                    f"table {table.name!r}: primary key column {key!r} does not exist",
                    file=schema.source,
                )
    tables = {t.name: t for t in schema.tables}
    for table in schema.tables:
        for col in table.columns:
            fk = col.foreign_key
            if fk is None:
                continue
            parent = tables.get(fk.table)
            if parent is None:
                raise SchemaError(
                    f"foreign key {table.name}.{col.name} references table {fk.table!r}, "
                    f"which is not defined in this schema (tables: {', '.join(tables)})",
                    file=schema.source,
                )
            if fk.column not in {c.name for c in parent.columns}:
                raise SchemaError(
                    f"foreign key {table.name}.{col.name} references {fk.table}.{fk.column}, "
                    f"but table {fk.table!r} has no column {fk.column!r}",
                    file=schema.source,
                )
    return schema
