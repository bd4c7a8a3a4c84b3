"""Fit generators to a sample, column by column and across columns: a sample is learned as it is.

`learn_table` runs after the type inference of tasks/schema/sample.py and sets
each column's `generator` and `params` (registry names of tasks/generators/learned.py
and friends) from what the sample shows, and says in the column's
`description` what was learned (the mapping shows it as the column's reason):

    numbers        quantiles of the values, the share of zeros, integer-ness and decimals
    unique numbers a permutation that starts in the sample's range and grows past it
    categories     the value set and frequencies (up to MAX_ENUM_VALUES values; sample.py)
    codes          per-position shapes (IATA `[A-Z]{3}`, `010-[0-9]{4}-[0-9]{4}`, `M1000[0-9]{2}`)
    serials        prefix + counter (M100001 ...) that counts on past the sample when unique
    names, places  copied with frequencies when not personal and not too many (copy_categories),
                   else the sample's words recombined by position and count
    personal text  never copied: names and addresses go to the locale's generators, e-mails keep
                   only their domains and local-part style, phone numbers only their shapes
    text dates     M/D/YYYY, DD.MM.YYYY ... written in the sample's own spelling
    joint columns  (city, state, zip), (country, lat, lon): drawn together from observed combinations
    sums           a column equal to the sum or difference of two others stays so
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.schema.spec import ColumnSpec

QUANTILES = 65  # points of the empirical distribution kept per numeric column
ZERO_INFLATED = 0.02  # a zero share above this is drawn as its own spike
NUMBER_CATEGORIES = 100  # numbers with at most this many distinct values (time zones, ratings) keep their set
COPY_LIMIT = 1000  # non-personal text with at most this many distinct values is copied with frequencies
MAX_SHAPES = 24  # per-position shapes kept for a code column
SHAPE_COVER = 0.95  # ... which must cover this share of its values
MAX_JOINT = 2000  # combinations kept for columns drawn together (most frequent first)
MAX_WORDS = 3000  # words kept per position for recombined names
DEP_ROWS = 20_000  # rows looked at to find dependent columns and sums
LEARNED = "learned from the sample: "

# Generators whose values identify a person: never copied from a sample.
PERSONAL = {
    "person.first_name", "person.last_name", "person.full_name", "person.username", "person.phone",
    "person.birth_date", "internet.email", "address.street", "address.secondary", "finance.credit_card",
    "finance.iban", "finance.account_number", "internet.password_hash", "internet.ipv4", "internet.ipv6",
}
_GEO = re.compile(r"(city|town|state|province|county|zip|postal|post_?code|country|region|district|"
                  r"lat|lon|lng|municipality|시도|시군구|구군|읍면동|우편번호|도시)")
_GEO_NUMERIC = re.compile(r"(^lat$|latitude|^lng$|^lon$|^long$|longitude|위도|경도)")
_HANGUL_NAME = re.compile(r"^[가-힣]{2,4}$")
_SURNAMES = set("김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부")
_PLACE_SUFFIX = set("리동면읍구군시도로길역산강천")
_DATE_TEXT = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})$")
_CODE_CHARS = re.compile(r"^[A-Za-z0-9\-_./#+() ]+$")


def rule_generator(name: str) -> str | None:
    """The generator the name rules give a column name (any language), or None."""
    from tasks.generators.rules import LOCALE_NAME_RULES, NAME_RULES

    lowered = name.lower()
    for regex, gen, _ in (*LOCALE_NAME_RULES, *NAME_RULES):
        if re.search(regex, lowered):
            return gen
    return None


def _text(values: pa.ChunkedArray | pa.Array) -> list[str | None]:
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    return values.to_pylist()


def _numbers(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Floats with NaN for NULL (text is parsed; decimals and integers converted)."""
    floats = pc.cast(values, pa.float64())
    return np.array([math.nan if v is None else v for v in floats.to_pylist()], dtype=np.float64)


