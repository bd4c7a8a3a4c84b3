"""The vectorised building blocks every generator stands on.

This module is copied verbatim into each rendered `<table>_generator.py`, so it
imports only numpy, pyarrow and the standard library. Arrow arrays are built
from numpy buffers directly: `pa.array(...)`, `pa.scalar(...)` and
`Array.to_numpy()` import pandas behind the scenes (~0.3 s per process).
"""

from __future__ import annotations

import json
import re
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

U64 = np.uint64
MASK64 = (1 << 64) - 1

# Arrow types by the short names the registry and the rendered modules use.
_FIXED_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
    "timestamp[us]": pa.timestamp("us"),
    "timestamp[us, tz=UTC]": pa.timestamp("us", tz="UTC"),
    "time64[us]": pa.time64("us"),
    "uuid": pa.uuid(),
    "binary": pa.binary(),
}
_DECIMAL = re.compile(r"decimal128\((\d+),\s*(\d+)\)")


def arrow_type(name: str) -> pa.DataType:
    """The Arrow type for a short type name (`int64`, `decimal128(10,2)`, `uuid`, ...).

    Nested types (JSON Schema objects and arrays) are written as JSON: see nested_arrow.
    """
    if name in _FIXED_TYPES:
        return _FIXED_TYPES[name]
    if name[:1] in ("{", "["):
        return nested_arrow(json.loads(name))
    match = _DECIMAL.fullmatch(name)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    raise ValueError(f"unknown arrow type {name!r}")


# Field metadata of nested members: a NULL "omit" member is left out of JSON output (an optional
# property); the members of a "variant" struct are oneOf/anyOf branches, exactly one set per row.
FIELD_FLAGS = {"omit": {"qaflow.omit": "1"}, "variant": {"qaflow.variant": "1"}}


def nested_arrow(shape) -> pa.DataType:
    """The Arrow type of a nested shape: a short name, {"list": shape} or {"struct": [[name, shape, flag]]}."""
    if isinstance(shape, str):
        return arrow_type(shape)
    if "list" in shape:
        return pa.list_(pa.field("item", nested_arrow(shape["list"])))
    return pa.struct([pa.field(name, nested_arrow(sub), nullable=True, metadata=FIELD_FLAGS.get(flag))
                      for name, sub, flag in shape["struct"]])


def column_field(col: dict) -> pa.Field:
    """A table column's Arrow field (flagged "omit" when a NULL means the property is absent)."""
    return pa.field(col["name"], arrow_type(col["type"]), nullable=col.get("nullable", True),
                    metadata=FIELD_FLAGS["omit"] if col.get("omit_null") else None)


# ---------------------------------------------------------------- numpy -> Arrow


def str_array(values: list[str]) -> pa.Array:
    """A StringArray from Python strings, without pa.array's pandas import."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def num_array(values: np.ndarray, type_name: str = "int64") -> pa.Array:
    """A fixed-width Arrow array viewing a numpy buffer of the matching dtype."""
    arrow = arrow_type(type_name)
    dtype = {
        "int64": np.int64, "int32": np.int32, "float64": np.float64, "date32": np.int32,
        "timestamp[us]": np.int64, "timestamp[us, tz=UTC]": np.int64, "time64[us]": np.int64,
    }[type_name]
    data = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(arrow, len(data), [None, pa.py_buffer(data)])


def bool_array(mask: np.ndarray) -> pa.Array:
    """A BooleanArray from a numpy bool mask."""
    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def decimal_array(unscaled: np.ndarray, precision: int, scale: int) -> pa.Array:
    """A decimal128 array from int64 unscaled values (value * 10**scale)."""
    lo = np.ascontiguousarray(unscaled, dtype=np.int64)
    words = np.empty((len(lo), 2), dtype=np.int64)
    words[:, 0] = lo
    words[:, 1] = np.where(lo < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(lo), [None, pa.py_buffer(words)])


def float_exact(unscaled: np.ndarray, scale: int, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Unscaled decimals nudged (a unit or a few) so that each value, read as a float, divides by
    10**-scale to a whole number in floating point too.

    JSON readers parse decimals as floats and JSON Schema validators check
    `multipleOf: 0.01` by float division, which fails for ~15% of cent values
    (145200.83 / 0.01 = 14520082.999999998). `low`/`high` (unscaled) bound the nudges.
    """
    out = np.array(unscaled, dtype=np.int64)
    if scale <= 0 or not len(out):
        return out
    unit, step = 10.0**scale, 10.0**-scale

    def exact(values):
        quotient = (values / unit) / step
        return quotient == np.round(quotient)

    todo = np.flatnonzero(~exact(out))
    for delta in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
        if not len(todo):
            break
        candidate = out[todo] + delta
        fits = exact(candidate)
        if low is not None:
            fits &= candidate >= low
        if high is not None:
            fits &= candidate <= high
        out[todo[fits]] = candidate[fits]
        todo = todo[~fits]
    return out


