"""A whole SQL dump -> its statements, each with its place in the file and its kind.

Real dumps (pg_dump, mysqldump, sample-database scripts) hold far more than
CREATE TABLE: routines between `DELIMITER //` lines or in `$$`-quoted bodies,
psql meta-commands (`\\c db`), `COPY ... FROM stdin` data ending in `\\.`,
MySQL conditional comments (`/*!50705 ... */`), grants, settings. sqlglot
parses one statement at a time well but cannot split such a file itself, so
this module does the splitting with a small quote-aware scanner and sorts each
statement into a kind: the reader parses the kinds it models and counts the
rest as skipped (one warning per kind, with a count).

Offsets are kept exactly: conditional-comment markers are blanked with spaces,
never removed, so every line:column reported points into the user's file.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# Kinds the reader models, by the statement's first words.
MODELLED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("table", r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?"
                  r"TABLE\b(?!\s+\w+\s+AS\s+SELECT)"),
        ("type", r"CREATE\s+TYPE\b"),
        ("domain", r"CREATE\s+DOMAIN\b"),
        ("index", r"CREATE\s+(?:UNIQUE\s+)?INDEX\b"),
        ("alter table", r"ALTER\s+TABLE\b"),
        ("comment", r"COMMENT\s+ON\b"),
        ("insert", r"(?:INSERT|REPLACE)\s+(?:(?:IGNORE|LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\s+)?(?:INTO\s+)?[`\"\w]"),
        ("copy", r"COPY\s+\S+(?:\s*\([^)]*\))?\s+FROM\s+stdin\b"),
        ("sequence", r"CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?SEQUENCE\b"),
    )
)

# Kinds that are skipped, by their first words: (label in the warning, pattern). Order matters.
_DEFINER = r"(?:(?:ALGORITHM\s*=\s*\w+|DEFINER\s*=\s*\S+|SQL\s+SECURITY\s+\w+|OR\s+REPLACE|"
_DEFINER += r"CONSTRAINT|RECURSIVE|TEMP(?:ORARY)?|AGGREGATE)\s+)*"
SKIPPED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("materialized view", r"(?:CREATE|ALTER|DROP|REFRESH)\s+MATERIALIZED\s+VIEW\b"),
        ("view", rf"CREATE\s+{_DEFINER}VIEW\b"),
        ("routine (function, procedure, aggregate)",
         rf"CREATE\s+{_DEFINER}(?:FUNCTION|PROCEDURE|AGGREGATE)\b"),
        ("trigger", rf"CREATE\s+{_DEFINER}(?:EVENT\s+)?TRIGGER\b"),
        ("event", rf"CREATE\s+{_DEFINER}EVENT\b"),
        ("rule", r"CREATE\s+(?:OR\s+REPLACE\s+)?RULE\b"),
        ("policy", r"(?:CREATE|ALTER)\s+POLICY\b|ALTER\s+TABLE\s+.*\s(?:ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY"),
        ("GRANT/REVOKE", r"(?:GRANT|REVOKE)\b|ALTER\s+DEFAULT\s+PRIVILEGES\b"),
        ("OWNER TO", r"ALTER\s+.*\sOWNER\s+TO\b"),
        ("CREATE/DROP DATABASE or SCHEMA", r"(?:CREATE|DROP|ALTER)\s+(?:DATABASE|SCHEMA)\b"),
        ("USE", r"USE\b"),
        ("mysql client command (SOURCE)", r"SOURCE\b"),
        ("extension", r"(?:CREATE|ALTER|DROP)\s+EXTENSION\b"),
        ("SET", r"SET\b|RESET\b"),
        ("set_config", r"SELECT\s+(?:pg_catalog\.)?set_config\s*\("),
        ("sequence value", r"SELECT\s+(?:pg_catalog\.)?setval\s*\(|ALTER\s+SEQUENCE\b"),
        ("DROP", r"DROP\b"),
        ("LOCK/UNLOCK TABLES", r"(?:UN)?LOCK\s+TABLES?\b"),
        ("transaction", r"(?:BEGIN|COMMIT|START\s+TRANSACTION|ROLLBACK|SAVEPOINT|END)\b"),
        ("CREATE (other)", r"CREATE\b"),
        ("ALTER (other)", r"ALTER\b"),
        ("query", r"(?:SELECT|WITH|CALL|DO|EXECUTE|PREPARE|VALUES|ANALYZE|VACUUM|CHECKPOINT|"
                  r"UPDATE|DELETE|TRUNCATE|SHOW|DESCRIBE|EXPLAIN|FLUSH|OPTIMIZE|PRAGMA)\b"),
    )
)

_BEFORE_MODELLED = {
    "materialized view", "view", "routine (function, procedure, aggregate)", "trigger", "event", "rule", "policy",
    "OWNER TO",
}
_CONDITIONAL = re.compile(r"/\*!(?:M?\d{5,6})?")
_CONDITIONAL_SPECIALS = re.compile(r"['\"`/*-]")
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$")
_DELIMITER = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*", re.IGNORECASE)
_COPY_HEAD = re.compile(r"COPY\s+(\S+)\s*(?:\(([^)]*)\))?\s+FROM\s+stdin\b", re.IGNORECASE)


@dataclass
class Statement:
    """One statement of the file: its text, where it starts and what kind it is."""

    text: str
    offset: int
    line: int
    column: int
    kind: str  # a MODELLED kind, or a SKIPPED label
    skipped: bool
    data: list[str] = field(default_factory=list)  # COPY ... FROM stdin rows (tab-separated lines)
    data_line: int = 0  # the line of the first data row


class Lines:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


def unwrap_conditional_comments(text: str) -> str:
    """`/*!50705 GEOMETRY */` -> `         GEOMETRY   `: MySQL runs what they hold, so we read it.

    Markers become spaces (same length), so offsets, lines and columns do not move.
    Quotes are respected: a `/*!` inside a string is left alone.
    """
    if "/*!" not in text:
        return text
    chars = list(text)
    i, n = 0, len(text)
    open_conditionals = 0
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            i = _skip_quoted(text, i, backslash=True)
            continue
        if text.startswith("/*!", i):
            match = _CONDITIONAL.match(text, i)
            assert match is not None
            for j in range(i, match.end()):
                chars[j] = " "
            open_conditionals += 1
            i = match.end()
            continue
        if text.startswith("*/", i) and open_conditionals:
            chars[i] = chars[i + 1] = " "
            open_conditionals -= 1
            i += 2
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        jump = _CONDITIONAL_SPECIALS.search(text, i + 1)
        i = jump.start() if jump else n
    return "".join(chars)


def split_statements(text: str, *, mysql: bool = False) -> list[Statement]:
    """Every statement of a dump, in file order, with its kind and place.

    `mysql` turns on MySQL lexing (backslash escapes in strings, `#` comments).
    """
    lines = Lines(text)
    out: list[Statement] = []
    i, n = 0, len(text)
    delimiter = ";"
    special = _specials(delimiter)
    start: int | None = None  # offset of the current statement's first real character
    while i < n:
        ch = text[i]
        if start is None:
            if ch.isspace():
                i += 1
                continue
            if text.startswith("--", i) or (mysql and ch == "#"):
                i = _line_end(text, i)
                continue
            if text.startswith("/*", i):
                end = text.find("*/", i + 2)
                i = n if end < 0 else end + 2
                continue
            if ch == "\\":  # psql meta-command: the rest of the line
                end = _line_end(text, i)
                out.append(_statement(text[i:end].rstrip(), i, lines, "psql meta-command", True))
                i = end
                continue
            match = _DELIMITER.match(text, i)
            if match:  # the mysql client's own command: the statement delimiter changes
                delimiter = match.group(1)
                special = _specials(delimiter)
                i = match.end()
                continue
            start = i
        if ch not in "'\"`$-/#" and ch != delimiter[0]:  # plain text: jump to the next character that matters
            jump = special.search(text, i + 1)
            i = jump.start() if jump else n
            continue
        if text.startswith(delimiter, i):
            i = _end_statement(text, start, i, delimiter, lines, out)
            start = None
            continue
        if ch in "'\"`":
            escapes = mysql or (ch == "'" and i > 0 and text[i - 1] in "eE" and not _ident(text, i - 2))
            i = _skip_quoted(text, i, backslash=escapes and ch != "`")
            continue
        if ch == "$" and not mysql and not _ident(text, i - 1):
            match = _DOLLAR.match(text, i)
            if match:
                end = text.find(match.group(0), match.end())
                i = n if end < 0 else end + len(match.group(0))
                continue
        if text.startswith("--", i) or (mysql and ch == "#"):
            i = _line_end(text, i)
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        i += 1
    if start is not None and text[start:].strip():
        _end_statement(text, start, n, "", lines, out)
    return out


def _specials(delimiter: str) -> re.Pattern[str]:
    """Characters that can start a quote, a comment, a dollar quote or the delimiter."""
    return re.compile("[" + re.escape("'\"`$-/#" + delimiter[0]) + "]")


def _end_statement(text: str, start: int, end: int, delimiter: str, lines: Lines, out: list[Statement]) -> int:
    """Close the statement [start, end); returns where scanning goes on (after COPY data too)."""
    body = text[start:end].rstrip()
    kind, skipped = classify(body)
    statement = _statement(body, start, lines, kind, skipped)
    out.append(statement)
    after = end + len(delimiter)
    if kind == "copy":
        # the data starts on the next line and ends with a line holding only "\."
        line_end = _line_end(text, after)
        data_start = min(line_end + 1, len(text))
        terminator = re.compile(r"^\\\.[ \t\r]*$", re.MULTILINE).search(text, data_start)
        data_end = terminator.start() if terminator else len(text)
        statement.data = text[data_start:data_end].split("\n")
        if statement.data and statement.data[-1] == "":
            statement.data.pop()
        statement.data_line = lines.at(data_start)[0]
        return terminator.end() if terminator else len(text)
    return after


def _statement(body: str, offset: int, lines: Lines, kind: str, skipped: bool) -> Statement:
    line, column = lines.at(offset)
    return Statement(text=body, offset=offset, line=line, column=column, kind=kind, skipped=skipped)


def classify(body: str) -> tuple[str, bool]:
    """(kind, skipped) of a statement by its first words."""
    head = _strip_leading_comments(body)[:400]
    for kind, pattern in SKIPPED:  # views, routines, OWNER TO ... first: they look like modelled kinds
        if kind in _BEFORE_MODELLED and pattern.match(head):
            return kind, True
    for kind, pattern in MODELLED:
        if pattern.match(head):
            return kind, False
    for kind, pattern in SKIPPED:
        if pattern.match(head):
            return kind, True
    word = re.match(r"\w+", head)
    return f"statement {word.group(0).upper() if word else head[:20]!r}", True


def copy_target(body: str) -> tuple[str, list[str]] | None:
    """(table, columns) of `COPY table (a, b) FROM stdin`."""
    match = _COPY_HEAD.match(_strip_leading_comments(body))
    if not match:
        return None
    columns = [c.strip().strip('"') for c in (match.group(2) or "").split(",") if c.strip()]
    return match.group(1), columns


def _strip_leading_comments(body: str) -> str:
    text = body.lstrip()
    while text.startswith(("--", "/*")):
        if text.startswith("--"):
            end = text.find("\n")
            text = "" if end < 0 else text[end + 1:].lstrip()
        else:
            end = text.find("*/")
            text = "" if end < 0 else text[end + 2:].lstrip()
    return text


_QUOTED = {
    (quote, backslash): re.compile(
        rf"{quote}(?:[^{quote}\\]|\\.|{quote}{quote})*{quote}" if backslash
        else rf"{quote}(?:[^{quote}]|{quote}{quote})*{quote}",
        re.DOTALL,
    )
    for quote in ("'", '"', "`") for backslash in (True, False)
}


def _skip_quoted(text: str, i: int, *, backslash: bool) -> int:
    """The offset just past the quoted token opening at i (doubled quotes escape too); the end if unclosed."""
    match = _QUOTED[(text[i], backslash)].match(text, i)
    return match.end() if match else len(text)


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _ident(text: str, i: int) -> bool:
    return i >= 0 and (text[i].isalnum() or text[i] == "_")
