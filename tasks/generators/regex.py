"""Strings that match a regular expression, drawn with numpy instead of one by one.

A pattern is parsed with the standard library's own parser (`re._parser`, so
any pattern `re` accepts reads the same way) into a small tree: literals,
character sets (per UTF-8 byte width, as byte tables), sequences, alternations
and repeats. Drawing walks the tree once per batch: a run of fixed-width parts
becomes one (rows, bytes) uint8 matrix filled column by column (`^[A-Z]{2}-[0-9]{4}$`
is one matrix), a repeat of a fixed-width part with a variable count is one
wider matrix cut per row, and alternations draw each branch for its own rows.

Unique values: the tree is expanded into fixed-width shapes (each a list of
byte tables); a row's number is permuted over the summed capacity of the shapes
and written in mixed radix inside its shape, so rows never share a value, up to
the pattern's capacity. Shapes that could spell the same string are dropped.

What the tree cannot express (lookarounds, backreferences, word boundaries,
anchors inside the pattern) is reported by `regex_problems`; such a pattern is
drawn without the part and every value is checked with `re.fullmatch`, the
rows that fail drawn again a bounded number of times.

The functions are copied into rendered modules (text.pattern's helpers), so
they use only the kernel, numpy, pyarrow and `re`, and keep no module state.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from tasks.generator_runtime.kernel import (
    U64,
    constant,
    fixed_strings,
    join,
    permute,
    ragged_strings,
    select,
    str_array,
)


def regex_tree(pattern: str, spread: int = 8) -> tuple[tuple, list[str]]:
    """(tree, problems) of a pattern; an open repeat (`+`, `*`, `{m,}`) gets at most `spread` extra copies."""
    from re import _constants as c
    from re import _parser

    problems: list[str] = []

    def code_table(points: list[int]) -> tuple:
        """A character-set node: its code points as UTF-8 byte tables, one per byte width."""
        points = [p for p in points if not 0xD800 <= p <= 0xDFFF]
        nice = [p for p in points if chr(p).isprintable()]
        points = nice or points
        if not points:
            problems.append("a character set that nothing can match")
            return ("lit", b"")
        by_width: dict[int, list[bytes]] = {}
        for p in points:
            raw = chr(p).encode("utf-8")
            by_width.setdefault(len(raw), []).append(raw)
        tables = [np.frombuffer(b"".join(v), dtype=np.uint8).reshape(len(v), w) for w, v in sorted(by_width.items())]
        return ("chars", tables)

    def category(cat) -> tuple[set[int], bool]:
        digits = set(range(48, 58))
        word = digits | set(range(65, 91)) | set(range(97, 123)) | {95}
        table = {
            c.CATEGORY_DIGIT: (digits, False), c.CATEGORY_NOT_DIGIT: (digits, True),
            c.CATEGORY_WORD: (word, False), c.CATEGORY_NOT_WORD: (word, True),
            c.CATEGORY_SPACE: ({32}, False), c.CATEGORY_NOT_SPACE: ({32, 9, 10, 11, 12, 13}, True),
        }
        return table[cat]

    def complement(excluded: set[int]) -> list[int]:
        for universe in (range(32, 127), range(0xA1, 0x100), range(0xAC00, 0xD7A4)):
            left = [p for p in universe if p not in excluded]
            if left:
                return left
        return []

    def in_set(items) -> tuple:
        negate = False
        chosen: set[int] = set()
        excluded_by_neg: list[set[int]] = []
        for op, av in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                chosen.add(av)
            elif op is c.RANGE:
                lo, hi = av
                chosen.update(range(lo, min(hi, lo + 4095) + 1))
            elif op is c.CATEGORY:
                points, negated = category(av)
                if negated:
                    excluded_by_neg.append(points)
                else:
                    chosen.update(points)
            else:
                problems.append(f"set item {op} is approximated")
        if excluded_by_neg:  # [\D] or [^\W]: a negated class inside a set
            for points in excluded_by_neg:
                chosen.update(complement(points))
        if negate:
            return code_table(complement(chosen))
        return code_table(sorted(chosen))

    depth = [0]  # repeats around the part being read: open repeats inside repeats get fewer copies

    def walk(items, top: bool) -> tuple:
        parts = []
        last = len(items) - 1
        for i, (op, av) in enumerate(items):
            if op is c.LITERAL:
                parts.append(("lit", chr(av).encode("utf-8")))
            elif op is c.NOT_LITERAL:
                parts.append(code_table(complement({av})))
            elif op is c.ANY:
                parts.append(code_table(list(range(32, 127))))
            elif op is c.IN:
                parts.append(in_set(av))
            elif op is c.SUBPATTERN:
                parts.append(walk(av[-1], False))
            elif op is getattr(c, "ATOMIC_GROUP", None):
                parts.append(walk(av, False))
            elif op is c.BRANCH:
                parts.append(("alt", [walk(branch, False) for branch in av[1]]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                lo, hi, sub = av
                hi = lo + max(spread >> (2 * depth[0]), min(spread, 1)) if hi is c.MAXREPEAT else hi
                depth[0] += 1
                inner = walk(sub, False)
                depth[0] -= 1
                parts.append(("rep", inner, int(lo), int(hi)))
            elif op is c.AT:
                edge = (av in (c.AT_BEGINNING, c.AT_BEGINNING_STRING) and i == 0) or \
                       (av in (c.AT_END, c.AT_END_STRING) and i == last)
                if not (top and edge):
                    problems.append(f"anchor {str(av).lower()} inside the pattern")
            elif op in (c.ASSERT, c.ASSERT_NOT):
                problems.append("lookaround (?=...), (?!...), (?<=...) or (?<!...)")
            elif op in (c.GROUPREF, getattr(c, "GROUPREF_EXISTS", None)):
                problems.append("backreference to a group")
            else:
                problems.append(f"{str(op).lower()} is not generated")
        if not parts:
            return ("lit", b"")
        return parts[0] if len(parts) == 1 else ("seq", parts)

    parsed = _parser.parse(pattern)
    tree = walk(list(parsed), True)

    def longest(node: tuple) -> int:
        kind = node[0]
        if kind == "lit":
            return len(node[1])
        if kind == "chars":
            return max(table.shape[1] for table in node[1])
        if kind == "seq":
            return sum(longest(part) for part in node[1])
        if kind == "alt":
            return max(longest(part) for part in node[1])
        return longest(node[1]) * node[3]

    # `x{200000000}` is a valid regex whose every value is 200 MB: refused before anything is drawn
    most = longest(tree)
    if most > 65_536:
        from re import error

        raise error(f"its values can be {most:,} bytes long; at most 65,536 are generated")
    return tree, list(dict.fromkeys(problems))


def regex_width(node: tuple) -> int | None:
    """Bytes of every string a node makes, or None when they differ."""
    kind = node[0]
    if kind == "lit":
        return len(node[1])
    if kind == "chars":
        return node[1][0].shape[1] if len(node[1]) == 1 else None
    if kind == "seq":
        widths = [regex_width(part) for part in node[1]]
        return None if None in widths else sum(widths)
    if kind == "alt":
        widths = {regex_width(part) for part in node[1]}
        return widths.pop() if len(widths) == 1 and None not in widths else None
    width = regex_width(node[1])
    return None if width is None or node[2] != node[3] else width * node[2]


def regex_matrix(rng: np.random.Generator, n: int, node: tuple) -> np.ndarray | pa.Array:
    """A node's strings for `n` rows: an (n, width) byte matrix when the width is fixed, else an array."""
    kind = node[0]
    if kind == "lit":
        return np.broadcast_to(np.frombuffer(node[1], dtype=np.uint8), (n, len(node[1])))
    if kind == "chars":
        if len(node[1]) > 1:
            sizes = np.array([len(t) for t in node[1]], dtype=np.float64)
            choice = rng.choice(len(sizes), n, p=sizes / sizes.sum())
            parts = [regex_strings(rng, int((choice == k).sum()), ("chars", [t])) for k, t in enumerate(node[1])]
            return select(choice, parts)
        return regex_draw(rng, node[1][0], n, 1)
    if kind == "seq":
        out: list = []
        for part in node[1]:
            made = regex_matrix(rng, n, part)
            if isinstance(made, np.ndarray) and out and isinstance(out[-1], np.ndarray):
                out[-1] = np.hstack([out[-1], made])
            else:
                out.append(made)
        if not out:
            return np.empty((n, 0), dtype=np.uint8)
        if len(out) == 1:
            return out[0]
        return join([regex_array(part) for part in out])
    if kind == "alt":
        branches = node[1]
        choice = rng.integers(0, len(branches), n)
        width = regex_width(node)
        if width is not None:
            matrix = np.empty((n, width), dtype=np.uint8)
            for k, branch in enumerate(branches):
                rows = np.flatnonzero(choice == k)
                if len(rows):
                    matrix[rows] = regex_matrix(rng, len(rows), branch)
            return matrix
        parts = [regex_strings(rng, int((choice == k).sum()), b) for k, b in enumerate(branches)]
        return select(choice, parts)
    sub, lo, hi = node[1], node[2], node[3]
    width = regex_width(sub)
    if width is not None and sub[0] == "chars":
        if lo == hi:
            return regex_draw(rng, sub[1][0], n, lo)
        counts = rng.integers(lo, hi + 1, n)
        return ragged_strings(regex_draw(rng, sub[1][0], n, hi), counts * width)
    if width is not None:
        copies = [regex_matrix(rng, n, sub) for _ in range(hi)]
        matrix = np.hstack(copies) if copies else np.empty((n, 0), dtype=np.uint8)
        if lo == hi:
            return matrix
        return ragged_strings(matrix, rng.integers(lo, hi + 1, n) * width)
    counts = rng.integers(lo, hi + 1, n)
    copies = []
    for j in range(hi):
        wanted = counts > j  # only the rows that still need a copy draw one
        k = int(wanted.sum())
        if not k:
            break
        made = regex_strings(rng, k, sub)
        copies.append(made if k == n else select(wanted.astype(np.int64), [constant("", n - k), made]))
    return join(copies) if copies else constant("", n)


