"""Keys: sequences, UUIDs, codes, barcodes, foreign keys into a parent table, and
the members of composite primary keys.

Key generators are pure functions of (seed, table, column, global row number):
unique across shards by construction (a keyed bijection of the row number, no
rejection), and re-derivable, so a child table draws a parent row number and
computes that row's key without reading the parent's files.
"""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import (
    DIGITS,
    U64,
    base36,
    constant,
    digit_matrix,
    fixed_strings,
    join,
    key_digit,
    mix64,
    num_array,
    permute,
    uuid_array,
)
from tasks.generators.registry import generator, get


@generator("id.sequence", output="int64", fits=("integer",), params={"start": 1, "step": 1},
           unique="native", keyed=True)
def gen_sequence(b, p):
    """start, start+step, ... by global row number: the usual surrogate primary key."""
    return num_array(int(p["start"]) + b.rows.astype(np.int64) * int(p["step"]), "int64")


@generator("id.uuid4", output="uuid", fits=("uuid", "string"), unique="native", keyed=True)
def gen_uuid4(b, p):
    """Random-looking version-4 UUID, unique per row (stored as Parquet's 16-byte UUID)."""
    hi = mix64(b.rows, b.key)
    lo = permute(b.rows, 1 << 62, b.key ^ 0x5DEECE66D)
    return uuid_array(hi, lo)


@generator("id.code", output="string", params={"prefix": "", "width": 8}, unique="native", keyed=True)
def gen_code(b, p):
    """Prefixed base-36 code (CUST-0k3x9a2b), unique per row."""
    width = int(p["width"])
    body = fixed_strings(base36(permute(b.rows, 36**width, b.key), width))
    if p.get("prefix"):
        return join([constant(str(p["prefix"]), b.n), body])
    return body


@generator("id.unique_int", output="int64", fits=("integer",), params={"min": 1, "max": 2**53},
           unique="native", keyed=True)
def gen_unique_int(b, p):
    """Distinct integers scattered over [min, max] (a keyed permutation of the row number)."""
    lo, hi = int(p["min"]), int(p["max"])
    size = hi - lo + 1
    if len(b.rows) and int(b.rows.max()) >= size:
        raise ValueError(f"column {b.column}: {int(b.rows.max()) + 1} rows do not fit unique values in [{lo}, {hi}]")
    return num_array(permute(b.rows, size, b.key).astype(np.int64) + lo, "int64")


def check_digits(digits):
    """EAN/ISBN-13 check digit for an (n, 12) matrix of digit values."""
    weights = np.tile([1, 3], 6)
    return (10 - (digits * weights).sum(axis=1) % 10) % 10


@generator("id.ean13", output="string", unique="native", helpers=(check_digits,))
def gen_ean13(b, p):
    """EAN-13 barcode with a valid check digit; unique when asked."""
    if p.get("unique"):
        body = digit_matrix(permute(b.rows, 10**12, b.key), 12) - ord("0")
    else:
        body = b.rng.integers(0, 10, (b.n, 12)).astype(np.uint8)
    full = np.concatenate([body, check_digits(body.astype(np.int64))[:, None].astype(np.uint8)], axis=1)
    return fixed_strings(DIGITS[full])


@generator("id.isbn13", output="string", helpers=(check_digits,))
def gen_isbn13(b, p):
    """ISBN-13 (978 prefix) with a valid check digit."""
    body = np.concatenate([np.tile(np.array([9, 7, 8], dtype=np.uint8), (b.n, 1)),
                           b.rng.integers(0, 10, (b.n, 9)).astype(np.uint8)], axis=1)
    full = np.concatenate([body, check_digits(body.astype(np.int64))[:, None].astype(np.uint8)], axis=1)
    return fixed_strings(DIGITS[full])


def fk_output(p):
    return get(p["target"]).arrow_type(p.get("target_params") or {})


def key_part_output(p):
    return {"day": "date32", "second": "timestamp[us]"}.get(p.get("unit") or "int", "int64")


@generator("id.key_part", output=key_part_output, fits=("integer", "date", "datetime"),
           params={"min": 1, "max": None, "composite": None, "unit": "int"})
def gen_key_part(b, p):
    """A column of a composite key (a line number, a date, a timestamp): no two rows share the whole key.

    `min` and `max` count in `unit`: integers, days since 1970 (dates) or seconds since 1970 (timestamps).
    """
    if not p.get("composite"):
        raise ValueError(f"column {b.column}: id.key_part belongs to a composite key (set by the mapping)")
    values = key_digit(b, p["composite"]).astype(np.int64) + int(p["min"])
    unit = p.get("unit") or "int"
    if unit == "second":
        return num_array(values * 1_000_000, "timestamp[us]")
    return num_array(values, "date32" if unit == "day" else "int64")


def unique_datetime_output(p):
    return "date32" if p.get("unit") == "day" else "timestamp[us]"


@generator("id.unique_datetime", output=unique_datetime_output, fits=("date", "datetime"),
           params={"min": "2020-01-01T00:00:00", "max": "2026-01-01T00:00:00", "unit": "second"},
           unique="native", keyed=True)
def gen_unique_datetime(b, p):
    """Distinct dates or whole-second timestamps scattered over [min, max] (a keyed permutation of the row)."""
    day = p.get("unit") == "day"
    lo = int(np.datetime64(str(p["min"]).replace("Z", "")[: 10 if day else 19], "D" if day else "s").astype(np.int64))
    hi = int(np.datetime64(str(p["max"]).replace("Z", "")[: 10 if day else 19], "D" if day else "s").astype(np.int64))
    span = hi - lo + 1
    if len(b.rows) and int(b.rows.max()) >= span:
        raise ValueError(f"column {b.column}: {int(b.rows.max()) + 1} rows do not fit distinct "
                         f"{'dates' if day else 'timestamps'} between {p['min']} and {p['max']}")
    values = permute(b.rows, span, b.key).astype(np.int64) + lo
    return num_array(values, "date32") if day else num_array(values * 1_000_000, "timestamp[us]")


@generator("id.foreign_key", output=fk_output, fits=("integer", "string", "uuid"),
           params={"table": None, "column": None, "rows": 1, "target": "id.sequence",
                   "target_params": {}, "skew": 0.0, "composite": None, "unique": False},
           unique="native", keyed=True)
def gen_foreign_key(b, p):
    """A key of an existing parent row: draws a parent row number, re-derives that row's key.

    With skew > 0 some parents get many children (a power law over parent rows). With
    `unique` (a primary key or UNIQUE column that is also a foreign key: a 1:1 relation)
    each row gets its own parent row, a keyed permutation of the row number.
    """
    rows = int(p["rows"])
    if rows <= 0:
        raise ValueError(f"column {b.column}: parent table {p['table']} has no rows")
    if p.get("composite"):  # a member of the table's composite primary key
        picked = key_digit(b, p["composite"]).astype(np.int64)
    elif p.get("unique"):
        if len(b.rows) and int(b.rows.max()) >= rows:
            raise ValueError(f"column {b.column}: a 1:1 key into {p['table']} ({rows:,} rows) cannot give "
                             f"{int(b.rows.max()) + 1:,} rows distinct parents")
        picked = permute(b.rows, rows, b.key).astype(np.int64)
    elif float(p.get("skew") or 0) > 0:
        picked = np.minimum((rows * b.rng.random(b.n) ** (1 + float(p["skew"]))).astype(np.int64), rows - 1)
    else:
        picked = b.rng.integers(0, rows, b.n)
    parent = b.at_rows(picked.astype(U64), p["table"], p["column"])
    return b.registry[p["target"]](parent, p.get("target_params") or {})
