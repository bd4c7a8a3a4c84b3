"""Checks that cross tables: every foreign key must point at a real column.

Run by every reader once all tables are known, so a typo in a referenced table
fails at read time with both table names, not later as orphan rows.
"""

from __future__ import annotations

from typing import Any

from tasks.schema.errors import SchemaError
from tasks.schema.spec import ColumnSpec, SchemaSpec

# Types whose values a foreign key can copy from a parent of another type without surprise.
_KEY_FAMILIES = {"integer": "number", "decimal": "number", "float": "number"}


def column_problem(col: ColumnSpec) -> tuple[str, str] | None:
    """(field, why) for a column whose constraints contradict each other, else None."""
    if col.enum_weights is not None:
        if not col.enum or len(col.enum_weights) != len(col.enum):
            return "enum_weights", f"needs one weight per enum value ({len(col.enum or [])}), got {len(col.enum_weights)}"
        if any(w < 0 for w in col.enum_weights) or not sum(col.enum_weights) > 0:
            return "enum_weights", "weights must be >= 0 and not all 0"
    if col.min is not None and col.max is not None and _greater(col.min, col.max):
        return "min", f"min {col.min!r} is greater than max {col.max!r}"
    if col.min_length is not None and col.max_length is not None and col.min_length > col.max_length:
        return "min_length", f"min_length {col.min_length} is greater than max_length {col.max_length}"
    if col.scale is not None and col.precision is not None and col.scale > col.precision:
        return "scale", f"scale {col.scale} is greater than precision {col.precision}"
    return None


def _greater(a: Any, b: Any) -> bool:
    try:
        return bool(a > b)
    except TypeError:
        return False


def check_schema(schema: SchemaSpec) -> SchemaSpec:
    """Raise SchemaError for duplicate names, a bad primary key, contradicting constraints or a
    dangling foreign key; note a foreign key whose type differs from its parent's."""
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
            problem = column_problem(col)
            if problem is not None:
                raise SchemaError(f"column {table.name}.{col.name}: {problem[1]}", file=schema.source)
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
            target = parent.column(fk.column)
            if _KEY_FAMILIES.get(col.type, col.type) != _KEY_FAMILIES.get(target.type, target.type):
                note = (
                    f"{table.name}.{col.name} is {col.type} but references {fk.table}.{fk.column} "
                    f"({target.type}); it takes the parent's values"
                )
                if note not in schema.warnings:
                    schema.warnings.append(note)
    return schema
