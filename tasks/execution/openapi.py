"""Does a response conform to an OpenAPI 3 operation? The status must be
documented (exactly, as `2XX`, or by `default`); the response's own Content-Type
must be one documented for that status; a JSON body must match that media type's
schema (`$ref`s resolved against the whole document, OpenAPI 3.0's `nullable` and
boolean `exclusiveMinimum` read as 3.0 means them), an XML body must be well-formed."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from tasks.execution.http import Response, StepError
from tasks.execution.redaction import clip

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def find_operation(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(path, method, operation) of `operation_id` (or of "METHOD /path", for an operation that
    has no operationId, as many real documents' do not), or StepError naming the ids there are."""
    method, _, path = operation_id.partition(" ")
    item = (document.get("paths") or {}).get(path) if path.startswith("/") else None
    if isinstance(item, dict) and method.lower() in _METHODS and isinstance(item.get(method.lower()), dict):
        return path, method.lower(), item[method.lower()]
    known: list[str] = []
    for path, item in (document.get("paths") or {}).items():
        for method in _METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            if operation.get("operationId") == operation_id:
                return path, method, operation
            if operation.get("operationId"):
                known.append(operation["operationId"])
    hint = ", ".join(sorted(known)[:20])
    raise StepError(f"no operation {operation_id!r} in the OpenAPI document (operations: {hint})")


def _validator(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    # The document itself is the root resource, so "#/components/..." refs resolve;
    # its other keys (openapi, info, paths) are unknown keywords and ignored.
    root = {key: value for key, value in document.items() if key not in ("$ref", "$id", "$schema")}
    if str(document.get("openapi", "")).startswith("3.0"):
        root = _as_json_schema(root)
    root["$ref"] = pointer
    return Draft202012Validator(root)


def _as_json_schema(node: Any) -> Any:
    """A copy of an OpenAPI 3.0 document whose schemas say in JSON Schema what 3.0 says its
    own way: `nullable: true` allows null, a boolean `exclusiveMinimum`/`exclusiveMaximum`
    qualifies `minimum`/`maximum`."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _as_json_schema(value) for key, value in node.items()}
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(flag), bool) and out.pop(flag) and bound in out:
            out[flag] = out.pop(bound)
    if out.get("nullable") is True:
        out.pop("nullable")
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif kind is None:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


# (id(document), pointer) -> (document, validator); the document is held so its id
# cannot be reused by another run's document while the entry lives.
_cache: dict[tuple[int, str], tuple[dict[str, Any], Draft202012Validator]] = {}


def conformance_problems(document: dict[str, Any], operation_id: str, response: Response) -> list[str]:
    """Why `response` does not conform to `operation_id` of an OpenAPI 3 `document` (a run's
    Swagger 2.0 document is converted as RunShared loads it); empty when it does."""
    path, method, operation = find_operation(document, operation_id)
    responses = operation.get("responses") or {}
    status = str(response.status)
    key = next(
        (k for k in (status, f"{status[0]}XX", f"{status[0]}xx", "default") if k in responses),
        None,
    )
    where = f"{method.upper()} {path}"
    where += f" ({operation_id})" if operation_id != where else ""
    if key is None:
        documented = ", ".join(sorted(responses)) or "none"
        return [f"status {response.status} is not documented for {where}; documented: {documented}"]
    spec = responses[key]
    pointer_base = f"#/paths/{_escape(path)}/{method}/responses/{_escape(key)}"
    if "$ref" in spec:  # a shared response object under components/responses
        ref = spec["$ref"]
        spec = _resolve_pointer(document, ref)
        pointer_base = ref
    content = spec.get("content") or {}
    if not content:
        return []  # no body documented for this status: nothing to compare
    content_type = response.headers.get("content-type", "")
    media = _documented_media(content, content_type)
    if media is None:
        if not response.content:
            return []
        documented = ", ".join(content) or "none"
        return [f"{where} answered {response.status} with content-type {content_type or 'none'!r}, "
                f"not a media type documented for {key} ({documented})"]
    if _is_xml(media) and response.content:
        return _xml_problems(response, where, key)
    if not _is_json(media) or "schema" not in content[media]:
        return []
    pointer = f"{pointer_base}/content/{_escape(media)}/schema"
    cache_key = (id(document), pointer)
    entry = _cache.get(cache_key)
    if entry is None:
        if len(_cache) > 256:
            _cache.clear()
        entry = _cache[cache_key] = (document, _validator(document, pointer))
    validator = entry[1]
    body = response.json()
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [
        f"body does not match the {key} schema of {where}: {e.json_path}: {clip(e.message, 200)}"
        for e in errors[:5]
    ]


def _base(media: str) -> str:
    return media.split(";")[0].strip().lower()


def _is_json(media: str) -> bool:
    base = _base(media)
    return base == "application/json" or base.endswith("+json") or base.endswith("/json")


def _is_xml(media: str) -> bool:
    base = _base(media)
    return base.endswith("/xml") or base.endswith("+xml")


def _documented_media(content: dict[str, Any], content_type: str) -> str | None:
    """The documented media type the response's Content-Type falls under: exact, then
    `type/*`, then `*/*`; a response with no Content-Type matches a lone documented type."""
    if not content_type:
        return next(iter(content)) if len(content) == 1 else None
    actual = _base(content_type)
    by_base = {_base(m): m for m in content}
    for candidate in (actual, actual.split("/")[0] + "/*", "*/*"):
        if candidate in by_base:
            return by_base[candidate]
    if _is_json(actual):  # application/problem+json where application/json is documented, and back
        return next((m for m in content if _is_json(m)), None)
    return None


def _xml_problems(response: Response, where: str, key: str) -> list[str]:
    """An XML body must at least be well-formed (DTDs and entities refused: no expansion attacks)."""
    import xml.etree.ElementTree as ElementTree

    text = response.content
    if b"<!DOCTYPE" in text[:4096] or b"<!ENTITY" in text:
        return [f"{where}: the XML body of {key} declares a DTD or entities; not parsed"]
    try:
        ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        return [f"{where}: the {key} body is not well-formed XML: {exc}"]
    return []


def _resolve_pointer(document: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise StepError(f"external $ref {ref!r} is not supported")
    node: Any = document
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node
