"""Turn the cells of one test-case row into a `TestCaseRow`.

Shared by every tabular reader (sheets, and tables in Word/Markdown/PDF), so a
Checks cell means the same thing wherever the table came from. A cell that
cannot be understood raises `CellError` naming the column; the reader adds
file, sheet and row.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tasks.requirements.model import Check, Save, TestCaseRow

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

CHECK_OPS = ("==", "!=", "exists", "matches", "type", "len")
_CHECK = re.compile(r"^\s*(?P<path>\S+)\s+(?P<op>==|!=|(?:exists|matches|type|len)\b)\s*(?P<value>.*)$")
_SAVE = re.compile(r"^\s*(?P<name>[A-Za-z_][\w.-]*)\s*=\s*(?P<path>\S.*?)\s*$")
_HEADER_SAVE = re.compile(r"^header\s*[:(]\s*['\"]?(?P<header>[^'\")]+)['\"]?\s*\)?$", re.I)
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
PLACEHOLDER = re.compile(r"\$\{[^}]+\}|<[^<>\s]+>")
_NO_AUTH = frozenset({"", "-", "none", "no", "n/a", "anonymous", "없음"})


class CellError(ValueError):
    """A cell that cannot be read; `column` names it."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"column {column}: {message}")
        self.column = column


def lines(cell: str) -> list[str]:
    return [line.strip() for line in str(cell or "").splitlines() if line.strip()]