def uuid_array(hi: np.ndarray, lo: np.ndarray) -> pa.Array:
    """UUIDs (RFC 4122 version 4 layout) from two uint64 halves, as Parquet's 16-byte UUID."""
    hi = (np.asarray(hi, dtype=U64) & U64(0xFFFFFFFFFFFF0FFF)) | U64(0x0000000000004000)
    lo = (np.asarray(lo, dtype=U64) & U64(0x3FFFFFFFFFFFFFFF)) | U64(0x8000000000000000)
    raw = np.empty((len(hi), 2), dtype=">u8")
    raw[:, 0] = hi
    raw[:, 1] = lo
    storage = pa.Array.from_buffers(pa.binary(16), len(hi), [None, pa.py_buffer(raw)])
    return pa.ExtensionArray.from_storage(pa.uuid(), storage)


def fixed_strings(chars: np.ndarray) -> pa.Array:
    """A StringArray from an (n, width) uint8 matrix of UTF-8 bytes, one row per value."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        offsets = offsets.astype(np.int32)
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars)])
    big = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars)])
    return big.cast(pa.string())


def longest_bytes(array: pa.Array) -> int:
    """Bytes of the longest value of a string array, from its offsets (no pass over the text)."""
    if not len(array):
        return 0
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width, count=array.offset + len(array) + 1)[array.offset:]
    return int(np.diff(offsets).max())


def numpy_of(array: pa.Array) -> np.ndarray:
    """A numpy view of a fixed-width Arrow array without nulls (no pandas import)."""
    dtype = {
        pa.int64(): np.int64, pa.int32(): np.int32, pa.float64(): np.float64,
        pa.date32(): np.int32, pa.timestamp("us"): np.int64, pa.timestamp("us", tz="UTC"): np.int64,
        pa.time64("us"): np.int64,
    }[array.type]
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=array.offset + len(array))[array.offset:]


def with_nulls(array: pa.Array, valid: np.ndarray) -> pa.Array:
    """The same values with a validity bitmap (False = NULL); the array must have no nulls yet."""
    if pa.types.is_struct(array.type) or pa.types.is_list(array.type):
        return nested_nulls(array, valid)
    if array.offset:
        array = pa.concat_arrays([array])
    bits = pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))
    if isinstance(array, pa.ExtensionArray):
        storage = with_nulls(array.storage, valid)
        return pa.ExtensionArray.from_storage(array.type, storage)
    return pa.Array.from_buffers(array.type, len(array), [bits, *array.buffers()[1:]])


def validity(array: pa.Array) -> np.ndarray:
    """Each row's validity (True = not NULL) as a numpy bool array, from the bitmap."""
    if not array.null_count:
        return np.ones(len(array), dtype=bool)
    bits = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[array.offset:array.offset + len(array)].astype(bool)


def nested_nulls(array: pa.Array, valid: np.ndarray) -> pa.Array:
    """A struct or list array with rows where `valid` is False (or already NULL) set to NULL."""
    valid = np.asarray(valid, dtype=bool)
    if array.null_count:
        valid = valid & validity(array)
    mask = bool_array(~valid)
    if pa.types.is_struct(array.type):
        return pa.StructArray.from_arrays([array.field(i) for i in range(array.type.num_fields)],
                                          fields=list(array.type), mask=mask)
    return pa.ListArray.from_arrays(array.offsets, array.values, type=array.type, mask=mask)


