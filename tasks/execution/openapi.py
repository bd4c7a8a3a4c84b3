"""Does a response conform to an OpenAPI 3 operation? The status must be
documented (exactly, as `2XX`, or by `default`) and a JSON body must match the
documented schema, `$ref`s resolved against the whole document."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from tasks.execution.http import Response, StepError
from tasks.execution.redaction import clip

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def find_operation(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(path, method, operation) of `operation_id`, or StepError naming the ids there are."""
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
    root["$ref"] = pointer
    return Draft202012Validator(root)


# (id(document), pointer) -> (document, validator); the document is held so its id
# cannot be reused by another run's document while the entry lives.
_cache: dict[tuple[int, str], tuple[dict[str, Any], Draft202012Validator]] = {}


def conformance_problems(document: dict[str, Any], operation_id: str, response: Response) -> list[str]:
    """Why `response` does not conform to `operation_id`; empty when it does."""
    path, method, operation = find_operation(document, operation_id)
    responses = operation.get("responses") or {}
    status = str(response.status)
    key = next(
        (k for k in (status, f"{status[0]}XX", f"{status[0]}xx", "default") if k in responses),
        None,
    )
    where = f"{method.upper()} {path} ({operation_id})"
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
    media = next((m for m in content if m.split(";")[0].strip().endswith("json")), None)
    if media is None or "schema" not in content[media]:
        return []
    content_type = response.headers.get("content-type", "")
    if response.content and "json" not in content_type:
        return [f"{where} documents a JSON body for {key}, got content-type {content_type!r}"]
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


def _resolve_pointer(document: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise StepError(f"external $ref {ref!r} is not supported")
    node: Any = document
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node
