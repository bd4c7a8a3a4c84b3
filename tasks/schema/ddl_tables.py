"""What sqlglot cannot parse in a real CREATE TABLE, taken out before it parses it.

Three things real dumps write that sqlglot (as installed) refuses: PostgreSQL 18's
`GENERATED ALWAYS AS (...) VIRTUAL`, MySQL's spatial types other than GEOMETRY
(`POINT`, `POLYGON`, ...), and partition clauses (`PARTITION BY RANGE COLUMNS (...)
(PARTITION p01 VALUES LESS THAN (...), ...)`). Each is blanked with spaces of the
same length (so every line:column still points into the user's file) and what it
said is returned as facts the reader applies to the parsed table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SPATIAL = ("GEOMETRYCOLLECTION", "MULTILINESTRING", "MULTIPOLYGON", "MULTIPOINT", "LINESTRING", "POLYGON",
           "POINT", "GEOMETRY", "GEOGRAPHY")
_SPATIAL_COLUMN = re.compile(
    r"(?P<lead>[(,]\s*)(?P<q>[`\"]?)(?P<name>[^\s`\",()]+)(?P=q)\s+(?P<type>"
    + "|".join(SPATIAL) + r")\b(?P<srid>\s*\(\s*\w+\s*(?:,\s*\d+\s*)?\))?",
    re.IGNORECASE,
)
_VIRTUAL = re.compile(r"(?<=\))(\s*)(VIRTUAL|STORED)\b", re.IGNORECASE)
_PARTITION_BY = re.compile(r"\bPARTITION\s+BY\s+(RANGE|LIST|HASH|KEY)\s*(COLUMNS\s*)?\(", re.IGNORECASE)
_PARTITION_OF = re.compile(
    r"CREATE\s+(?:\w+\s+)*?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<child>\S+)\s+PARTITION\s+OF\s+(?P<parent>[^\s(]+)"
    r"(?P<rest>.*)$", re.IGNORECASE | re.DOTALL,
)
_LESS_THAN = re.compile(r"VALUES\s+LESS\s+THAN\s*\(\s*([^)]*?)\s*\)", re.IGNORECASE)


@dataclass
class TableText:
    """A CREATE TABLE made parseable, and what was taken out of it."""

    text: str
    spatial: dict[str, str] = field(default_factory=dict)  # column -> its spatial type as written
    partition_method: str | None = None
    partition_key: str | None = None  # a plain column, or None when the key is an expression
    upper_bound: str | None = None  # MySQL: the last VALUES LESS THAN (not MAXVALUE)


def prepare_table(text: str) -> TableText:
    """Blank what sqlglot cannot parse; keep what it meant."""
    out = TableText(text=text)
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, end):
            if chars[k] not in "\n":
                chars[k] = " "

    match = _PARTITION_BY.search(text)
    if match:
        out.partition_method = match.group(1).upper()
        close = _matching_paren(text, match.end() - 1)
        key = text[match.end():close].strip().strip('`"') if close > 0 else ""
        out.partition_key = key if re.fullmatch(r"\w+", key) else None
        bounds = _LESS_THAN.findall(text, match.end())
        if bounds and bounds[-1].upper() != "MAXVALUE":
            out.upper_bound = bounds[-1].strip("'\"")
        blank(match.start(), len(text))
    for spatial in _SPATIAL_COLUMN.finditer(text):
        if match and spatial.start() >= match.start():
            break
        out.spatial[spatial.group("name")] = spatial.group("type").upper() + (spatial.group("srid") or "")
        start = spatial.start("type")
        end = spatial.end("srid") if spatial.group("srid") else spatial.end("type")
        blank(start, end)
        chars[start:start + 4] = list("TEXT")
    for virtual in _VIRTUAL.finditer(text):
        if match and virtual.start() >= match.start():
            break
        blank(virtual.start(2), virtual.end(2))
    out.text = "".join(chars)
    return out


def partition_of(text: str) -> tuple[str, str, str] | None:
    """(child, parent, bound clause) of `CREATE TABLE child PARTITION OF parent FOR VALUES ...`."""
    match = _PARTITION_OF.match(text.strip())
    if not match:
        return None
    return _bare(match.group("child")), _bare(match.group("parent")), match.group("rest")


def range_bounds(clause: str) -> tuple[str | None, str | None]:
    """(from, to) literals of `FOR VALUES FROM ('a') TO ('b')`; None for MINVALUE/MAXVALUE or other shapes."""
    match = re.search(r"FROM\s*\(\s*([^)]*?)\s*\)\s*TO\s*\(\s*([^)]*?)\s*\)", clause, re.IGNORECASE)
    if not match:
        return None, None

    def literal(raw: str) -> str | None:
        raw = raw.strip()
        if raw.upper() in {"MINVALUE", "MAXVALUE"} or "," in raw:
            return None
        return raw.strip("'")

    return literal(match.group(1)), literal(match.group(2))


def _bare(name: str) -> str:
    """`public."payment_p2022_01"` -> `payment_p2022_01`."""
    last = re.split(r"\.(?=(?:[^\"`]*[\"`][^\"`]*[\"`])*[^\"`]*$)", name)[-1]
    return last.strip('"`')


def _matching_paren(text: str, open_at: int) -> int:
    depth = 0
    for k in range(open_at, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return -1
