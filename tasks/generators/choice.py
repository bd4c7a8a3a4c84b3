"""Choices: weighted enums (CHECK (status IN (...))), constants, colours, nulls."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tasks.generator_runtime.kernel import (
    arrow_type,
    bool_array,
    num_array,
    str_array,
    take,
    weighted_draw,
    weighted_table,
)
from tasks.generators.registry import generator


def enum_output(p):
    values = p.get("values") or []
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int64"
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float64"
    return "string"


def enum_values(values, n_index):
    """The enum's values as an Arrow array, taken at `n_index`."""
    if values and all(isinstance(v, bool) for v in values):
        return bool_array(np.array(values, dtype=bool)[n_index])
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return num_array(np.array(values, dtype=np.int64)[n_index], "int64")
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return num_array(np.array(values, dtype=np.float64)[n_index], "float64")
    return take(str_array([str(v) for v in values]), n_index)


@generator("choice.enum", output=enum_output, fits=("string", "integer", "float", "boolean"),
           params={"values": ["a", "b", "c"], "weights": None}, low_cardinality=True,
           helpers=(enum_values,))
def gen_enum(b, p):
    """One of `values`, drawn with `weights` (uniform without) through a lookup table."""
    values = list(p["values"])
    table = weighted_table(p.get("weights") or [1.0] * len(values))
    return enum_values(values, weighted_draw(b.rng, b.n, table))


@generator("choice.constant", output=enum_output, fits=("string", "integer", "float", "boolean"),
           params={"values": ["x"]}, low_cardinality=True, helpers=(enum_values,))
def gen_constant(b, p):
    """The same value in every row (the first of `values`)."""
    return enum_values(list(p["values"])[:1], np.zeros(b.n, dtype=np.int64))


def null_output(p):
    return p.get("type") or "string"


@generator("choice.null", output=null_output, fits=("string", "integer", "float", "boolean", "date",
           "datetime", "json", "binary", "uuid", "decimal", "time"), params={"type": "string"},
           low_cardinality=True)
def gen_null(b, p):
    """NULL in every row (columns the schema keeps but the test does not need)."""
    return pa.nulls(b.n, arrow_type(p.get("type") or "string"))


@generator("choice.color", output="string", pools=("color_name",), low_cardinality=True)
def gen_color(b, p):
    """Colour name in the locale's language."""
    pool = b.pool("color_name")
    return take(pool, b.rng.integers(0, len(pool), b.n))
