"""Non-finite numbers (inf, -inf, NaN) dropped from a schema, each with a warning.

They enter easily: JSON Schema's `maximum: 1e999` parses as inf, YAML has
`.inf` and `.nan`, a DDL `CHECK (x < 1e999)` and a Parquet sample holding inf
give infinite bounds. No generator can draw from an infinite range and no
literal in a rendered module can hold one, so every reader's result passes
through `drop_non_finite`: an infinite bound means "no bound" and is dropped,
as are a NaN default, NaN or infinite enum values (with their weights), unusable
enum weights and generator parameters; each drop is a warning naming the
table, the column and the field.
"""

from __future__ import annotations

import math
from typing import Any

from tasks.schema.spec import ColumnSpec, SchemaSpec


def is_finite_data(value: Any) -> bool:
    """True when no float inside `value` (lists, dicts, nested) is inf or NaN."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return True


def _column(table: str, col: ColumnSpec, warnings: list[str]) -> ColumnSpec:
    where = f"{table}.{col.name}"
    update: dict[str, Any] = {}
    for field in ("min", "max", "default"):
        value = getattr(col, field)
        if not is_finite_data(value):
            update[field] = None
            what = "no bound" if field != "default" else "no default"
            warnings.append(f"{where}: {field} {value!r} is not a finite number; ignored ({what})")
    if col.enum is not None:
        keep = [i for i, v in enumerate(col.enum) if is_finite_data(v)]
        if len(keep) < len(col.enum):
            dropped = [v for v in col.enum if not is_finite_data(v)]
            warnings.append(f"{where}: enum value(s) {', '.join(map(repr, dropped))}: not a finite number; "
                            "dropped")
            update["enum"] = [col.enum[i] for i in keep] or None
            if col.enum_weights is not None and len(col.enum_weights) == len(col.enum):
                update["enum_weights"] = [col.enum_weights[i] for i in keep] or None
    weights = update.get("enum_weights", col.enum_weights)
    if weights is not None and not is_finite_data(weights):
        update["enum_weights"] = None
        warnings.append(f"{where}: enum_weights {weights!r}: not a finite number; "
                        "ignored (values drawn evenly)")
    bad = [key for key, value in col.params.items() if not is_finite_data(value)]
    if bad:
        update["params"] = {k: v for k, v in col.params.items() if k not in bad}
        warnings.append(f"{where}: params {', '.join(f'{k}={col.params[k]!r}' for k in bad)}: "
                        "not a finite number; ignored (the generator's defaults apply)")
    return col.model_copy(update=update) if update else col


def drop_non_finite(spec: SchemaSpec) -> SchemaSpec:
    """The schema without inf/NaN anywhere a generator would read a number; a warning per drop."""
    warnings: list[str] = []
    tables = []
    for table in spec.tables:
        columns = [_column(table.name, col, warnings) for col in table.columns]
        tables.append(table.model_copy(update={"columns": columns}) if columns != table.columns else table)
    if not warnings:
        return spec
    return spec.model_copy(update={"tables": tables, "warnings": [*spec.warnings, *warnings]})