def take(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """Values of `pool` at the positions in `index` (Arrow's take, in C++)."""
    return pool.take(num_array(index, "int64"))


def constant(text: str, n: int) -> pa.Array:
    """`n` copies of one string."""
    return str_array([text]).take(num_array(np.zeros(n, dtype=np.int64), "int64"))


def join(parts: list[pa.Array], sep: str = "") -> pa.Array:
    """Row-wise concatenation of string arrays with a separator."""
    return pc.binary_join_element_wise(*parts, str_array([sep])[0])


def int_strings(values: np.ndarray) -> pa.Array:
    """Decimal text of integers."""
    return pc.cast(num_array(values, "int64"), pa.string())


DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
BASE36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


def digit_matrix(values: np.ndarray, width: int, alphabet: np.ndarray = DIGITS) -> np.ndarray:
    """(n, width) uint8 matrix of `values` written in base len(alphabet), zero-padded."""
    rest = np.asarray(values, dtype=U64)
    # 64-bit division is the slow part: values that fit 32 bits divide ~2x faster as uint32
    dtype = np.uint32 if not len(rest) or int(rest.max()) < 2**32 else U64
    rest = rest.astype(dtype)
    base = dtype(len(alphabet))
    out = np.empty((len(rest), width), dtype=np.uint8)
    for pos in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, base)
        out[:, pos] = alphabet[digit]
    return out


# Placeholders of qaflow patterns (Faker's numerify/lexify letters).
PLACEHOLDERS = {"#": DIGITS, "%": DIGITS[1:], "$": DIGITS[2:], "?": UPPER, "&": LOWER, "*": ALNUM, "^": HEX}


def pattern_parts(pattern: str) -> list[tuple[bytes, np.ndarray | None]]:
    """A pattern as (literal bytes, None) and (b"", alphabet) pieces."""
    pieces: list[tuple[bytes, np.ndarray | None]] = []
    escaped = False
    for ch in pattern:
        if not escaped and ch == "\\":
            escaped = True
            continue
        if not escaped and ch in PLACEHOLDERS:
            pieces.append((b"", PLACEHOLDERS[ch]))
        else:
            pieces.append((ch.encode("utf-8"), None))
        escaped = False
    return pieces


