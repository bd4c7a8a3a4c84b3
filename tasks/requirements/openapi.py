"""OpenAPI 3 documents (JSON or YAML) -> one smoke requirement per operation.

Each operation is called once with an example body (the document's own, else
one built from the schema) and must answer a documented status with a body
that conforms to the document (`... should conform to the OpenAPI operation`).
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from tasks.requirements.ids import clean_id, stable_id
from tasks.requirements.model import ReadResult, Requirement, RequirementError, TestCaseRow

_METHODS = ("get", "put", "post", "delete", "patch", "options", "head")


def load_document(path: Path) -> dict:
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # json and yaml raise their own error types
        raise RequirementError(f"{path}: not valid {path.suffix.lstrip('.').upper()} ({exc})") from None
    if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3"):
        version = data.get("swagger") or data.get("openapi") if isinstance(data, dict) else None
        raise RequirementError(f"{path}: not an OpenAPI 3 document (openapi: {version or 'missing'})")
    return data


def looks_like_openapi(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:2000]
    except OSError:
        return False
    return bool(re.search(r"""^\s*["']?(openapi|swagger)["']?\s*:""", head, re.M))


def _resolve(document: dict, node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict) and "$ref" in node and depth < 20:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        return _resolve(document, target, depth + 1)
    return node


def example_for(document: dict, schema: Any, depth: int = 0) -> Any:
    """A value valid against `schema`: its example or default, else built from its type."""
    schema = _resolve(document, schema or {})
    if not isinstance(schema, dict) or depth > 8:
        return None
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples") and isinstance(schema["examples"], list):
        return schema["examples"][0]
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("allOf",):
        if schema.get(key):
            merged: dict = {}
            for part in schema[key]:
                value = example_for(document, part, depth + 1)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
    for key in ("oneOf", "anyOf"):
        options = [o for o in schema.get(key, []) if _resolve(document, o).get("type") != "null"]
        if options:
            return example_for(document, options[0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            name: example_for(document, prop, depth + 1)
            for name, prop in (schema.get("properties") or {}).items()
            if name in required
        }
    if kind == "array":
        item = example_for(document, schema.get("items"), depth + 1)
        return [item] * max(int(schema.get("minItems", 1) or 0), 0 if item is None else 1)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1) if "maximum" not in schema else int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "string":
        return _string_example(schema)
    return None


_FORMATS = {"email": "qa@example.com", "uuid": "00000000-0000-4000-8000-000000000000",
            "date": "2026-01-01", "date-time": "2026-01-01T00:00:00Z", "uri": "https://example.com/",
            "ipv4": "127.0.0.1", "password": "Secret123!"}


_CANDIDATES = ("example", "qa@example.com", "A-1", "2026-01-01", "1", "abc", "ABC", "https://example.com/")


def _string_example(schema: dict) -> str:
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


def _parameters(document: dict, path_item: dict, operation: dict) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    path_params: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    for param in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = _resolve(document, param)
        where, name = param.get("in"), param.get("name")
        if not name:
            continue
        value = param.get("example")
        if value is None:
            value = example_for(document, param.get("schema"))
        text = value if isinstance(value, str) else json.dumps(value)
        if where == "path":
            path_params[name] = text
        elif where == "query" and param.get("required"):
            query.append((name, text))
        elif where == "header" and param.get("required") and name.lower() != "authorization":
            headers[name] = text
    return path_params, query, headers


def read_openapi(path: Path) -> ReadResult:
    document = load_document(path)
    result = ReadResult(path=str(path))
    title = str((document.get("info") or {}).get("title") or path.stem)
    global_security = document.get("security")
    for api_path, path_item in (document.get("paths") or {}).items():
        if not isinstance(path_item, dict):
            continue
        for method in _METHODS:
            operation = path_item.get(method)
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {api_path}"
            operation_id = operation.get("operationId")
            path_params, query, headers = _parameters(document, path_item, operation)
            concrete = re.sub(r"\{([^}]+)\}", lambda m, p=path_params: p.get(m.group(1), "1"), api_path)
            body = None
            content = (_resolve(document, operation.get("requestBody")) or {}).get("content") or {}
            media = content.get("application/json") or next(iter(content.values()), None)
            if media:
                if "example" in media:
                    body = media["example"]
                elif media.get("examples"):
                    body = _resolve(document, next(iter(media["examples"].values()))).get("value")
                else:
                    body = example_for(document, media.get("schema"))
            codes = sorted({int(c) for c in (operation.get("responses") or {}) if str(c).isdigit()})
            then = []
            if operation_id:
                then.append(f'the response should conform to the OpenAPI operation "{operation_id}"')
            else:
                result.warnings.append(f"{path}: {where} has no operationId; no conformance check")
            security = operation.get("security", global_security)
            auth = "default" if security else None
            row = TestCaseRow(method=method.upper(), path=concrete, headers=headers, query=query, body=body,
                              expected_status=codes, auth=auth, then=then, source=f"{path} {where}")
            group = (operation.get("tags") or [title])[0]
            summary = operation.get("summary") or operation_id or where
            rid = clean_id(operation_id) if operation_id else stable_id("OP", title, where)
            result.requirements.append(Requirement(
                id=rid, title=f"{where} answers as documented ({summary})", text=operation.get("description") or summary,
                source=f"{path} {where}", rows=[row], group=group, kind="openapi", tags=["smoke"],
            ))
    return result