def regex_draw(rng: np.random.Generator, table: np.ndarray, n: int, count: int) -> np.ndarray:
    """(n, count * width) bytes: `count` characters per row from one byte table."""
    size, width = table.shape
    if width == 1 and int(table[-1, 0]) - int(table[0, 0]) + 1 == size and (np.diff(table[:, 0]) == 1).all():
        return rng.integers(int(table[0, 0]), int(table[-1, 0]) + 1, (n, count), dtype=np.uint8)
    return table[rng.integers(0, size, (n, count))].reshape(n, count * width)


def regex_array(made: np.ndarray | pa.Array) -> pa.Array:
    """A string array from regex_matrix's result."""
    if not isinstance(made, np.ndarray):
        return made
    if made.shape[1] == 0:
        return constant("", made.shape[0])
    return fixed_strings(made)


def regex_strings(rng: np.random.Generator, n: int, node: tuple) -> pa.Array:
    """A node's strings for `n` rows, as a string array."""
    return regex_array(regex_matrix(rng, n, node))


def regex_shapes(node: tuple, limit: int = 256) -> list[list[np.ndarray]] | None:
    """Every fixed-width shape a node can take (lists of byte tables), or None past `limit` shapes."""
    kind = node[0]
    if kind == "lit":
        return [[np.frombuffer(node[1], dtype=np.uint8).reshape(1, -1)]] if node[1] else [[]]
    if kind == "chars":
        return [[t] for t in node[1]]
    if kind == "alt":
        out = []
        for branch in node[1]:
            shapes = regex_shapes(branch, limit)
            if shapes is None or len(out) + len(shapes) > limit:
                return None
            out.extend(shapes)
        return out
    if kind == "seq":
        out = [[]]
        for part in node[1]:
            shapes = regex_shapes(part, limit)
            if shapes is None or len(out) * len(shapes) > limit:
                return None
            out = [a + b for a in out for b in shapes]
        return out
    sub, lo, hi = node[1], node[2], node[3]
    shapes = regex_shapes(sub, limit)
    if shapes is None:
        return None
    out = []
    for count in range(lo, hi + 1):
        made = [[]]
        for _ in range(count):
            if len(made) * len(shapes) > limit:
                return None
            made = [a + b for a in made for b in shapes]
        out.extend(made)
        if len(out) > limit:
            return None
    return out


