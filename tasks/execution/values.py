"""Values in steps: `${name}` substitution, JSON templating that keeps types, and
the partial JSON match with `#string`-style markers.

Substitution happens at run time, per scenario, so a value saved by one step
is seen by the next; outline `<column>`s are already filled in by the Gherkin
compiler before a scenario starts.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tasks.execution.redaction import clip

_VAR = re.compile(r"\$\{([^}]+)\}")


class UnknownVariable(KeyError):
    def __str__(self) -> str:
        return f"unknown variable ${{{self.args[0]}}}"


def lookup(name: str, variables: Mapping[str, Any]) -> Any:
    """The value of `${name}`: a saved variable, `env.NAME`, `uuid`, `now` or a Postman
    dynamic variable (`$guid`, `$timestamp`, `$randomInt`, `$randomFirstName`, ...)."""
    name = name.strip()
    if name in variables:
        return variables[name]
    if name.startswith("env."):
        key = name[4:]
        if key not in os.environ:
            raise UnknownVariable(name)
        return os.environ[key]
    if name == "uuid":
        return str(uuid.uuid4())
    if name == "now":
        return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if name.startswith("$"):  # Postman's dynamic variables: ${$guid}, ${$randomFirstName}...
        from tasks.pmsandbox.dynamic import dynamic_value

        value = dynamic_value(name, variables)
        if value is not None:
            return value
    raise UnknownVariable(name)


def as_text(value: Any) -> str:
    """How a value reads inside a string: JSON for containers and booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list) or value is None:
        return json.dumps(value)
    return str(value)


def substitute(text: str, variables: Mapping[str, Any]) -> str:
    """Replace every `${...}` in plain text (URLs, header values, paths)."""
    return _VAR.sub(lambda m: as_text(lookup(m.group(1), variables)), text)


def substitute_json(text: str, variables: Mapping[str, Any]) -> str:
    """Replace `${...}` in JSON text so that types survive.

    A string that is nothing but a placeholder (`"${id}"`) becomes the variable's
    own JSON value, so an integer id stays an integer; a placeholder inside a
    longer string is spliced in as escaped text; a bare placeholder outside any
    string becomes the value's JSON.
    """
    out: list[str] = []
    i = 0
    in_string = False
    string_start = -1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "$" and i + 1 < n and text[i + 1] == "{":
            end = text.find("}", i + 2)
            if end == -1:
                out.append(text[i:])
                break
            value = lookup(text[i + 2 : end], variables)
            after = end + 1
            if in_string:
                whole = string_start == len(out) - 1 and after < n and text[after] == '"'
                if whole:
                    out[-1] = json.dumps(value)
                    in_string = False
                    i = after + 1
                    continue
                out.append(json.dumps(as_text(value))[1:-1])
            else:
                out.append(_bare(value))
            i = after
            continue
        if in_string and ch == "\\" and i + 1 < n:
            out.append(text[i : i + 2])
            i += 2
            continue
        if ch == '"':
            in_string = not in_string
            if in_string:
                out.append(ch)
                string_start = len(out) - 1
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _bare(value: Any) -> str:
    """A placeholder outside quotes: text that is already a JSON literal (an environment
    variable holding 3 or true) goes in as it is; anything else as its JSON."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value)
        return value
    return json.dumps(value)


def parse_json(text: str, variables: Mapping[str, Any], what: str = "value") -> Any:
    """JSON text with variables substituted, or a ValueError that says where it broke."""
    filled = substitute_json(text, variables)
    try:
        return json.loads(filled)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}): {clip(filled, 200, '')}") from exc


# ---- JSON kinds -------------------------------------------------------------

def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


TYPE_CHECKS: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for failure messages."""
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if TYPE_CHECKS[name](value):
            return name
    return type(value).__name__


def _is_uuid(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        uuid.UUID(v)
    except ValueError:
        return False
    return True


MARKERS: dict[str, Any] = {
    "#string": lambda v: isinstance(v, str),
    "#number": _is_number,
    "#uuid": _is_uuid,
    "#ignore": lambda v: True,
    "#notnull": lambda v: v is not None,
    "#array": lambda v: isinstance(v, list),
    "#object": lambda v: isinstance(v, dict),
    "#boolean": lambda v: isinstance(v, bool),
}


def equal(expected: Any, actual: Any) -> bool:
    """JSON equality where 1 == 1.0 but True != 1."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return expected == actual


def partial_mismatches(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` does not contain `expected`; empty when it does.

    Objects match when every expected key matches (extra keys are fine); arrays
    match element by element and must have the same length; a marker string
    (`#string`, `#number`, `#uuid`, `#ignore`, ...) matches by kind.
    """
    if isinstance(expected, str) and expected in MARKERS:
        if MARKERS[expected](actual):
            return []
        return [f"{path}: expected {expected}, got {clip(json.dumps(actual), 200, '')}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {json_type(actual)}"]
        problems: list[str] = []
        for key, value in expected.items():
            child = f"{path}.{key}"
            if key not in actual:
                if value == "#ignore":
                    continue
                problems.append(f"{child}: missing (expected {clip(json.dumps(value), 200, '')})")
                continue
            problems.extend(partial_mismatches(value, actual[key], child))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {json_type(actual)}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}"]
        problems = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems.extend(partial_mismatches(want, got, f"{path}[{index}]"))
        return problems
    if equal(expected, actual):
        return []
    return [f"{path}: expected {clip(json.dumps(expected), 200, '')}, got {clip(json.dumps(actual), 200, '')}"]