def learn_table(table: str, columns: list[ColumnSpec], data: pa.Table, warnings: list[str],
                copy_categories: bool = True) -> None:
    """Set generators and params on `columns` (in place) from the sample `data`."""
    texts = {c.name: _text(data.column(c.name)) for c in columns if c.type in ("string", "integer")}
    numbers = {c.name: _numbers(data.column(c.name)) for c in columns if c.type in ("integer", "float", "decimal")}
    for col in columns:
        try:
            if col.name in numbers and col.generator is None and not col.enum:
                _learn_number(col, numbers[col.name])
            elif col.type == "string" and col.generator is None:
                _learn_text(col, [v for v in texts[col.name] if v is not None], copy_categories)
        except (ValueError, TypeError, ArithmeticError) as exc:  # learning improves a column; never required
            warnings.append(f"{table}.{col.name}: nothing learned beyond its type ({exc})")
    _learn_sums(columns, numbers)
    _learn_joint(table, columns, texts, numbers, warnings)
    for col in columns:  # value sets keep their spelling and frequencies (Y/N, Yes/No, codes, time zones)
        if col.enum and col.generator is None and not col.unique:
            col.generator = "choice.enum"
            col.params = {"values": list(col.enum), "weights": list(col.enum_weights or [])}
            if not (col.description or "").startswith(LEARNED):
                col.description = f"{LEARNED}{len(col.enum)} values with their frequencies"


# ------------------------------------------------------------------ numbers


