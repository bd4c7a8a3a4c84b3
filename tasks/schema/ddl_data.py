"""Rows a dump carries (`INSERT ... VALUES`, `COPY ... FROM stdin`) -> a sample of their table.

A dump with data tells more about a column than its type: the values it really
holds, their lengths and ranges, how often it is NULL. The rows are read with a
small literal scanner (sqlglot would parse a 10 MB INSERT far too slowly), at most
`MAX_SAMPLE_ROWS` per table, written to a temporary CSV and read back through
`tasks.schema.sample.infer_from_sample`, exactly as a sample CSV given by the user
would be. What the sample found is merged into the DDL's column only where the DDL
is silent or wider (the DDL's own constraints always win); keys and foreign keys
keep their own generators.
"""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path
from typing import Any

from tasks.schema.spec import ColumnSpec

MAX_SAMPLE_ROWS = 2_000
MIN_ROWS_FOR_SHAPES = 20  # fewer rows than this say nothing about a string's shape or a value set

_INSERT_HEAD = re.compile(
    r"(?:INSERT|REPLACE)\s+(?:(?:IGNORE|LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\s+)?(?:INTO\s+)?"
    r"(?P<table>(?:[`\"]?[^\s`\".(]+[`\"]?\.)*[`\"]?[^\s`\"(]+[`\"]?)\s*(?:\((?P<cols>[^)]*)\))?\s*VALUES\s*",
    re.IGNORECASE | re.DOTALL,
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][\w.]*")
_HEX = re.compile(r"0[xX][0-9a-fA-F]*")


def bare_name(name: str) -> str:
    """The last part of a possibly qualified, possibly quoted name."""
    return name.strip().split(".")[-1].strip('`"[]')


def insert_rows(body: str, limit: int, *, backslash: bool) -> tuple[str, list[str] | None, list[list[Any]]] | None:
    """(table, columns or None, rows) of an `INSERT ... VALUES (...), (...)`; None for other INSERTs.

    Values are Python str/int/float/None; anything computed (a function call) is
    read as its text. At most `limit` rows are read.
    """
    head = _INSERT_HEAD.match(body)
    if not head:
        return None
    table = bare_name(head.group("table"))
    cols = [bare_name(c) for c in head.group("cols").split(",")] if head.group("cols") else None
    rows: list[list[Any]] = []
    i, n = head.end(), len(body)
    while i < n and len(rows) < limit:
        while i < n and body[i] in " \t\r\n,":
            i += 1
        if i >= n or body[i] != "(":
            break
        row, i = _tuple(body, i + 1, backslash)
        if row is None:
            break
        rows.append(row)
    return table, cols, rows


def _tuple(body: str, i: int, backslash: bool) -> tuple[list[Any] | None, int]:
    values: list[Any] = []
    n = len(body)
    while i < n:
        ch = body[i]
        if ch in " \t\r\n" or ch == ",":
            i += 1
        elif ch == ")":
            return values, i + 1
        elif ch == "'" or (ch in "eEnN_" and body[i + 1:i + 2] == "'"):
            value, i = _string(body, body.index("'", i), backslash or ch in "eE")
            values.append(value)
        elif ch == "(" or ch.isalpha() or ch == "_":
            word = _WORD.match(body, i)
            end = word.end() if word else i
            if end < n and body[end] == "(" or ch == "(":
                start, depth = i, 0
                while i < n:  # a function call or parenthesised expression: keep its text
                    if body[i] == "'":
                        _, i = _string(body, i, backslash)
                        continue
                    depth += body[i] == "("
                    depth -= body[i] == ")"
                    i += 1
                    if depth == 0 and body[i - 1] == ")":
                        break
                values.append(body[start:i])
            else:
                text = body[i:end]
                values.append({"NULL": None, "TRUE": 1, "FALSE": 0}.get(text.upper(), text))
                i = end
                if text.startswith(("_binary", "_utf8")):  # _binary 'abc': the string follows
                    continue
        elif body.startswith(("0x", "0X"), i):  # a binary literal: kept as its text
            end = _HEX.match(body, i)
            values.append(end.group(0) if end else body[i])
            i = end.end() if end else i + 1
        else:
            number = _NUMBER.match(body, i)
            if number is None:
                if body.startswith("::", i):  # a cast after the value: ignored
                    end = re.compile(r"::[\w.]+").match(body, i)
                    i = end.end() if end else i + 2
                    continue
                return None, n
            text = number.group(0)
            values.append(int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text))
            i = number.end()
    return None, n