def draw_chars(rng: np.random.Generator, alphabet: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Bytes drawn uniformly from `alphabet`; a contiguous range (digits, letters) needs no lookup."""
    low, high = int(alphabet[0]), int(alphabet[-1])
    if high - low + 1 == len(alphabet):
        return rng.integers(low, high + 1, shape, dtype=np.uint8)
    return alphabet[rng.integers(0, len(alphabet), shape, dtype=np.uint8)]


def pattern_matrix(rng: np.random.Generator, n: int, pattern: str, rows: np.ndarray | None = None,
                   key: int = 0) -> np.ndarray:
    """(n, width) UTF-8 bytes of strings shaped like `pattern` (see pattern_fill)."""
    pieces = pattern_parts(pattern)
    template = np.frombuffer(b"".join(lit if alpha is None else b"\0" for lit, alpha in pieces), dtype=np.uint8)
    slots, alphabets, col = [], [], 0
    for lit, alpha in pieces:
        if alpha is None:
            col += len(lit)
        else:
            slots.append(col)
            alphabets.append(alpha)
            col += 1
    out = np.empty((n, len(template)), dtype=np.uint8)
    out[:] = template
    if not slots:
        return out
    if rows is None:
        # one draw per alphabet for all its slots, as bytes (per-slot bounds are much slower)
        for alpha in {id(a): a for a in alphabets}.values():
            cols = [s for s, a in zip(slots, alphabets, strict=True) if a is alpha]
            out[:, cols] = draw_chars(rng, alpha, (n, len(cols)))
        return out
    sizes = [len(a) for a in alphabets]
    capacity = 1
    for size in sizes:
        capacity *= size
    if n and int(np.max(rows)) >= capacity:
        raise ValueError(f"pattern {pattern!r} makes only {capacity} distinct values")
    rest = permute(rows, min(capacity, 1 << 62), key)
    for slot, alpha in zip(reversed(slots), reversed(alphabets), strict=True):
        out[:, slot] = alpha[(rest % U64(len(alpha))).astype(np.intp)]
        rest = rest // U64(len(alpha))
    return out


def pattern_fill(rng: np.random.Generator, n: int, pattern: str, rows: np.ndarray | None = None,
                 key: int = 0) -> pa.Array:
    """Strings shaped like `pattern`: # digit, % 1-9, $ 2-9, ? A-Z, & a-z, * A-Z0-9, ^ hex; \\ escapes.

    With `rows`, each row gets a distinct string: its row number is permuted over
    all the strings the pattern can make and written in mixed radix.
    """
    return fixed_strings(pattern_matrix(rng, n, pattern, rows, key))


def ragged_strings(chars: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """A StringArray from an (n, width) byte matrix whose row i holds lengths[i] bytes."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    keep = np.arange(chars.shape[1]) < lengths[:, None]
    data = np.ascontiguousarray(chars)[keep]
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(pa.string(), len(lengths),
                                     [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])
    big = pa.Array.from_buffers(pa.large_string(), len(lengths), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return big.cast(pa.string())


def select(choice: np.ndarray, arrays: list[pa.Array]) -> pa.Array:
    """Row i from arrays[choice[i]], where arrays[k] holds the rows with choice == k, in order."""
    order = np.argsort(choice, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return pa.concat_arrays(arrays).take(num_array(inverse, "int64"))


def pick_formats(rng: np.random.Generator, n: int, formats: list[str]) -> pa.Array:
    """Strings from several patterns (e.g. a locale's phone formats), one drawn per row.

    A format listed twice is drawn twice as often (Faker's way of weighting them).
    Drawing how many rows each format gets (multinomial) and then shuffling the
    rows gives the same distribution as one draw per row, and lets each format
    fill one contiguous block: 2-3x faster than scattering rows format by format.
    """
    counts: dict[str, int] = {}
    for fmt in formats:
        counts[fmt] = counts.get(fmt, 0) + 1
    unique = list(counts)
    if len(unique) == 1:
        return pattern_fill(rng, n, unique[0])
    weights = np.array(list(counts.values()), dtype=np.float64)
    sizes = rng.multinomial(n, weights / weights.sum())
    blocks = [pattern_fill(rng, int(size), fmt) for fmt, size in zip(unique, sizes, strict=True) if size]
    return pa.concat_arrays(blocks).take(num_array(rng.permutation(n), "int64"))


def weighted_table(weights: list[float], size: int = 1 << 16) -> np.ndarray:
    """A lookup table whose uniform draws follow `weights` (faster than rng.choice(p=...))."""
    w = np.asarray(weights, dtype=np.float64)
    if len(w) == 0 or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    bounds = np.round(np.cumsum(w / w.sum()) * size).astype(np.int64)
    return np.repeat(np.arange(len(w)), np.diff(np.concatenate([[0], bounds])))


def weighted_draw(rng: np.random.Generator, n: int, table: np.ndarray) -> np.ndarray:
    """`n` category numbers drawn through a `weighted_table`."""
    return table[rng.integers(0, len(table), n)]


# ------------------------------------------------------------ keyed bijections


def column_key(seed: int, table: str, column: str) -> int:
    """A 64-bit key for one column of one table under one seed (stable across runs)."""
    mixed = mix64(np.array([seed & MASK64], dtype=U64), zlib.crc32(f"{table}.{column}".encode()))
    return int(mixed[0])


def mix64(x: np.ndarray, key: int) -> np.ndarray:
    """A keyed bijection on 64-bit integers (splitmix64 finaliser): unique in, unique out."""
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=U64) + U64(key & MASK64)
        z = (z ^ (z >> U64(30))) * U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> U64(27))) * U64(0x94D049BB133111EB)
        return z ^ (z >> U64(31))


