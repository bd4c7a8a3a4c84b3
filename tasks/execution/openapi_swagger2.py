"""Swagger 2.0 -> OpenAPI 3.0, in memory, so a team's older document runs like any other.

Many public and in-house APIs still publish Swagger 2.0 (go-swagger, Springfox, older
FastAPI-like tools). The conversion follows the OpenAPI 3.0 specification's own mapping:
`definitions`/`parameters`/`responses`/`securityDefinitions` move under `components`
(every `$ref` rewritten), a `body` parameter becomes the `requestBody` in each `consumes`
media type, `formData` parameters one form or multipart body (`type: file` a binary
property), a non-body parameter's type words move into its `schema` (`collectionFormat`
as `style`/`explode`, `x-example` as `example`), a response's `schema` and `examples`
go into `content` for each `produces` media type, and `basePath` into `servers`.
Only local `$ref`s are followed, as for OpenAPI 3 documents. It lives with the conformance
check (tasks/execution/openapi.py), which must read a Swagger 2.0 `--openapi` document too;
the importer (tasks/requirements/openapi.py) uses it from here.
"""

from __future__ import annotations

import copy
from typing import Any

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_SCHEMA_WORDS = ("type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
                 "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
                 "multipleOf")
_COLLECTIONS = {"csv": ("form", False), "ssv": ("spaceDelimited", False), "pipes": ("pipeDelimited", False),
                "multi": ("form", True), "tsv": ("form", False)}
_FLOWS = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
          "accessCode": "authorizationCode"}
_REFS = {"#/definitions/": "#/components/schemas/", "#/parameters/": "#/components/parameters/",
         "#/responses/": "#/components/responses/"}


def is_swagger2(document: Any) -> bool:
    return isinstance(document, dict) and str(document.get("swagger", "")).startswith("2") and "openapi" not in document


