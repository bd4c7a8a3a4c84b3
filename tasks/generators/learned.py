"""Learned from a sample: empirical distributions, joint tables, shapes and derived sums.

tasks/schema/sample.py reads a sample and fills these generators' parameters
with what it saw (quantiles, zero shares, value combinations, code shapes,
e-mail domains, date spellings, word positions). The parameters are plain
lists and numbers, so they reach the rendered module as checked literals in
its COLUMNS table (tasks/codegen/literals.py) and can be edited in mapping.yaml.

Each function is copied into the rendered module, so it uses only the kernel,
the regex helpers, numpy, pyarrow and the standard library.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.generator_runtime.kernel import (
    U64,
    bool_array,
    column_key,
    constant,
    decimal_array,
    int_strings,
    join,
    mix64,
    num_array,
    numpy_of,
    permute,
    select,
    str_array,
    take,
    with_nulls,
)
from tasks.generators.regex import REGEX_HELPERS, regex_capacity, regex_fill
from tasks.generators.registry import generator


def learned_output(p):
    return p.get("arrow") or "string"


def learned_quantiles(u, quantiles):
    """Values at probabilities `u` of the distribution whose evenly spaced quantiles are `quantiles`."""
    q = np.asarray(quantiles, dtype=np.float64)
    if len(q) == 1:
        return np.full(len(u), q[0])
    return np.interp(u, np.linspace(0.0, 1.0, len(q)), q)


def learned_numbers(x, p):
    """Numbers as the column's Arrow type: rounded to integers or to the observed decimals."""
    arrow = p.get("arrow") or "float64"
    if arrow == "int64":
        return num_array(np.rint(x).astype(np.int64), "int64")
    scale = p.get("scale")
    if arrow.startswith("decimal128"):
        precision, scale = (int(v) for v in arrow[len("decimal128("):-1].split(","))
        return decimal_array(np.rint(x * 10.0**scale).astype(np.int64), precision, scale)
    if scale is not None:
        x = np.round(x, int(scale))
    return num_array(x, "float64")


@generator("learned.numeric", output=learned_output, fits=("integer", "float", "decimal"),
           params={"quantiles": [0.0, 1.0], "zero_share": 0.0, "arrow": "float64", "scale": None,
                   "min": None, "max": None},
           unique="native", keyed=True, helpers=(learned_output, learned_quantiles, learned_numbers))
def gen_learned_numeric(b, p):
    """Numbers drawn from a sample's quantiles, with its share of zeros and its integer-ness kept.

    Unique integers start inside the sample's range and continue past it block
    by block (a keyed permutation within each block), so the row count is never capped.
    """
    if p.get("unique"):
        low = int(p["min"] if p.get("min") is not None else p["quantiles"][0])
        high = int(p["max"] if p.get("max") is not None else p["quantiles"][-1])
        block = max(high - low + 1, 1)
        rows = b.rows
        within = permute(rows % U64(block), block, b.key) if block > 1 else rows * U64(0)
        values = (rows // U64(block)) * U64(block) + within
        return num_array(values.astype(np.int64) + low, "int64")
    x = learned_quantiles(b.rng.random(b.n), p["quantiles"])
    zero = float(p.get("zero_share") or 0.0)
    if zero:
        x = np.where(b.rng.random(b.n) < zero, 0.0, x)
    return learned_numbers(x, p)


def joint_index(b, group, weights):
    """Each row's combination number in a joint table: the same for every column of `group`.

    Drawn from the row number and a key of the group (not from a column's own
    random stream), so the city, state and zip of a row come from one combination.
    """
    key = column_key(b.seed, b.table, f"(joint) {group}")
    u = (mix64(b.rows, key) >> U64(11)).astype(np.float64) / float(1 << 53)
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)


