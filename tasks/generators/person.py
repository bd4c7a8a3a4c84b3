"""People: names in the locale's own script, user names, phone numbers, ages.

Names are drawn as indices into the locale's name pools and remembered in the
batch, so e-mail, user-name and full-name columns of the same row are derived
from the same person.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from tasks.generator_runtime.kernel import (
    bool_array,
    join,
    num_array,
    pick_formats,
    str_array,
    take,
    unique_suffix,
    weighted_draw,
    weighted_table,
)
from tasks.generators.registry import generator


def name_index(b, column, key, pool):
    """The pool index of the row's first or last name: from a name column of the row, else drawn."""
    aux = b.aux.get(column) if column else None
    if aux is not None and key in aux:
        return aux[key]
    if column is None:
        for other in b.aux.values():  # any name column already made in this row
            if key in other:
                return other[key]
    return b.rng.integers(0, len(b.pool(pool)), b.n)


@generator("person.first_name", output="string", pools=("first_name",), low_cardinality=True)
def gen_first_name(b, p):
    """Given name in the locale's script (Hangul for ko_KR, kanji for ja_JP)."""
    pool = b.pool("first_name")
    idx = b.rng.integers(0, len(pool), b.n)
    b.aux[b.column] = {"first": idx}
    return take(pool, idx)


@generator("person.last_name", output="string", pools=("last_name",), low_cardinality=True)
def gen_last_name(b, p):
    """Family name in the locale's script."""
    pool = b.pool("last_name")
    idx = b.rng.integers(0, len(pool), b.n)
    b.aux[b.column] = {"last": idx}
    return take(pool, idx)


@generator("person.full_name", output="string", pools=("first_name", "last_name"),
           params={"first_name": None, "last_name": None}, depends=("first_name", "last_name"),
           helpers=(name_index,))
def gen_full_name(b, p):
    """Full name in the locale's order (family name first, no space, for ko_KR)."""
    first = take(b.pool("first_name"), name_index(b, p["first_name"], "first", "first_name"))
    last = take(b.pool("last_name"), name_index(b, p["last_name"], "last", "last_name"))
    order = {"ko_KR": ("last", ""), "ja_JP": ("last", " "), "zh_CN": ("last", "")}
    lead, sep = order.get(b.pools.locale, ("first", " "))
    return join([last, first] if lead == "last" else [first, last], sep)


@generator("person.username", output="string", pools=("first_name_slug", "last_name_slug"),
           params={"first_name": None, "last_name": None}, depends=("first_name", "last_name"),
           unique="native", helpers=(name_index,))
def gen_username(b, p):
    """Login name from the row's names (ASCII, romanized), e.g. jsmith42; unique when asked."""
    first = take(b.pool("first_name_slug"), name_index(b, p["first_name"], "first", "first_name"))
    last = take(b.pool("last_name_slug"), name_index(b, p["last_name"], "last", "last_name"))
    initial = pc.utf8_slice_codeunits(first, 0, 1)
    style = b.rng.integers(0, 3, b.n)
    head = join([initial, last])
    head = pc.if_else(bool_array(style == 1), join([first, last], "_"), head)
    head = pc.if_else(bool_array(style == 2), join([first, last], "."), head)
    if p.get("unique"):
        return join([head, unique_suffix(b.rows, b.key, 6)])
    digits = str_array([str(i) for i in range(100)] + [""] * 100)
    return join([head, take(digits, b.rng.integers(0, 200, b.n))])


@generator("person.phone", output="string", pools=("phone_format",))
def gen_phone(b, p):
    """Phone number in one of the locale's formats (010-####-#### in ko_KR)."""
    return pick_formats(b.rng, b.n, b.pools.values("phone_format"))


@generator("person.gender", output="string", params={"values": ["female", "male", "nonbinary"],
           "weights": [0.49, 0.49, 0.02]}, low_cardinality=True)
def gen_gender(b, p):
    """Gender from a weighted list of values."""
    table = weighted_table(p["weights"] or [1.0] * len(p["values"]))
    return take(str_array([str(v) for v in p["values"]]), weighted_draw(b.rng, b.n, table))


@generator("person.birth_date", output="date32", fits=("date", "datetime"),
           params={"min_age": 18, "max_age": 90, "reference": "2026-01-01", "min": None, "max": None})
def gen_birth_date(b, p):
    """Birth date of an adult aged min_age..max_age on the reference date, within min/max when set."""
    ref = int(np.datetime64(p["reference"], "D").astype(np.int64))
    lo = ref - int(p["max_age"] * 365.25)
    hi = ref - int(p["min_age"] * 365.25)
    if p.get("min") is not None:
        lo = max(lo, int(np.datetime64(str(p["min"])[:10], "D").astype(np.int64)))
    if p.get("max") is not None:
        hi = min(hi, int(np.datetime64(str(p["max"])[:10], "D").astype(np.int64)))
    if hi < lo:
        lo, hi = min(lo, hi), max(lo, hi)
    return num_array(b.rng.integers(lo, hi + 1, b.n), "date32")


@generator("person.age", output="int64", fits=("integer",), params={"min": 18, "max": 90})
def gen_age(b, p):
    """Age in whole years, skewed towards working age."""
    lo, hi = int(p["min"]), int(p["max"])
    ages = np.clip(np.round(b.rng.normal((lo + hi) / 2.3, (hi - lo) / 4.0, b.n)), lo, hi)
    return num_array(ages.astype(np.int64), "int64")