def _string(body: str, i: int, backslash: bool) -> tuple[str, int]:
    out: list[str] = []
    j, n = i + 1, len(body)
    while j < n:
        ch = body[j]
        if backslash and ch == "\\" and j + 1 < n:
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(body[j + 1], body[j + 1]))
            j += 2
            continue
        if ch == "'":
            if body[j + 1:j + 2] == "'":
                out.append("'")
                j += 2
                continue
            return "".join(out), j + 1
        out.append(ch)
        j += 1
    return "".join(out), n


_COPY_ESCAPES = re.compile(r"\\(.)")


def copy_rows(lines: list[str], limit: int) -> list[list[Any]]:
    """Rows of `COPY ... FROM stdin` text format: tab-separated, `\\N` is NULL, backslash escapes."""
    rows = []
    for line in lines[:limit]:
        rows.append([None if field == r"\N" else _COPY_ESCAPES.sub(_unescape, field) for field in line.split("\t")])
    return rows


def _unescape(match: re.Match[str]) -> str:
    return {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}.get(match.group(1), match.group(1))


def sample_columns(table: str, columns: list[str], rows: list[list[Any]]) -> dict[str, ColumnSpec]:
    """What a sample CSV of these rows says about each column (through sample.py, unchanged)."""
    from tasks.schema.sample import infer_from_sample

    width = len(columns)
    with tempfile.TemporaryDirectory(prefix="qaflow-ddl-sample-") as folder:
        path = Path(folder) / "sample.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                if len(row) != width:
                    continue
                writer.writerow(["" if v is None else v for v in row])
        spec = infer_from_sample(path, table=table)
    return {c.name: c for c in spec.tables[0].columns}


def merge_sample(col: ColumnSpec, seen: ColumnSpec, rows: int) -> list[str]:
    """Take what the sample knows and the DDL does not; returns the facts taken (for the mapping note)."""
    taken: list[str] = []
    if col.primary_key or col.foreign_key is not None or col.autoincrement or col.generator:
        return taken
    if col.nullable and seen.null_rate and not col.null_rate:
        col.null_rate = seen.null_rate
        taken.append(f"null rate {seen.null_rate:g}")
    compatible = seen.type == col.type or (col.type in {"float", "decimal"} and seen.type in {"integer", "float"})
    if not compatible:
        return taken
    if col.enum is None and seen.enum and not col.unique and rows >= MIN_ROWS_FOR_SHAPES:
        col.enum, col.enum_weights = list(seen.enum), seen.enum_weights
        taken.append(f"{len(seen.enum)} values")
    if col.type in {"integer", "float", "decimal", "date", "datetime"} and col.enum is None and not col.unique:
        if col.type in {"date", "datetime"} and seen.min == seen.max:
            return taken  # one instant in every row is how it was loaded, not a range to keep
        for bound, wider in (("min", _lt), ("max", _gt)):
            value = getattr(seen, bound)
            current = getattr(col, bound)
            if value is not None and (current is None or wider(current, value)):
                setattr(col, bound, value)
                taken.append(f"{bound} {value}")
    if col.type == "string" and col.enum is None:
        if seen.max_length and (col.max_length is None or seen.max_length < col.max_length):
            col.max_length = max(seen.max_length, col.min_length or 0)
            col.min_length = min(seen.min_length or 0, col.max_length) if seen.min_length else col.min_length
            taken.append(f"lengths {col.min_length or 0}-{col.max_length}")
        if col.format is None and seen.format:
            col.format = seen.format
            taken.append(f"format {seen.format}")
        elif col.pattern is None and seen.pattern and rows >= MIN_ROWS_FOR_SHAPES and not col.unique:
            col.pattern = seen.pattern
            taken.append(f"pattern {seen.pattern}")
    return taken


def _lt(current: Any, value: Any) -> bool:
    try:
        return current < value
    except TypeError:
        return False


def _gt(current: Any, value: Any) -> bool:
    try:
        return current > value
    except TypeError:
        return False