def parse_json_cell(column: str, cell: str) -> Any:
    """A JSON cell; text that is clearly not JSON is an error, not a string."""
    text = str(cell or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        error = exc
    if PLACEHOLDER.search(text):
        # {"user_id": ${uid}}: valid once the variable is in; kept as text for the runner
        try:
            json.loads(PLACEHOLDER.sub("0", text))
            return text
        except json.JSONDecodeError as exc:
            error = exc
    raise CellError(column, f"invalid JSON ({error.msg} at line {error.lineno} column {error.colno})")


def literal(text: str) -> Any:
    """A check value: JSON when it parses, else the bare text as a string."""
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if len(text) >= 2 and text[0] == text[-1] == "'":
            return text[1:-1]
        return text


def jsonpath(path: str) -> str:
    """`id`, `.id` and `data[0].id` are read as `$.id`, `$.data[0].id`."""
    path = path.strip()
    if path.startswith("$"):
        return path
    return "$" + (path if path.startswith((".", "[")) else "." + path)


def parse_checks(cell: str) -> list[Check]:
    checks = []
    for line in lines(cell):
        match = _CHECK.match(line)
        if not match:
            raise CellError("Checks", f"cannot read {line!r} (expected 'jsonpath op value', op one of {', '.join(CHECK_OPS)})")
        op, raw = match["op"], match["value"].strip()
        value: Any = None
        if op in ("==", "!="):
            if not raw:
                raise CellError("Checks", f"{line!r}: {op} needs a value")
            value = literal(raw)
        elif op == "matches":
            value = literal(raw) if raw else None
            if not isinstance(value, str) or not value:
                raise CellError("Checks", f"{line!r}: matches needs a regular expression")
            try:
                re.compile(value)
            except re.error as exc:
                raise CellError("Checks", f"{line!r}: bad regular expression ({exc})") from None
        elif op == "type":
            value = raw.strip().strip("'\"").lower()
            if value not in _TYPES:
                raise CellError("Checks", f"{line!r}: type must be one of {', '.join(sorted(_TYPES))}")
        elif op == "len":
            try:
                value = int(raw)
            except ValueError:
                raise CellError("Checks", f"{line!r}: len needs a whole number") from None
        checks.append(Check(path=jsonpath(match["path"]), op=op, value=value))
    return checks


def parse_saves(cell: str) -> list[Save]:
    saves = []
    for line in lines(cell):
        match = _SAVE.match(line)
        if not match:
            raise CellError("Save", f"cannot read {line!r} (expected 'name = jsonpath')")
        header = _HEADER_SAVE.match(match["path"])
        if header:
            saves.append(Save(name=match["name"], header=header["header"].strip()))
        else:
            saves.append(Save(name=match["name"], path=jsonpath(match["path"])))
    return saves


def parse_headers(cell: str) -> dict[str, str]:
    text = str(cell or "").strip()
    if text.startswith("{"):
        value = parse_json_cell("Headers", text)
        if not isinstance(value, dict):
            raise CellError("Headers", "a JSON header cell must be an object")
        return {str(k): str(v) for k, v in value.items()}
    headers = {}
    for line in lines(text):
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise CellError("Headers", f"cannot read {line!r} (expected 'Name: value')")
        headers[name.strip()] = value.strip()
    return headers


def parse_query(cell: str) -> list[tuple[str, str]]:
    text = str(cell or "").strip().lstrip("?")
    if not text:
        return []
    if text.startswith("{"):
        value = parse_json_cell("Query", text)
        if not isinstance(value, dict):
            raise CellError("Query", "a JSON query cell must be an object")
        return [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in value.items()]
    pairs = []
    for part in re.split(r"[&\n]", text):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise CellError("Query", f"cannot read {part!r} (expected 'name=value')")
        pairs.append((name.strip(), value.strip()))
    return pairs


def parse_status(cell: str) -> list[int]:
    text = str(cell or "").strip()
    if not text:
        return []
    codes: list[int] = []
    phrase: list[str] = []  # words after a code: its reason phrase ("200 OK", "404 Not Found")

    def end_phrase() -> None:
        if phrase and codes and " ".join(phrase).lower() != _reason(codes[-1]).lower():
            raise CellError("Expected Status", f"{' '.join(phrase)!r} is not the reason phrase of {codes[-1]} "
                                               f"({_reason(codes[-1]) or 'none known'})")
        phrase.clear()

    for part in re.split(r"([,|/])|\s+", text):
        if not part:
            continue
        if part in ",|/":
            end_phrase()
            continue
        try:
            code = int(float(part))
        except ValueError:
            if codes and re.fullmatch(r"[A-Za-z][A-Za-z'-]*", part):
                phrase.append(part)
                continue
            raise CellError("Expected Status", f"{text!r} is not an HTTP status code") from None
        end_phrase()
        if not 100 <= code <= 599:
            raise CellError("Expected Status", f"{code} is not an HTTP status code")
        codes.append(code)
    end_phrase()
    return codes


def _reason(code: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def parse_method(cell: str) -> str:
    method = str(cell or "").strip().upper()
    if method not in METHODS:
        raise CellError("Method", f"unknown HTTP method {str(cell).strip()!r} (known: {', '.join(sorted(METHODS))})")
    return method


def parse_auth(cell: str) -> tuple[str | None, dict[str, str]]:
    """A profile name, or a literal `Bearer TOKEN` which becomes a header. An empty cell is ""
    (the target's `default` profile, when it has one); `none`, `-` and the like are None."""
    text = str(cell or "").strip()
    if not text:
        return "", {}
    if text.lower() in _NO_AUTH:
        return None, {}
    if text.lower().startswith("bearer "):
        return None, {"Authorization": "Bearer " + text[7:].strip()}
    return text, {}


def parse_tags(cell: str) -> list[str]:
    tags = []
    for part in re.split(r"[\s,;]+", str(cell or "")):
        part = part.strip().lstrip("@")
        if part:
            tags.append(re.sub(r"[^\w.-]", "_", part))
    return tags


def build_row(cells: dict[str, str], source: str, given: list[str]) -> TestCaseRow:
    """A `TestCaseRow` from the cells of one row (field -> text)."""
    auth, auth_headers = parse_auth(cells.get("auth", ""))
    headers = {**auth_headers, **parse_headers(cells.get("headers", ""))}
    path = str(cells.get("path", "")).strip()
    if not path:
        raise CellError("Path", "a row with a method needs a path")
    return TestCaseRow(
        method=parse_method(cells.get("method", "")),
        path=path,
        headers=headers,
        query=parse_query(cells.get("query", "")),
        body=parse_json_cell("Body", cells.get("body", "")),
        expected_status=parse_status(cells.get("expected_status", "")),
        expected_body=parse_json_cell("Expected Body", cells.get("expected_body", "")),
        checks=parse_checks(cells.get("checks", "")),
        saves=parse_saves(cells.get("save", "")),
        auth=auth,
        given=given,
        source=source,
    )