def joint_values(values, index):
    """A joint table's member values at `index` (None -> NULL), as strings, integers or floats."""
    present = [v for v in values if v is not None]
    valid = np.array([v is not None for v in values], dtype=bool)
    if present and all(isinstance(v, bool) for v in present):
        filled = [bool(v) for v in values]
        out = pa.Array.from_buffers(pa.bool_(), len(index), [None, pa.py_buffer(
            np.packbits(np.array(filled, dtype=bool)[index], bitorder="little"))])
    elif present and all(isinstance(v, int) for v in present):
        out = num_array(np.array([v if v is not None else 0 for v in values], dtype=np.int64)[index], "int64")
    elif present and all(isinstance(v, int | float) for v in present):
        out = num_array(np.array([v if v is not None else 0.0 for v in values], dtype=np.float64)[index], "float64")
    else:
        out = take(str_array(["" if v is None else str(v) for v in values]), index)
    if valid.all():
        return out
    return with_nulls(out, valid[index])


@generator("learned.joint", output=learned_output,
           fits=("string", "integer", "float", "decimal", "boolean"),
           params={"group": "g", "weights": [1.0], "values": None, "low": None, "high": None,
                   "arrow": "string", "scale": None},
           helpers=(learned_output, joint_index, joint_values, learned_numbers))
def gen_learned_joint(b, p):
    """One member of columns drawn together from a sample's combinations (city, state, zip; country, lat, lon).

    A categorical member takes its value of the row's combination; a numeric
    member (latitude inside its country) is drawn between the combination's
    observed `low` and `high`.
    """
    index = joint_index(b, str(p["group"]), p["weights"])
    if p.get("values") is not None:
        return joint_values(list(p["values"]), index)
    low = np.asarray(p["low"], dtype=np.float64)[index]
    high = np.asarray(p["high"], dtype=np.float64)[index]
    return learned_numbers(low + (high - low) * b.rng.random(b.n), p)


@generator("learned.sum", output=learned_output, fits=("integer", "float", "decimal"),
           params={"a": None, "b": None, "sign": 1, "arrow": "float64"}, depends=("a", "b"),
           helpers=(learned_output,))
def gen_learned_sum(b, p):
    """A column that is the sum (sign 1) or difference (sign -1) of two others of the row (or numbers)."""
    terms = []
    for key in ("a", "b"):
        term = p.get(key)
        if isinstance(term, int | float) and not isinstance(term, bool):
            terms.append(num_array(np.full(b.n, float(term)), "float64"))
        elif term in b.cols:
            terms.append(b.cols[term])
        else:
            raise ValueError(f"learned.sum: {key}={term!r} is neither a column made before this one nor a number")
    left, right = terms
    target = pa.float64() if (p.get("arrow") or "float64") == "float64" else None
    if target is not None:
        left, right = left.cast(target), right.cast(target)
    out = pc.add(left, right) if int(p.get("sign") or 1) > 0 else pc.subtract(left, right)
    return out


@generator("learned.shapes", output="string", params={"patterns": ["[A-Z]{3}"], "weights": None, "wides": None},
           unique="native", keyed=True, helpers=REGEX_HELPERS)