def regex_unique_shapes(pattern: str) -> list[list[np.ndarray]]:
    """Shapes of a pattern that never spell the same string twice (for unique columns).

    Open repeats are narrowed until the expansion fits; of two shapes of one
    width that share a possible byte at every position, only the first is kept.
    """
    shapes = None
    for spread in (8, 4, 2, 1, 0):
        tree, _ = regex_tree(pattern, spread)
        shapes = regex_shapes(tree)
        if shapes is not None:
            break
    if shapes is None:
        raise ValueError(f"pattern {pattern!r} has too many alternatives to be made unique")
    kept: list[list[np.ndarray]] = []
    masks: list[tuple[int, np.ndarray]] = []
    for shape in shapes:
        shape = [t for t in shape if t.shape[1]]
        columns = [t[:, j] for t in shape for j in range(t.shape[1])]
        mask = np.zeros((len(columns), 256), dtype=bool)
        for j, col in enumerate(columns):
            mask[j, col] = True
        if any(w == len(columns) and bool(np.any(mask & other, axis=1).all()) for w, other in masks):
            continue
        kept.append(shape)
        masks.append((len(columns), mask))
    return kept


def regex_capacity(pattern: str) -> int:
    """How many distinct strings the unique mode can make (capped at 2**62)."""
    total = 0
    for shape in regex_unique_shapes(pattern):
        size = 1
        for table in shape:
            size *= len(table)
        total += size
    return min(total, 1 << 62)


