"""OpenAPI 3.0 and 3.1 documents (JSON or YAML; Swagger 2.0 converted to 3.0 as it is read,
tasks/execution/openapi_swagger2.py) -> one smoke requirement per operation.

Each operation is called once as a careful client would call it
(tasks/requirements/openapi_requests.py: parameters, a body in the best documented
media type, `Accept`, the security schemes it names) and must answer a documented
status with a body that conforms to the document (`... should conform to the
OpenAPI operation`), checked by the response's own content type.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tasks.execution.openapi_swagger2 import is_swagger2, to_openapi3
from tasks.requirements.ids import clean_id, stable_id
from tasks.requirements.model import ReadResult, Requirement, RequirementError, TestCaseRow
from tasks.requirements.openapi_examples import example_for, resolve
from tasks.requirements.openapi_requests import build_request, is_json

__all__ = ["example_for", "load_document", "looks_like_openapi", "read_openapi", "resolve"]

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
    if is_swagger2(data):
        try:
            return to_openapi3(data)
        except ValueError as exc:
            raise RequirementError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3"):
        version = (data.get("openapi") or data.get("swagger")) if isinstance(data, dict) else None
        raise RequirementError(f"{path}: not an OpenAPI 3 document (openapi: {version or 'missing'}); "
                               "qaflow reads OpenAPI 3.0 and 3.1, and Swagger 2.0 (converted to 3.0 as it is read)")
    return data


def looks_like_openapi(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:2000]
    except OSError:
        return False
    return bool(re.search(r"""^\s*["']?(openapi|swagger)["']?\s*:""", head, re.M))


def read_openapi(path: Path) -> ReadResult:
    """One smoke requirement per operation of an OpenAPI 3.0/3.1 document."""
    document = load_document(path)
    result = ReadResult(path=str(path))
    if document.get("x-qaflow-converted-from"):
        result.warnings.append(f"{path}: a Swagger {document['x-qaflow-converted-from']} document, read as "
                               "OpenAPI 3.0 (converted in memory)")
    title = str((document.get("info") or {}).get("title") or path.stem)
    for api_path, path_item in (document.get("paths") or {}).items():
        if not isinstance(path_item, dict):
            continue
        for method in _METHODS:
            operation = path_item.get(method)
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {api_path}"
            operation_id = operation.get("operationId")
            request = build_request(document, api_path, path_item, operation)
            codes = sorted({int(c) for c in (operation.get("responses") or {}) if str(c).isdigit()})
            # an operation without an operationId is named by its method and path (the step reads both)
            then = [f'the response should conform to the OpenAPI operation "{operation_id or where}"']
            rid = clean_id(operation_id) if operation_id else stable_id("OP", title, where)
            if not operation_id:
                result.warnings.append(f"{path}: {where} has no operationId; requirement id {rid}")
            given = [f'I am authenticated for the security scheme "{name}"' for name in request.schemes]
            body = request.body
            if request.media and is_json(request.media) and isinstance(body, str):
                body = json.dumps(body, ensure_ascii=False)  # a JSON string payload, not the text inside it
            row = TestCaseRow(method=method.upper(), path=request.path, headers=request.headers, query=request.query,
                              body=body, expected_status=codes, given=given, then=then,
                              source=f"{path} {where}")
            group = (operation.get("tags") or [title])[0]
            summary = operation.get("summary") or operation_id or where
            result.requirements.append(Requirement(
                id=rid, title=f"{where} answers as documented ({summary})", text=operation.get("description") or summary,
                source=f"{path} {where}", rows=[row], group=group, kind="openapi", tags=["smoke"],
            ))
    return result