def to_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document saying what the Swagger 2.0 `document` says (a new object);
    ValueError for one that refers to itself (a YAML alias inside itself) or nests too deep."""
    try:
        return _converted(document)
    except RecursionError:
        raise ValueError("the Swagger 2.0 document refers to itself (a YAML alias inside its own node) "
                         "or is nested too deeply to convert") from None


def _converted(document: dict[str, Any]) -> dict[str, Any]:
    source = _refs(copy.deepcopy(document))
    produces = source.get("produces") or ["application/json"]
    consumes = source.get("consumes") or ["application/json"]
    shared = source.get("parameters") or {}
    out: dict[str, Any] = {"openapi": "3.0.3", "info": source.get("info") or {"title": "API", "version": "1"},
                           "x-qaflow-converted-from": str(source.get("swagger"))}
    scheme = (source.get("schemes") or ["https"])[0]
    if source.get("host") or source.get("basePath"):
        host = f"{scheme}://{source['host']}" if source.get("host") else ""
        out["servers"] = [{"url": f"{host}{source.get('basePath') or ''}" or "/"}]
    for key in ("tags", "externalDocs", "security"):
        if key in source:
            out[key] = source[key]
    components: dict[str, Any] = {
        "schemas": {name: _schema(s) for name, s in (source.get("definitions") or {}).items()},
        "parameters": {name: _parameter(p) for name, p in shared.items() if p.get("in") not in ("body", "formData")},
        "responses": {name: _response(r, produces) for name, r in (source.get("responses") or {}).items()},
        "securitySchemes": {name: _security(s) for name, s in (source.get("securityDefinitions") or {}).items()},
    }
    out["components"] = {key: value for key, value in components.items() if value}
    out["paths"] = {}
    for path, item in (source.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        common = [_resolve_shared(p, shared) for p in item.get("parameters") or []]
        new_item: dict[str, Any] = {}
        kept = [_parameter(p) for p in common if p.get("in") not in ("body", "formData")]
        if kept:
            new_item["parameters"] = kept
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                new_item[method] = _operation(operation, common, shared, consumes, produces)
        out["paths"][path] = new_item
    return out


def _refs(node: Any) -> Any:
    """Every `$ref` into definitions/parameters/responses pointed at its components home."""
    if isinstance(node, list):
        return [_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _refs(value) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str):
        for old, new in _REFS.items():
            if ref.startswith(old):
                out["$ref"] = new + ref[len(old):]
    return out


def _resolve_shared(param: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """A parameter, a `$ref` to a shared body or form parameter followed (they have no
    components home in 3.0: they become part of the request body)."""
    if isinstance(param, dict) and "$ref" in param:
        name = str(param["$ref"]).rsplit("/", 1)[-1]
        target = shared.get(name)
        if isinstance(target, dict) and target.get("in") in ("body", "formData"):
            return target
    return param if isinstance(param, dict) else {}


def _schema(node: Any) -> Any:
    """A 2.0 schema as 3.0 writes it: `type: file` binary, `x-nullable`, a string discriminator."""
    if isinstance(node, list):
        return [_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _schema(value) for key, value in node.items()}
    if out.get("type") == "file":
        out["type"], out["format"] = "string", "binary"
    if out.pop("x-nullable", False) is True:
        out["nullable"] = True
    if isinstance(out.get("discriminator"), str):
        out["discriminator"] = {"propertyName": out["discriminator"]}
    return out


def _parameter(param: dict[str, Any]) -> dict[str, Any]:
    """A path, query, header or cookie parameter: its type words into `schema`."""
    if "$ref" in param:
        return param
    out = {key: value for key, value in param.items()
           if key not in _SCHEMA_WORDS and key not in ("collectionFormat", "allowEmptyValue", "x-example")}
    schema = {key: param[key] for key in _SCHEMA_WORDS if key in param}
    out["schema"] = _schema(schema or {"type": "string"})
    if "x-example" in param:
        out["example"] = param["x-example"]
    if param.get("type") == "array":
        style, explode = _COLLECTIONS.get(str(param.get("collectionFormat", "csv")), ("form", False))
        if param.get("in") in ("path", "header"):
            out["style"], out["explode"] = "simple", False
        else:
            out["style"], out["explode"] = style, explode
    if param.get("in") == "path":
        out["required"] = True
    return out


def _operation(operation: dict[str, Any], common: list[dict[str, Any]], shared: dict[str, Any],
               consumes: list[str], produces: list[str]) -> dict[str, Any]:
    produces = operation.get("produces") or produces
    consumes = operation.get("consumes") or consumes
    out = {key: value for key, value in operation.items()
           if key not in ("parameters", "responses", "consumes", "produces", "schemes")}
    # the path item's parameters (its body or form ones included), then the operation's, which override
    params: dict[tuple[str, str], dict[str, Any]] = {(p.get("in", ""), p.get("name", "")): p for p in common}
    own: set[tuple[str, str]] = set()
    for param in operation.get("parameters") or []:
        param = _resolve_shared(param, shared)
        key = (param.get("in", ""), param.get("name", "")) if "$ref" not in param else ("$ref", param["$ref"])
        params[key] = param
        own.add(key)
    # path, query, header parameters of the operation itself (the path item's stay there, inherited)
    plain = [p for key, p in params.items() if key in own and p.get("in") not in ("body", "formData")]
    if plain:
        out["parameters"] = [_parameter(p) for p in plain]
    body = next((p for p in params.values() if p.get("in") == "body"), None)
    form = [p for p in params.values() if p.get("in") == "formData"]
    if body is not None:
        schema = _schema(body.get("schema") or {})
        media = {m: {"schema": schema} for m in consumes}
        if "x-example" in body:
            for spec in media.values():
                spec["example"] = body["x-example"]
        out["requestBody"] = {"content": media, "required": bool(body.get("required"))}
        if body.get("description"):
            out["requestBody"]["description"] = body["description"]
    elif form:
        out["requestBody"] = _form_body(form, consumes)
    out["responses"] = {str(code): _response(r, produces) for code, r in (operation.get("responses") or {}).items()}
    return out


def _form_body(form: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any]:
    multipart = any(p.get("type") == "file" for p in form) or "multipart/form-data" in consumes
    media = "multipart/form-data" if multipart else "application/x-www-form-urlencoded"
    properties: dict[str, Any] = {}
    for param in form:
        schema = _schema({key: param[key] for key in _SCHEMA_WORDS if key in param} or {"type": "string"})
        if param.get("description"):
            schema["description"] = param["description"]
        if "x-example" in param:
            schema["example"] = param["x-example"]
        properties[param.get("name", "")] = schema
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [p.get("name", "") for p in form if p.get("required")]
    if required:
        schema["required"] = required
    return {"content": {media: {"schema": schema}}, "required": bool(required)}


def _response(response: Any, produces: list[str]) -> Any:
    if not isinstance(response, dict) or "$ref" in response:
        return response
    out: dict[str, Any] = {"description": response.get("description", "")}
    if "schema" in response:
        examples = response.get("examples") or {}
        out["content"] = {}
        for media in produces:
            spec: dict[str, Any] = {"schema": _schema(response["schema"])}
            if media in examples:
                spec["example"] = examples[media]
            out["content"][media] = spec
    if isinstance(response.get("headers"), dict):
        out["headers"] = {
            name: {"description": h.get("description", ""),
                   "schema": _schema({k: h[k] for k in _SCHEMA_WORDS if k in h} or {"type": "string"})}
            for name, h in response["headers"].items() if isinstance(h, dict)
        }
    return out


def _security(scheme: dict[str, Any]) -> dict[str, Any]:
    kind = scheme.get("type")
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **_described(scheme)}
    if kind == "oauth2":
        flow = {key: scheme[key] for key in ("authorizationUrl", "tokenUrl") if key in scheme}
        flow["scopes"] = scheme.get("scopes") or {}
        return {"type": "oauth2", "flows": {_FLOWS.get(str(scheme.get("flow")), "implicit"): flow}, **_described(scheme)}
    return dict(scheme)  # apiKey: the same words


def _described(scheme: dict[str, Any]) -> dict[str, Any]:
    return {"description": scheme["description"]} if scheme.get("description") else {}
