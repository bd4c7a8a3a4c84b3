"""Exclusive bounds made inclusive, shared by the readers (`x > 5` in a CHECK, `exclusiveMinimum: 5`)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from tasks.schema.spec import ColumnSpec


def step_past(col: ColumnSpec, value: Any, direction: int) -> Any:
    """The first value past an exclusive bound, in the column's own resolution."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return value  # inf/NaN: dropped with a warning once the schema is read (finite.py)
        if col.type == "integer":
            return math.floor(value) + 1 if direction > 0 else math.ceil(value) - 1
        if col.type == "decimal" and col.scale is not None:
            return round(value + direction * 10 ** (-col.scale), col.scale)
        return math.nextafter(float(value), math.inf if direction > 0 else -math.inf)
    if isinstance(value, str) and col.type == "date":
        try:
            return (dt.date.fromisoformat(value) + dt.timedelta(days=direction)).isoformat()
        except ValueError:
            return value
    return value