def gen_learned_shapes(b, p):
    """Codes in the shapes a sample showed, per position (IATA AAA, 010-####-####, M1000##), in their shares.

    Unique columns use `wides` (each shape with its varying positions opened to
    their whole class, so they can grow far past the sample): the rows of every
    block of 1,024 are dealt to the shapes in their shares through a keyed
    permutation, and each shape numbers its own rows, so the shares hold and no
    value repeats (the shapes differ in some position's class, so they never overlap).
    """
    patterns = list(p["patterns"])
    weights = np.asarray(p.get("weights") or [1.0] * len(patterns), dtype=np.float64)
    if p.get("unique"):
        wides = list(p.get("wides") or patterns)
        slots = 1024
        bounds = np.round(np.cumsum(weights / weights.sum()) * slots).astype(np.int64)
        starts = np.concatenate([[0], bounds[:-1]])
        sizes = bounds - starts
        shape_of = np.searchsorted(bounds, permute(np.arange(slots, dtype=U64), slots, b.key).astype(np.int64),
                                   side="right")
        rank = np.zeros(slots, dtype=np.int64)  # the row's number among its block's rows of the same shape
        for k in range(len(patterns)):
            mask = shape_of == k
            rank[mask] = np.arange(int(mask.sum()))
        pos = (b.rows % U64(slots)).astype(np.int64)
        which = shape_of[pos]
        index = (b.rows.astype(np.int64) // slots) * sizes[which] + rank[pos]
        parts = []
        for k, wide in enumerate(wides):
            mine = index[which == k].astype(U64)
            key = (b.key + 7919 * k) & 0xFFFFFFFFFFFFFFFF
            capacity = U64(regex_capacity(wide))
            over = mine >= capacity  # past the shape's capacity the code grows by three digits, never repeats
            if not over.any():
                parts.append(regex_fill(b.rng, len(mine), wide, mine, key))
                continue
            inner = regex_fill(b.rng, int((~over).sum()), wide, mine[~over], key)
            grown = regex_fill(b.rng, int(over.sum()), f"(?:{wide})[0-9]{{3}}", mine[over] - capacity, key)
            parts.append(select(over.astype(np.int64), [inner, grown]))
        return select(which, parts)
    if len(patterns) == 1:
        return regex_fill(b.rng, b.n, patterns[0])
    choice = b.rng.choice(len(patterns), b.n, p=weights / weights.sum())
    parts = [regex_fill(b.rng, int((choice == k).sum()), x) for k, x in enumerate(patterns)]
    return select(choice, parts)


@generator("learned.serial", output="string", params={"prefix": "", "start": 1, "width": 1, "span": 1},
           unique="native", keyed=True)
def gen_learned_serial(b, p):
    """Serial codes (M100001, M100002, ...): a prefix and a zero-padded number; unique ones count on
    past the sample, others fall in the observed range."""
    start, width = int(p["start"]), int(p["width"])
    if p.get("unique"):
        numbers = b.rows.astype(np.int64) + start
    else:
        numbers = b.rng.integers(start, start + max(int(p.get("span") or 1), 1), b.n)
    text = pc.utf8_lpad(int_strings(numbers), width, "0")
    return join([constant(str(p.get("prefix") or ""), b.n), text]) if p.get("prefix") else text


def words_pick(rng, words, weights, n):
    """`n` draws from a word list with its observed weights."""
    w = np.asarray(weights, dtype=np.float64)
    return take(str_array(list(words)), rng.choice(len(words), n, p=w / w.sum()))


@generator("learned.words", output="string",
           params={"first": ["North"], "middle": [], "last": ["Field"], "first_weights": None,
                   "middle_weights": None, "last_weights": None, "counts": [0.0, 1.0], "separator": " ",
                   "max_length": None},
           helpers=(words_pick,))
def gen_learned_words(b, p):
    """Names of the same kind as a sample's (airports, species, counties): its words recombined by
    position, in its word counts; never longer than max_length (shorter names are drawn instead)."""
    first, middle, last = list(p["first"]), list(p["middle"] or []), list(p["last"])
    fw = p.get("first_weights") or [1.0] * len(first)
    mw = p.get("middle_weights") or [1.0] * len(middle)
    lw = p.get("last_weights") or [1.0] * len(last)
    counts = np.asarray(p["counts"], dtype=np.float64)
    count = b.rng.choice(len(counts), b.n, p=counts / counts.sum()) + 1
    sep = str(p.get("separator") or " ")
    limit = int(p.get("max_length") or 0)
    out = words_pick(b.rng, first, fw, b.n)
    for pos in range(2, int(count.max()) + 1 if b.n else 0):
        word = words_pick(b.rng, last, lw, b.n)
        if middle and (count > pos).any():
            word = pc.if_else(bool_array(count > pos), words_pick(b.rng, middle, mw, b.n), word)
        out = pc.if_else(bool_array(count >= pos), join([out, word], sep), out)
    if limit:
        too_long = numpy_of(pc.utf8_length(out)) > limit
        if too_long.any():
            short = [w for w in first if len(w) <= limit] or [""]
            out = pc.if_else(bool_array(too_long), words_pick(b.rng, short, [1.0] * len(short), b.n), out)
    return out


@generator("learned.email", output="string", pools=("first_name_slug", "last_name_slug"),
           params={"domains": ["example.com"], "weights": None, "separators": [".", "", "_"],
                   "separator_weights": None, "digits_share": 0.2, "max_length": None},
           unique="native", keyed=True)
def gen_learned_email(b, p):
    """E-mail addresses made up (never copied) from the locale's names, in the sample's local-part style
    and domain shares; never longer than max_length (the shortest domain and name are used instead)."""
    firsts, lasts = b.pool("first_name_slug"), b.pool("last_name_slug")
    first = take(firsts, b.rng.integers(0, len(firsts), b.n))
    last = take(lasts, b.rng.integers(0, len(lasts), b.n))
    seps = list(p.get("separators") or [""])
    sw = np.asarray(p.get("separator_weights") or [1.0] * len(seps), dtype=np.float64)
    sep = take(str_array(seps), b.rng.choice(len(seps), b.n, p=sw / sw.sum()))
    if p.get("unique"):  # a number unique per row makes the address unique
        block = U64(100_000)  # five digits for the first 100,000 rows, then more: never a cap
        digits = int_strings(((b.rows // block) * block + permute(b.rows % block, 100_000, b.key)).astype(np.int64))
    else:
        digits = int_strings(b.rng.integers(1, 100, b.n))
        with_digits = b.rng.random(b.n) < float(p.get("digits_share") or 0.0)
        digits = pc.if_else(bool_array(with_digits), digits, constant("", b.n))
    domains = list(p["domains"])
    dw = np.asarray(p.get("weights") or [1.0] * len(domains), dtype=np.float64)
    domain = take(str_array(domains), b.rng.choice(len(domains), b.n, p=dw / dw.sum()))
    at = constant("@", b.n)
    local = pc.binary_join_element_wise(first, sep, last, digits, "")
    out = join([local, at, domain])
    limit = int(p.get("max_length") or 0)
    if limit:
        too_long = numpy_of(pc.utf8_length(out)) > limit
        if too_long.any():
            shortest = min(domains, key=len)
            room = max(limit - len(shortest) - 1 - (10 if p.get("unique") else 0), 1)
            name = pc.utf8_slice_codeunits(first, 0, room)  # a shorter name, never a cut address
            short = join([name, digits, constant("@" + shortest, b.n)]) if p.get("unique") else \
                join([name, constant("@" + shortest, b.n)])
            out = pc.if_else(bool_array(too_long), short, out)
    return out


@generator("learned.date_text", output="string",
           params={"quantiles": [0, 1], "order": "MDY", "sep": "/", "pad": False, "year_digits": 4})
def gen_learned_date_text(b, p):
    """Dates written as the sample writes them (M/D/YYYY, DD.MM.YYYY, ...), drawn from its quantiles of days."""
    days = np.rint(np.interp(b.rng.random(b.n), np.linspace(0, 1, len(p["quantiles"])),
                             np.asarray(p["quantiles"], dtype=np.float64))).astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    d = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    pad = 2 if p.get("pad") else 1
    parts = {"Y": int_strings(y if int(p.get("year_digits") or 4) == 4 else y % 100),
             "M": pc.utf8_lpad(int_strings(m), pad, "0"), "D": pc.utf8_lpad(int_strings(d), pad, "0")}
    if int(p.get("year_digits") or 4) == 2:
        parts["Y"] = pc.utf8_lpad(parts["Y"], 2, "0")
    return join([parts[k] for k in str(p.get("order") or "MDY")], str(p.get("sep") or "/"))
