"""Values an OpenAPI operation accepts, from the document's own examples first.

A request is only as good as the values in it: the document's `example`,
`examples` and `default` win (on the media type, the parameter, the schema and
each property), and only where the document gives none is a value built from the
schema's type, format, pattern and bounds. Every property of an object is filled,
not only the required ones (a server that ignores half a body is not tested),
except `readOnly` ones in requests, which the server owns.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any
from xml.sax.saxutils import escape

MAX_DEPTH = 8  # nesting of schemas followed; deeper (or recursive) parts are left out
FULL_DEPTH = 4  # below this, optional properties without an example of their own are left out


def resolve(document: dict, node: Any, depth: int = 0) -> Any:
    """`node` with a local `$ref` (`#/components/...`) followed; anything else as it is."""
    if isinstance(node, dict) and "$ref" in node and depth < 20:
        target: Any = document
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        return resolve(document, target, depth + 1)
    return node


def own_example(document: dict, node: Any) -> tuple[bool, Any]:
    """(found, value) of an object's own example: `example`, the first of `examples` (a list
    in a 3.1 schema, a map of Example objects on a media type or parameter), or `default`."""
    if not isinstance(node, dict):
        return False, None
    if "example" in node:
        return True, node["example"]
    examples = node.get("examples")
    if isinstance(examples, list) and examples:
        return True, examples[0]
    if isinstance(examples, dict):
        for item in examples.values():
            item = resolve(document, item)
            if isinstance(item, dict) and "value" in item:
                return True, item["value"]
    if "default" in node:
        return True, node["default"]
    return False, None


def example_for(document: dict, schema: Any, depth: int = 0, *, request: bool = True) -> Any:
    """A value valid against `schema`: its own example or default, else one built from its type.

    `request` leaves out `readOnly` properties (a response would leave out `writeOnly` ones)."""
    schema = resolve(document, schema or {})
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    found, value = own_example(document, schema)
    if found:
        return value
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("allOf"):
        merged: dict = {}
        for part in schema["allOf"]:
            part_value = example_for(document, part, depth + 1, request=request)
            if isinstance(part_value, dict):
                merged.update(part_value)
        if schema.get("properties"):
            merged.update(_object(document, schema, depth, request))
        return merged
    for key in ("oneOf", "anyOf"):
        options = [o for o in schema.get(key) or [] if resolve(document, o).get("type") != "null"]
        if options:
            return example_for(document, options[0], depth + 1, request=request)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return _object(document, schema, depth, request)
    if kind == "array":
        item = example_for(document, schema.get("items"), depth + 1, request=request)
        if item is None:
            return []
        return [item] * max(int(schema.get("minItems", 1) or 0), 1)
    if kind == "integer":
        return _integer(schema)
    if kind == "number":
        return float(_integer(schema)) if "multipleOf" in schema else float(_low(schema, 1.0, 0.5))
    if kind == "boolean":
        return True
    if kind == "string":
        return string_example(schema)
    return None


def _object(document: dict, schema: dict, depth: int, request: bool) -> dict[str, Any]:
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        resolved = resolve(document, prop)
        if not isinstance(resolved, dict):
            continue
        if resolved.get("readOnly" if request else "writeOnly") and name not in required:
            continue
        if depth >= FULL_DEPTH and name not in required and not own_example(document, resolved)[0]:
            continue
        value = example_for(document, prop, depth + 1, request=request)
        if value is None and name not in required and not _nullable(resolved):
            continue
        out[name] = value
    return out


def _nullable(schema: dict) -> bool:
    kind = schema.get("type")
    return bool(schema.get("nullable")) or (isinstance(kind, list) and "null" in kind) or kind == "null"


def _low(schema: dict, fallback: float, step: float) -> float:
    """`fallback` when the bounds allow it, else the lowest allowed value: minimum,
    exclusiveMinimum as a number (3.1) or as a flag on minimum (3.0), maximum likewise."""
    low: float | None = None
    exclusive = schema.get("exclusiveMinimum")
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        low = exclusive + step
    elif isinstance(schema.get("minimum"), int | float):
        low = schema["minimum"] + (step if exclusive is True else 0)
    high: float | None = None
    exclusive = schema.get("exclusiveMaximum")
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        high = exclusive - step
    elif isinstance(schema.get("maximum"), int | float):
        high = schema["maximum"] - (step if exclusive is True else 0)
    value = fallback if low is None else max(low, fallback)
    if high is not None and value > high:
        value = low if low is not None else high
    return value


def _integer(schema: dict) -> int:
    value = int(_low(schema, 1, 1))
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0 and value % step:
        value += step - value % step
    return value


_FORMATS = {"email": "qa@example.com", "uuid": "00000000-0000-4000-8000-000000000000",
            "date": "2026-01-01", "date-time": "2026-01-01T00:00:00Z", "time": "12:00:00Z",
            "uri": "https://example.com/", "url": "https://example.com/", "hostname": "example.com",
            "ipv4": "127.0.0.1", "ipv6": "::1", "password": "Secret123!", "byte": "ZXhhbXBsZQ==",
            "binary": "example"}
_CANDIDATES = ("example", "qa@example.com", "A-1", "2026-01-01", "1", "abc", "ABC", "https://example.com/")


def string_example(schema: dict) -> str:
    """A string for a schema with no example: by format, matching the pattern when one of a few
    candidates does, and cut or padded to the length bounds."""
    value = _FORMATS.get(str(schema.get("format")), "example")
    pattern = schema.get("pattern")
    if pattern:
        with contextlib.suppress(re.error):
            value = next((c for c in (value, *_CANDIDATES) if re.search(pattern, c)), value)
    min_length = int(schema.get("minLength", 0) or 0)
    max_length = schema.get("maxLength")
    if len(value) < min_length:
        value = value + "x" * (min_length - len(value))
    if max_length is not None:
        value = value[: int(max_length)]
    return value


def to_xml(document: dict, schema: Any, value: Any, name: str | None = None) -> str:
    """An XML text of `value` shaped by the schema's `xml` hints (element names, wrapped
    arrays, attributes): what a client of an XML-only operation sends."""
    schema = resolve(document, schema or {})
    schema = schema if isinstance(schema, dict) else {}
    hints = schema.get("xml") or {}
    tag = hints.get("name") or name or "root"
    if isinstance(value, dict):
        attributes = []
        children = []
        props = schema.get("properties") or {}
        for key, item in value.items():
            prop = resolve(document, props.get(key) or {})
            prop = prop if isinstance(prop, dict) else {}
            if (prop.get("xml") or {}).get("attribute"):
                attributes.append(f' {key}="{escape(_scalar(item), {chr(34): "&quot;"})}"')
            else:
                children.append(to_xml(document, prop, item, key))
        return f"<{tag}{''.join(attributes)}>{''.join(children)}</{tag}>"
    if isinstance(value, list):
        items = resolve(document, schema.get("items") or {})
        items = items if isinstance(items, dict) else {}
        inner = "".join(to_xml(document, items, item, (items.get("xml") or {}).get("name") or tag) for item in value)
        return f"<{tag}>{inner}</{tag}>" if hints.get("wrapped") else inner
    return f"<{tag}>{escape(_scalar(value))}</{tag}>"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