def _learn_number(col: ColumnSpec, values: np.ndarray) -> None:
    present = values[~np.isnan(values)]
    if not len(present):
        return
    arrow, scale = "float64", None
    if col.type == "integer":
        arrow = "int64"
    elif col.type == "decimal" and col.precision and col.scale is not None:
        arrow = f"decimal128({max(col.precision, 18)},{col.scale})"
        scale = col.scale
    else:
        scale = _decimals(present)
    if col.unique and col.type == "integer":
        col.generator = "learned.numeric"
        col.params = {"quantiles": [float(present.min()), float(present.max())], "arrow": "int64",
                      "min": int(present.min()), "max": int(present.max())}
        col.description = (f"{LEARNED}distinct integers from {int(present.min()):,}; they continue past "
                           f"{int(present.max()):,} when more rows are asked for")
        return
    distinct, counts = np.unique(present, return_counts=True)
    if len(distinct) <= NUMBER_CATEGORIES and len(present) >= 5 * len(distinct):
        order = np.argsort(-counts, kind="stable")
        col.enum = [int(v) if arrow == "int64" else float(v) for v in distinct[order]]
        col.enum_weights = [round(float(c) / len(present), 8) for c in counts[order]]
        col.description = f"{LEARNED}{len(distinct)} numbers with their frequencies"
        return
    zeros = float(np.mean(present == 0))
    body = present[present != 0] if zeros > ZERO_INFLATED and zeros < 1 else present
    zero_share = zeros if body is not present else 0.0
    quantiles = np.quantile(body, np.linspace(0, 1, QUANTILES)) if len(body) else np.zeros(1)
    quantiles = [_round(q, arrow, scale) for q in quantiles]
    col.generator = "learned.numeric"
    col.params = {"quantiles": quantiles, "zero_share": round(zero_share, 6), "arrow": arrow, "scale": scale}
    median = quantiles[len(quantiles) // 2]
    col.description = (f"{LEARNED}{QUANTILES} quantiles (median {median:g}), "
                       f"{zero_share:.1%} zeros, {'integers' if arrow == 'int64' else f'{scale} decimals'}")


def _decimals(values: np.ndarray) -> int | None:
    """Decimals every value is written with (up to 6), None when they are not round."""
    for scale in range(7):
        if np.allclose(values, np.round(values, scale), rtol=0, atol=1e-9):
            return scale
    return None


def _round(value: float, arrow: str, scale: int | None) -> float | int:
    if arrow == "int64":
        return float(round(value))
    return float(round(value, scale)) if scale is not None else float(value)


# ------------------------------------------------------------------ text


def _learn_text(col: ColumnSpec, values: list[str], copy_categories: bool) -> None:
    if not values:
        return
    rule = rule_generator(col.name)
    personal = rule in PERSONAL
    distinct = len(set(values))
    if (col.format == "email" or rule == "internet.email") and _learn_email(col, values):
        return
    if (rule == "person.phone" or _phone_like(values)) and _learn_shapes(col, values, personal=True):
        return
    if col.format in ("uri", "ipv4", "ipv6", "uuid"):
        return
    if _learn_date_text(col, values):
        return
    if personal or (distinct > 20 and rule is None and not _GEO.search(col.name.lower()) and _korean_names(values)):
        col.enum, col.enum_weights, col.pattern = None, None, None
        from tasks.generators.registry import get

        if rule is None:
            col.generator = "person.full_name"
        elif col.type in get(rule).fits:
            col.generator = rule  # named here so that the mapping shows what was learned
        col.unique = False
        col.max_length = col.min_length = None  # a made-up name is not cut to the sample's longest
        col.description = (f"{LEARNED}personal values ({rule or 'names by their look'}): synthesised in the "
                           "locale, never copied")
        return
    if col.enum:
        col.description = f"{LEARNED}{len(col.enum)} values with their frequencies"
        return
    if _learn_serial(col, values):
        return
    if _code_like(values) and _learn_shapes(col, values, personal=False):
        if col.unique and col.null_rate:  # codes with NULLs (IATA of small airfields) are not a key
            col.unique = False
        return
    if copy_categories and distinct <= COPY_LIMIT and not col.unique:
        counts = Counter(values).most_common()
        col.enum = [v for v, _ in counts]
        col.enum_weights = [round(c / len(values), 8) for _, c in counts]
        col.pattern = None
        col.description = f"{LEARNED}{distinct} values copied with their frequencies (not personal)"
        return
    _learn_words(col, values)


def _korean_names(values: list[str]) -> bool:
    """Hangul values that look like people's names: 2-4 syllables, a common surname first, no place suffix."""
    head = values[:5000]
    named = sum(bool(_HANGUL_NAME.match(v)) and v[0] in _SURNAMES and v[-1] not in _PLACE_SUFFIX for v in head)
    return named >= 0.9 * len(head)


def _phone_like(values: list[str]) -> bool:
    shaped = sum(bool(re.fullmatch(r"\+?[0-9][0-9 ()\-.]{6,18}[0-9]", v)) and len(re.sub(r"\D", "", v)) >= 7
                 and bool(re.search(r"[ ()\-.]", v)) for v in values)
    return shaped >= 0.95 * len(values)


def _code_like(values: list[str]) -> bool:
    """Codes, not words: mostly digits in them, or short upper-case tokens (IATA, ISO), no spaces."""
    head = values[:5000]
    if sum(bool(_CODE_CHARS.match(v)) for v in head) < 0.98 * len(head):
        return False
    spaced = sum(" " in v for v in head)
    with_digits = sum(any(ch.isdigit() for ch in v) for v in head)
    upper_short = sum(v.isupper() and len(v) <= 6 and " " not in v for v in head)
    return spaced <= 0.05 * len(head) and (with_digits >= 0.9 * len(head) or upper_short >= 0.95 * len(head))


def _char_class(chars: set[str], wide: bool) -> str:
    """The regex for one position: a constant, the observed digit range, or a letter class."""
    if len(chars) == 1 and not wide:
        return _escape(next(iter(chars)))
    if all(ch.isdigit() and ch.isascii() for ch in chars):
        lo, hi = min(chars), max(chars)
        return "[0-9]" if wide or (lo, hi) == ("0", "9") else f"[{lo}-{hi}]"
    if all("A" <= ch <= "Z" for ch in chars):
        return "[A-Z]"
    if all("a" <= ch <= "z" for ch in chars):
        return "[a-z]"
    if all(ch.isascii() and ch.isalnum() for ch in chars):
        return "[A-Z0-9]" if all(not ("a" <= ch <= "z") for ch in chars) else "[A-Za-z0-9]"
    if len(chars) == 1:
        return _escape(next(iter(chars)))
    return "[" + "".join("\\" + ch if ch in "\\]^-[" else ch for ch in sorted(chars)) + "]"


def _escape(ch: str) -> str:
    """A character as a regex literal: escaped only where it would mean something."""
    return "\\" + ch if ch in ".^$*+?{}[]\\|()" else ch


def _shape_of(value: str) -> str:
    return re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", re.sub(r"[0-9]", "9", value)))


def _compress(parts: list[str]) -> str:
    out: list[str] = []
    for part in parts:
        if out and out[-1][0] == part:
            out[-1] = (part, out[-1][1] + 1)
        else:
            out.append((part, 1))
    return "".join(p if n == 1 else f"{p}{{{n}}}" for p, n in out)


def _learn_shapes(col: ColumnSpec, values: list[str], personal: bool) -> bool:
    """Per-position shapes: what every position holds in each shape group (constant digits kept)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for v in values:
        groups[_shape_of(v)].append(v)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:MAX_SHAPES]
    covered = sum(len(vs) for _, vs in ranked)
    if covered < SHAPE_COVER * len(values):
        return False
    patterns, wides, weights = [], [], []
    for shape, members in ranked:
        columns = [set(chars) for chars in zip(*members, strict=True)]
        narrow = [_char_class(chars, wide=False) for chars in columns]
        # a personal value keeps only a constant prefix (010-, +82); every other digit is drawn
        if personal:
            keep = True
            narrow = []
            for chars, ch_shape in zip(columns, shape, strict=True):
                keep = keep and len(chars) == 1
                narrow.append(_escape(next(iter(chars))) if keep or ch_shape not in "9Aa" else
                              _char_class(chars, wide=True))
        wide = []
        lead = True
        for chars, ch_shape in zip(columns, shape, strict=True):
            lead = lead and len(chars) == 1 and ch_shape not in "9"
            wide.append(_escape(next(iter(chars))) if (lead or ch_shape not in "9Aa") else
                        _char_class(chars, wide=True))
        patterns.append(_compress(narrow))
        wides.append(_compress(narrow) if personal else _compress(wide))  # a phone keeps its 010- when unique
        weights.append(round(len(members) / covered, 8))
    col.generator = "learned.shapes"
    col.params = {"patterns": patterns, "weights": weights, "wides": wides}
    col.enum, col.enum_weights = None, None
    top = ", ".join(f"{p} {w:.0%}" for p, w in zip(patterns[:3], weights[:3], strict=False))
    kind = "phone/personal shapes (digits synthesised)" if personal else "code shapes"
    col.description = f"{LEARNED}{len(patterns)} {kind}: {top}"
    return True


def _learn_serial(col: ColumnSpec, values: list[str]) -> bool:
    """Prefix + dense counter (M100001, M100002, ...) in a unique column."""
    if not col.unique:
        return False
    matches = [re.fullmatch(r"([^0-9]*)([0-9]+)", v) for v in values]
    if not all(matches):
        return False
    prefixes = {m.group(1) for m in matches}
    widths = {len(m.group(2)) for m in matches}
    if len(prefixes) != 1 or len(widths) != 1:
        return False
    numbers = [int(m.group(2)) for m in matches]
    low, high = min(numbers), max(numbers)
    if len(values) < 0.5 * (high - low + 1):
        return False
    prefix, width = prefixes.pop(), widths.pop()
    col.generator = "learned.serial"
    col.params = {"prefix": prefix, "start": low, "width": width, "span": high - low + 1}
    col.pattern, col.max_length = None, None
    col.description = f"{LEARNED}serial codes {prefix}{str(low).zfill(width)}...; they count on past the sample"
    return True


def _learn_email(col: ColumnSpec, values: list[str]) -> bool:
    """Domains seen more than once (providers and companies, not people) and the local-part style."""
    parts = [v.rsplit("@", 1) for v in values if v.count("@") == 1]
    if len(parts) < 0.9 * len(values):
        return False
    domains = Counter(domain.lower() for _, domain in parts)
    shared = [(d, n) for d, n in domains.most_common(50) if n >= 2]
    if not shared:
        shared = [("example.com", 1), ("example.org", 1), ("example.net", 1)]
    locals_ = [local for local, _ in parts]
    seps = Counter("." if "." in v else "_" if "_" in v else "-" if "-" in v else "" for v in locals_)
    digits = sum(any(ch.isdigit() for ch in v) for v in locals_) / max(len(locals_), 1)
    col.generator = "learned.email"
    col.params = {"domains": [d for d, _ in shared], "weights": [n for _, n in shared],
                  "separators": list(seps), "separator_weights": list(seps.values()),
                  "digits_share": round(digits, 4), "max_length": None}
    col.pattern, col.format = None, "email"
    col.max_length = col.min_length = None  # the sample's longest is no limit to cut a made-up address to
    col.description = (f"{LEARNED}e-mails made up from the locale's names; {len(shared)} shared domains "
                       f"({shared[0][0]} first), separators {'/'.join(repr(s) for s in seps)}")
    return True


def _learn_date_text(col: ColumnSpec, values: list[str]) -> bool:
    """Dates in a spelling other than ISO (4/7/2021, 07.04.2021, 2021/4/7), kept as that text."""
    head = values[:5000]
    matches = [_DATE_TEXT.match(v) for v in head]
    if not all(matches):
        return False
    sep = matches[0].group(2)
    firsts = [int(m.group(1)) for m in matches]
    mids = [int(m.group(3)) for m in matches]
    lasts = [m.group(4) for m in matches]
    if all(len(m.group(1)) == 4 for m in matches):
        order, years, months, days = "YMD", firsts, mids, [int(x) for x in lasts]
    elif all(len(x) in (2, 4) for x in lasts) and len({len(x) for x in lasts}) == 1:
        years = [int(x) for x in lasts]
        if max(firsts) > 12 and max(mids) <= 12:
            order, days, months = "DMY", firsts, mids
        else:
            order, months, days = "MDY", firsts, mids
    else:
        return False
    if max(months) > 12 or max(days) > 31:
        return False
    digits = len(lasts[0]) if order != "YMD" else 4
    if digits == 2:
        years = [2000 + y if y < 70 else 1900 + y for y in years]
    import datetime as dt

    try:
        ordinals = [dt.date(y, m, d).toordinal() - dt.date(1970, 1, 1).toordinal()
                    for y, m, d in zip(years, months, days, strict=True)]
    except ValueError:
        return False
    pad = any(re.match(r"^0\d", part) for m in matches for part in (m.group(1), m.group(3)))
    quantiles = [float(round(q)) for q in np.quantile(ordinals, np.linspace(0, 1, QUANTILES))]
    col.generator = "learned.date_text"
    col.unique = False  # distinct dates in a sample are chance, not a key
    col.params = {"quantiles": quantiles, "order": order, "sep": sep, "pad": pad, "year_digits": digits}
    col.pattern = None
    spelled = {"MDY": "M/D/Y", "DMY": "D/M/Y", "YMD": "Y/M/D"}[order].replace("/", sep)
    col.description = f"{LEARNED}dates written {spelled}{' zero-padded' if pad else ''}, {QUANTILES} quantiles"
    return True


def _learn_words(col: ColumnSpec, values: list[str]) -> None:
    """High-cardinality names that are not personal: words recombined by position and count."""
    split = [v.split() for v in values if v.strip()]
    counts = Counter(min(len(w), 6) for w in split)
    firsts = Counter(w[0] for w in split)
    lasts = Counter(w[-1] for w in split if len(w) > 1)
    middles = Counter(x for w in split if len(w) > 2 for x in w[1:-1])
    if not lasts:
        lasts = firsts
    top = max(counts)
    col.generator = "learned.words"
    col.params = {
        "first": [w for w, _ in firsts.most_common(MAX_WORDS)],
        "first_weights": [n for _, n in firsts.most_common(MAX_WORDS)],
        "middle": [w for w, _ in middles.most_common(MAX_WORDS)],
        "middle_weights": [n for _, n in middles.most_common(MAX_WORDS)] or None,
        "last": [w for w, _ in lasts.most_common(MAX_WORDS)],
        "last_weights": [n for _, n in lasts.most_common(MAX_WORDS)],
        "counts": [float(counts.get(k, 0)) for k in range(1, top + 1)],
        "separator": " ", "max_length": col.max_length,
    }
    col.pattern, col.enum, col.enum_weights = None, None, None
    if col.unique:
        col.unique = False
    col.description = (f"{LEARNED}names of the same kind: {len(firsts)} first, {len(lasts)} last words "
                       f"recombined in the sample's word counts (up to {col.max_length} characters)")


# ------------------------------------------------------------------ across columns


def _learn_sums(columns: list[ColumnSpec], numbers: dict[str, np.ndarray]) -> None:
    """A column equal to the sum of two others (Cost Total = Cost Other + Cost Repair) becomes learned.sum."""
    names = [c.name for c in columns if c.name in numbers and not c.unique][:30]
    if len(names) < 3:
        return
    arrays = {n: numbers[n][:DEP_ROWS] for n in names}
    by_name = {c.name: c for c in columns}
    derived: set[str] = set()
    for target in names:
        t = arrays[target]
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if target in (a, b) or {a, b} & derived or target in derived:
                    continue
                x, y = arrays[a], arrays[b]
                ok = ~(np.isnan(t) | np.isnan(x) | np.isnan(y))
                if ok.sum() < 20 or (x[ok] != 0).mean() < 0.01 or (y[ok] != 0).mean() < 0.01:
                    continue
                for sign in (1, -1):
                    close = np.isclose(t[ok], x[ok] + sign * y[ok], rtol=1e-9, atol=1e-6)
                    if close.mean() >= 0.99:
                        col = by_name[target]
                        col.generator = "learned.sum"
                        col.params = {"a": a, "b": b, "sign": sign,
                                      "arrow": (by_name[target].params or {}).get("arrow", "float64")}
                        col.description = f"{LEARNED}{target} = {a} {'+' if sign > 0 else '-'} {b} in every row"
                        derived.add(target)
                        break
                if target in derived:
                    break
            if target in derived:
                break


def _learn_joint(table: str, columns: list[ColumnSpec], texts: dict[str, list], numbers: dict[str, np.ndarray],
                 warnings: list[str]) -> None:
    """Columns that depend on each other (zip -> city -> state; airport -> country) drawn as one."""
    candidates = []
    for col in columns:
        if col.unique or col.generator in ("learned.sum", "learned.serial") or rule_generator(col.name) in PERSONAL:
            continue
        copied = col.enum is not None and col.type in ("string", "integer")
        geo = col.type == "string" and bool(_GEO.search(col.name.lower())) and col.generator in (None, "learned.shapes",
                                                                                                   "learned.words")
        if (copied or geo) and col.name in texts:
            candidates.append(col)
    rows = {c.name: texts[c.name][:DEP_ROWS] for c in candidates}
    parent = {c.name: c.name for c in candidates}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    distinct = {n: len(set(v)) for n, v in rows.items()}
    for i, a in enumerate(candidates):
        for b in candidates[i + 1:]:
            da, db = distinct[a.name], distinct[b.name]
            if min(da, db) < 2:
                continue
            pairs = len(set(zip(rows[a.name], rows[b.name], strict=True)))
            both_geo = bool(_GEO.search(a.name.lower()) and _GEO.search(b.name.lower()))
            if (pairs <= 1.1 * max(da, db) and (both_geo or pairs < 0.9 * len(rows[a.name]))) or (
                    both_geo and pairs <= 0.5 * min(da * db, len(rows[a.name]))):
                parent[find(a.name)] = find(b.name)
    groups: dict[str, list[ColumnSpec]] = defaultdict(list)
    for col in candidates:
        groups[find(col.name)].append(col)
    geo_numeric = [c for c in columns if c.name in numbers and _GEO_NUMERIC.search(c.name.lower())
                   and c.generator != "learned.sum"]
    number = 0
    for members in groups.values():
        if len(members) < 2 and not (members and geo_numeric and _GEO.search(members[0].name.lower())):
            continue
        number += 1
        group = f"g{number}"
        names = [c.name for c in members]
        extra = geo_numeric if any(_GEO.search(n.lower()) for n in names) else []
        full = {n: texts[n] for n in names}
        keys = list(zip(*(full[n] for n in names), strict=True))
        counts = Counter(keys)
        kept = counts.most_common(MAX_JOINT)
        index = {k: i for i, (k, _) in enumerate(kept)}
        weights = [float(n) for _, n in kept]
        for pos, col in enumerate(members):
            values = [_typed(k[pos], col) for k, _ in kept]
            col.generator = "learned.joint"
            col.params = {"group": group, "weights": weights, "values": values,
                          "arrow": "int64" if col.type == "integer" else "string"}
            col.null_rate = 0.0  # NULLs are part of the combinations
            col.description = (f"{LEARNED}drawn jointly with {', '.join(n for n in names if n != col.name) or '-'}"
                               f"{' and ' + ', '.join(c.name for c in extra) if extra else ''} from "
                               f"{len(kept):,} observed combinations")
        for col in extra:
            low = [math.inf] * len(kept)
            high = [-math.inf] * len(kept)
            for key, value in zip(keys, numbers[col.name], strict=True):
                i = index.get(key)
                if i is not None and not math.isnan(value):
                    low[i], high[i] = min(low[i], value), max(high[i], value)
            fill = [x for x in low if math.isfinite(x)]
            if not fill:
                continue
            mid = float(np.median(fill))
            low = [float(x) if math.isfinite(x) else mid for x in low]
            high = [float(x) if math.isfinite(x) else mid for x in high]
            col.generator = "learned.joint"
            col.params = {"group": group, "weights": weights, "low": low, "high": high,
                          "arrow": "int64" if col.type == "integer" else "float64",
                          "scale": _decimals(numbers[col.name][~np.isnan(numbers[col.name])])}
            col.null_rate = 0.0
            col.description = (f"{LEARNED}within the range each combination of {', '.join(names)} showed "
                               f"({len(kept):,} combinations)")
        if len(counts) > MAX_JOINT:
            warnings.append(f"{table}: {', '.join(names)} drawn jointly from the {MAX_JOINT:,} most frequent of "
                            f"{len(counts):,} observed combinations")


def _typed(value: Any, col: ColumnSpec) -> Any:
    if value is None or col.type != "integer":
        return value
    return int(value)