def regex_unique(pattern: str, rows: np.ndarray, key: int) -> pa.Array:
    """One distinct string per row number: rows permuted over the shapes' capacity, then mixed radix."""
    shapes = regex_unique_shapes(pattern)
    sizes = []
    for shape in shapes:
        size = 1
        for table in shape:
            size *= len(table)
        sizes.append(min(size, 1 << 62))
    starts = [0]
    for size in sizes:
        starts.append(min(starts[-1] + size, 1 << 62))
    total = starts[-1]
    rows = np.asarray(rows, dtype=U64)
    if len(rows) and int(rows.max()) >= total:
        raise ValueError(f"pattern {pattern!r} makes only {total:,} distinct values")
    spot = permute(rows, total, key) if len(rows) else rows
    bounds = np.array(starts[1:], dtype=U64)
    which = np.searchsorted(bounds, spot, side="right")
    parts = []
    for k, shape in enumerate(shapes):
        local = spot[which == k] - U64(starts[k])
        width = sum(t.shape[1] for t in shape)
        out = np.empty((len(local), width), dtype=np.uint8)
        col = width
        for table in reversed(shape):
            col -= table.shape[1]
            digit = (local % U64(len(table))).astype(np.intp)
            local = local // U64(len(table))
            out[:, col:col + table.shape[1]] = table[digit]
        parts.append(regex_array(out))
    return select(which, parts)


def regex_fill(rng: np.random.Generator, n: int, pattern: str, rows: np.ndarray | None = None,
               key: int = 0, retries: int = 20) -> pa.Array:
    """`n` strings matching `pattern` (distinct per row number when `rows` is given).

    A pattern with parts the tree cannot draw (regex_problems) is drawn without
    them and checked with re.fullmatch; failing rows are drawn again up to
    `retries` times, and rows that still fail keep their last value (the
    mapping warned about that pattern already).
    """
    tree, problems = regex_tree(pattern)
    out = regex_unique(pattern, rows, key) if rows is not None else regex_strings(rng, n, tree)
    if not problems or rows is not None:
        return out
    matcher = re.compile(pattern)
    values = out.to_pylist()
    bad = [i for i, v in enumerate(values) if matcher.fullmatch(v) is None]
    for _ in range(retries):
        if not bad:
            break
        fresh = regex_strings(rng, len(bad), tree).to_pylist()
        for i, v in zip(bad, fresh, strict=True):
            values[i] = v
        bad = [i for i in bad if matcher.fullmatch(values[i]) is None]
    return str_array(values)


def regex_problems(pattern: str) -> list[str]:
    """What of a pattern the generator cannot draw directly (empty: every value matches by construction)."""
    return regex_tree(pattern)[1]


def regex_trial(pattern: str, n: int = 2000, seed: int = 0) -> float:
    """The share of `n` drawn values that `re.fullmatch` the pattern (the fallback's check)."""
    values = regex_fill(np.random.default_rng(seed), n, pattern).to_pylist()
    matcher = re.compile(pattern)
    return sum(matcher.fullmatch(v) is not None for v in values) / max(n, 1)


REGEX_HELPERS = (regex_tree, regex_width, regex_matrix, regex_draw, regex_array, regex_strings, regex_shapes,
                 regex_unique_shapes, regex_capacity, regex_unique, regex_fill)