def permute(x: np.ndarray, size: int, key: int) -> np.ndarray:
    """A keyed bijection of [0, size) onto itself: distinct inputs give distinct outputs.

    A bijection on the smallest power of two >= size, applied again to the values
    that land outside the range (cycle walking), which ends because every cycle
    of a permutation that starts inside the range comes back into it.
    """
    bits = max(int(size - 1).bit_length(), 2)
    mask = U64((1 << bits) - 1)
    half = U64(max(bits // 2, 1))
    mult = U64(((key | 1) * 0x9E3779B97F4A7C15) & MASK64) & mask | U64(1)
    add = U64((key >> 7) & MASK64) & mask

    def once(z: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            for _ in range(3):
                z = (z * mult + add) & mask
                z = z ^ (z >> half)
        return z

    out = once(np.asarray(x, dtype=U64))
    todo = np.flatnonzero(out >= U64(size))
    while len(todo):
        out[todo] = once(out[todo])
        todo = todo[out[todo] >= U64(size)]
    return out


def base36(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of values in lowercase base 36."""
    return digit_matrix(values, width, BASE36)


def unique_suffix(rows: np.ndarray, key: int, width: int = 6) -> pa.Array:
    """A short string unique per global row index (a keyed permutation in base 36)."""
    space = 36**width
    return fixed_strings(base36(permute(rows, space, key), width))


class Batch:
    """One batch of one table: its RNG, its global row numbers and the columns made so far.

    Generators read `rng` for random draws, or `rows` and `key` when the value
    must be a pure function of the row (primary keys that children re-derive).
    """

    def __init__(self, *, n: int, start: int, rng: np.random.Generator, seed: int, table: str,
                 pools: object, registry: dict, parents: dict | None = None) -> None:
        self.n = n
        self.start = start
        self.rng = rng
        self.seed = seed
        self.table = table
        self.pools = pools
        self.registry = registry
        self.parents = parents or {}
        self.cols: dict[str, pa.Array] = {}
        self.aux: dict[str, dict] = {}
        self.column = ""
        self.key = 0
        self._rows: np.ndarray | None = None

    @property
    def rows(self) -> np.ndarray:
        """Global row numbers of this batch (uint64)."""
        if self._rows is None:
            self._rows = np.arange(self.start, self.start + self.n, dtype=U64)
        return self._rows

    def pool(self, name: str) -> pa.Array:
        return self.pools.get(name)

    def at_rows(self, rows: np.ndarray, table: str, column: str) -> Batch:
        """A view of another table's rows `rows`, to re-derive that table's keyed values."""
        other = Batch(n=len(rows), start=0, rng=self.rng, seed=self.seed, table=table,
                      pools=self.pools, registry=self.registry, parents=self.parents)
        other._rows = np.asarray(rows, dtype=U64)
        other.column = column
        other.key = column_key(self.seed, table, column)
        return other


def key_digit(b: Batch, layout: dict) -> np.ndarray:
    """Each row's digit `layout["pos"]` of its table's composite primary key (uint64).

    The rows are numbered in mixed radix over the key's columns (`layout["radices"]`:
    parent rows of a foreign key, values of an integer range) through a keyed
    bijection, so no two rows share a key, across any split into shards. With
    `layout["per"]` the last column counts 0, 1, ... per-1 within each combination of
    the others instead (order lines 1, 2, 3 of each order).
    """
    radices = [int(r) for r in layout["radices"]]
    pos = int(layout["pos"])
    rows = b.rows
    per = int(layout.get("per") or 0)
    if per:
        if pos == len(radices) - 1:
            return rows % U64(per)
        rows, radices = rows // U64(per), radices[:-1]
    size = 1
    for radix in radices:
        size *= radix
    x = permute(rows, min(size, 1 << 62), column_key(b.seed, b.table, layout.get("group") or "(primary key)"))
    for radix in reversed(radices[pos + 1:]):
        x = x // U64(radix)
    return x % U64(radices[pos])


def fit_composite_key(table: str, columns: list[dict], total: int) -> list[dict]:
    """The layouts of the table's composite keys for `total` rows and the parents' current sizes.

    The mapping sized them for its row counts; a module run with other counts
    (--rows, parent_rows) recomputes them here so each key stays unique. A table may
    have several composite keys (its primary key and UNIQUE groups), told apart by
    their layout's "group".
    """
    groups: dict[str, list[dict]] = {}
    for c in columns:
        layout = (c.get("params") or {}).get("composite")
        if layout:
            groups.setdefault(layout.get("group") or "(primary key)", []).append(c)
    layouts: dict[str, dict] = {}
    for group, members in groups.items():
        members = sorted(members, key=lambda c: c["params"]["composite"]["pos"])
        if len(members) < 2:
            continue
        radices = [int(c["params"]["rows"]) if c["generator"] == "id.foreign_key"
                   else int(c["params"]["max"]) - int(c["params"]["min"]) + 1 for c in members]
        per = 0
        last = members[-1]
        if last["generator"] != "id.foreign_key" and (last["params"].get("unit") or "int") == "int":
            others = 1
            for radix in radices[:-1]:
                others *= radix
            per = -(-total // others)
        capacity = 1
        for radix in radices:
            capacity *= radix
        if total > capacity or per > radices[-1]:
            names = ", ".join(c["name"] for c in members)
            raise ValueError(f"{table} ({names}): {total:,} rows need more distinct keys than "
                             f"{' x '.join(f'{r:,}' for r in radices)}")
        for pos, c in enumerate(members):
            layouts[c["name"]] = {"radices": radices, "pos": pos, "per": per, "group": group}
    return [dict(c, params=dict(c["params"], composite=layouts[c["name"]])) if c["name"] in layouts else c
            for c in columns]


class GenerationError(ValueError):
    """A column's generator failed; the message names the table, column and generator."""


def generate_table(*, table: str, columns: list[dict], order: list[int], n_rows: int, seed: int,
                   start_row: int, total_rows: int | None, batch_size: int, pools: object,
                   registry: dict, parents: dict | None = None):
    """Record batches of rows [start_row, start_row + n_rows) of a table of total_rows rows.

    Batch k always covers rows [k*batch_size, (k+1)*batch_size) of the table and
    draws from its own seeds (SeedSequence([seed, table, k, column])), so any split
    into shards yields exactly the rows of a single run. Columns are made in
    `order` (a column that reads another one comes after it) and emitted in
    schema order.
    """
    if n_rows < 0 or start_row < 0:
        raise ValueError("n_rows and start_row must not be negative")
    seed = int(seed)
    end = start_row + n_rows
    total = max(int(total_rows or end), end)
    columns = fit_composite_key(table, columns, total)
    salt = zlib.crc32(table.encode())
    keys = [column_key(seed, table, c["name"]) for c in columns]
    salts = [zlib.crc32(c["name"].encode()) for c in columns]
    types = [arrow_type(c["type"]) for c in columns]
    schema = pa.schema([column_field(c) for c in columns])
    for batch_no in range(start_row // batch_size, -(-end // batch_size)):
        first = batch_no * batch_size
        size = min(batch_size, total - first)
        batch = Batch(n=size, start=first, rng=None, seed=seed, table=table, pools=pools,
                      registry=registry, parents=parents)
        for i in order:
            col = columns[i]
            batch.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, salt, batch_no, salts[i]])))
            batch.column = col["name"]
            batch.key = keys[i]
            try:
                array = registry[col["generator"]](batch, col["params"])
                if col.get("suffix"):
                    array = join([array, unique_suffix(batch.rows, keys[i] ^ 0x2545F491, 7)], "-")
                if array.type != types[i]:
                    array = array.cast(types[i])
            except Exception as exc:
                raise GenerationError(f"{table}.{col['name']} ({col['generator']}): {exc}") from exc
            if col.get("null_rate"):
                array = with_nulls(array, batch.rng.random(size) >= float(col["null_rate"]))
            batch.cols[col["name"]] = array
        record = pa.RecordBatch.from_arrays([batch.cols[c["name"]] for c in columns], schema=schema)
        lo, hi = max(start_row, first) - first, min(end, first + size) - first
        yield record if (lo, hi) == (0, size) else record.slice(lo, hi - lo)
