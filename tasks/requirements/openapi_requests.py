"""One OpenAPI operation -> the request a careful client sends: its parameters (path,
query, header, cookie) serialised by their `style`/`explode`, a body in the best
documented media type, an `Accept` header from the documented responses (JSON
first), and the security schemes it must authenticate with.

Required parameters are always sent; optional ones when the document gives them
a value (an example or a default), so a request is what the document shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tasks.execution.bodies import BLOB_FIELD, field_text
from tasks.requirements.openapi_examples import example_for, own_example, resolve, to_xml

# Request body media types, most wanted first: (test on the lower-cased media type, kind)
_BODY_KINDS: tuple[tuple[Any, str], ...] = (
    (lambda m: m == "application/json" or m.endswith("+json") or m.endswith("/json"), "json"),
    (lambda m: m == "application/x-www-form-urlencoded", "form"),
    (lambda m: m == "multipart/form-data", "multipart"),
    (lambda m: m.endswith("/xml") or m.endswith("+xml"), "xml"),
    (lambda m: m.startswith("text/"), "text"),
    (lambda m: True, "raw"),
)
# Headers a parameter may not set (OpenAPI: "it SHALL be ignored")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


@dataclass
class OperationRequest:
    """What to send for one operation (values already serialised as text)."""

    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    media: str | None = None  # the request body's media type
    body: Any = None  # JSON value (json, form, multipart) or text (xml, text, raw)
    schemes: list[str] = field(default_factory=list)  # security schemes to authenticate with, all of them


def is_json(media: str) -> bool:
    media = media.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json") or media.endswith("/json")


def body_kind(media: str) -> str:
    media = media.split(";")[0].strip().lower()
    return next(kind for test, kind in _BODY_KINDS if test(media))


def build_request(document: dict, api_path: str, path_item: dict, operation: dict) -> OperationRequest:
    path_values: dict[str, str] = {}
    request = OperationRequest(path=api_path)
    cookies: list[str] = []
    params = {}
    for param in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = resolve(document, param)
        if isinstance(param, dict) and param.get("name") and param.get("in"):
            params[(param["in"], param["name"])] = param  # an operation's parameter overrides the path's
    for (where, name), param in params.items():
        found, value = _parameter_value(document, param)
        if not found and not (param.get("required") or where == "path"):
            continue
        if where == "path":
            path_values[name] = ",".join(_flat(value, bool(param.get("explode", False))))
        elif where == "query":
            request.query += _query_pairs(name, value, param)
        elif where == "header" and name.lower() not in _IGNORED_HEADERS:
            request.headers[name] = ",".join(_flat(value, bool(param.get("explode", False))))
        elif where == "cookie":
            cookies.append(f"{name}={','.join(_flat(value, False))}")
    if cookies:
        request.headers["Cookie"] = "; ".join(cookies)
    request.path = _fill_path(api_path, path_values)
    accept = accept_header(document, operation)
    if accept:
        request.headers["Accept"] = accept
    request.media, request.body = request_body(document, operation)
    if request.media and request.media != "application/json":
        request.headers["Content-Type"] = request.media
    request.schemes = security_schemes(document, operation)
    return request


def _fill_path(api_path: str, values: dict[str, str]) -> str:
    out = api_path
    for name, value in values.items():
        out = out.replace("{" + name + "}", quote(value, safe="-._~!$&'()*+,;=:@"))
    return re.sub(r"\{[^}]+\}", "1", out)  # a template without a documented parameter


def _parameter_value(document: dict, param: dict) -> tuple[bool, Any]:
    """(documented, value): the parameter's own example, its schema's example or default,
    or (not documented) a value built from its schema."""
    found, value = own_example(document, param)
    if found:
        return True, value
    schema = param.get("schema")
    if schema is None and isinstance(param.get("content"), dict) and param["content"]:
        media = resolve(document, next(iter(param["content"].values())))
        found, value = own_example(document, media)
        if found:
            return True, json.dumps(value)
        schema = (media or {}).get("schema")
        return False, json.dumps(example_for(document, schema))
    resolved = resolve(document, schema or {})
    found, value = own_example(document, resolved)
    if found:
        return True, value
    if isinstance(resolved, dict) and resolved.get("type") == "array":
        found, value = own_example(document, resolve(document, resolved.get("items") or {}))
        if found:
            return True, [value]
    if isinstance(resolved, dict) and _documents_a_property(document, resolved):
        # an object parameter (e.g. filters exploded into the query) whose properties carry the
        # document's examples: the document shows a value, so it is sent like any other
        return True, example_for(document, schema)
    return False, example_for(document, schema)


def _documents_a_property(document: dict, schema: dict) -> bool:
    """Does an object schema give a value (example or default) for one of its properties?"""
    props = schema.get("properties")
    return isinstance(props, dict) and any(own_example(document, resolve(document, p))[0] for p in props.values())


def _flat(value: Any, explode: bool) -> list[str]:
    """Simple style: an array's items, an object's `k,v` (or `k=v` exploded) pairs."""
    if isinstance(value, list):
        return [field_text(v) for v in value]
    if isinstance(value, dict):
        if explode:
            return [f"{k}={field_text(v)}" for k, v in value.items()]
        return [part for k, v in value.items() for part in (str(k), field_text(v))]
    return [field_text(value)]


def _query_pairs(name: str, value: Any, param: dict) -> list[tuple[str, str]]:
    style = param.get("style", "form")
    explode = param.get("explode", style == "form")
    if style == "deepObject" and isinstance(value, dict):
        return [(f"{name}[{k}]", field_text(v)) for k, v in value.items()]
    if isinstance(value, list):
        if explode and style == "form":
            return [(name, field_text(v)) for v in value]
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
        return [(name, separator.join(field_text(v) for v in value))]
    if isinstance(value, dict):
        if explode:
            return [(str(k), field_text(v)) for k, v in value.items()]
        return [(name, ",".join(_flat(value, False)))]
    return [(name, field_text(value))]


def _ordered_media(types: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for media in types:
        if media not in seen:
            seen.append(media)
    return sorted(seen, key=lambda m: 0 if is_json(m) else 1)  # stable: the document's order otherwise


def response_media_types(document: dict, operation: dict) -> list[str]:
    """The media types of the documented responses: successes first, JSON first."""
    responses = operation.get("responses") or {}
    keys = sorted(responses, key=lambda k: (not str(k).startswith("2"), str(k)))
    types: list[str] = []
    for key in keys:
        spec = resolve(document, responses[key])
        if isinstance(spec, dict):
            types += list((spec.get("content") or {}).keys())
    return _ordered_media(types)


def accept_header(document: dict, operation: dict) -> str | None:
    """`Accept` for the documented response media types, JSON preferred (a lower q for the rest)."""
    types = response_media_types(document, operation)
    if not types:
        return None
    preferred = [t for t in types if is_json(t)] or types[:1]
    rest = [t for t in types if t not in preferred]
    return ", ".join([*preferred, *(f"{t};q=0.9" for t in rest)])


def request_body(document: dict, operation: dict) -> tuple[str | None, Any]:
    """(media type, value) of the request body in the best documented media type, or (None, None)."""
    body = resolve(document, operation.get("requestBody"))
    content = (body or {}).get("content") or {} if isinstance(body, dict) else {}
    if not content:
        return None, None
    order = [kind for _, kind in _BODY_KINDS]
    media = min(content, key=lambda m: (order.index(body_kind(m)), list(content).index(m)))
    spec = resolve(document, content[media]) or {}
    schema = spec.get("schema") if isinstance(spec, dict) else None
    found, value = own_example(document, spec)
    if not found:
        value = example_for(document, schema)
    kind = body_kind(media)
    if kind == "json" and isinstance(value, str):
        value = _json_text_example(document, schema, value)
    if kind == "xml" and not isinstance(value, str):
        value = to_xml(document, schema, value)
    elif kind in ("text", "raw") and not isinstance(value, str):
        value = "example" if value is None else field_text(value)
    elif kind in ("form", "multipart") and not isinstance(value, dict):
        value = {}
    if kind == "multipart":
        value = _file_parts(document, schema, spec.get("encoding") if isinstance(spec, dict) else None, value)
    return media, value


def _json_text_example(document: dict, schema: Any, value: str) -> Any:
    """A JSON body's string example: the JSON it spells where the schema is not a string (documents
    often write an object's example as JSON text), else the string itself."""
    resolved = resolve(document, schema)
    kind = resolved.get("type") if isinstance(resolved, dict) else None
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _binary(document: dict, schema: Any) -> bool:
    """Is a multipart property a file: `format: binary`/`base64` (3.0) or `contentMediaType` (3.1)?"""
    schema = resolve(document, schema)
    return isinstance(schema, dict) and (schema.get("format") in ("binary", "base64") or "contentMediaType" in schema)


def _file_parts(document: dict, schema: Any, encoding: Any, value: dict) -> dict:
    """The multipart fields with each file property (an array of them: each item) sent as a file part
    (`@blob:example.<ext>`, the extension from the part's encoding or contentMediaType): a server
    reads a part as an upload only when it has a filename."""
    import mimetypes

    schema = resolve(document, schema)
    props = (schema.get("properties") or {}) if isinstance(schema, dict) else {}
    encoding = encoding if isinstance(encoding, dict) else {}
    out = dict(value)
    for name, prop in props.items():
        prop = resolve(document, prop)
        if not isinstance(prop, dict):
            continue
        many = prop.get("type") == "array"
        item = resolve(document, prop.get("items")) if many else prop
        if not _binary(document, item):
            continue
        media = str((encoding.get(name) or {}).get("contentType") or item.get("contentMediaType") or "")
        media = media.split(",")[0].split(";")[0].strip()
        extension = (mimetypes.guess_extension(media) if "*" not in media else None) or ".bin"
        blob = f"{BLOB_FIELD}example{extension}"
        out[name] = [blob] if many else blob
    return out


def _usable(scheme: Any) -> bool:
    """Can qaflow authenticate with this scheme by itself (given the credentials)?"""
    if not isinstance(scheme, dict):
        return False
    kind = scheme.get("type")
    if kind == "apiKey":
        return True
    if kind == "http":
        return str(scheme.get("scheme", "")).lower() in ("basic", "bearer")
    if kind == "oauth2":
        return bool({"password", "clientCredentials"} & set(scheme.get("flows") or {}))
    return False


def security_schemes(document: dict, operation: dict) -> list[str]:
    """The security schemes an operation authenticates with, one `I am authenticated for the
    security scheme` step each: of its `security` alternatives (else the document's), the first
    that qaflow can satisfy by itself, and where that is a single scheme, every such single-scheme
    alternative joined by " or " (the run uses the first it has a profile for: an API that takes
    a token in a header, the query or basic auth runs with whichever the user gave); none where an
    alternative is empty (`{}`: anonymous allowed) or `security: []`; else the first alternative,
    whose credentials a profile must then give (a bearer token for an implicit oauth2 flow)."""
    alternatives = operation["security"] if "security" in operation else document.get("security")
    if not alternatives or not isinstance(alternatives, list):
        return []
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    usable = [list(a) for a in alternatives if isinstance(a, dict) and a
              and all(_usable(resolve(document, schemes.get(name))) for name in a)]
    if usable:
        if len(usable[0]) > 1:
            return usable[0]
        return [" or ".join(a[0] for a in usable if len(a) == 1)]
    if any(isinstance(a, dict) and not a for a in alternatives):
        return []
    first = alternatives[0]
    return list(first) if isinstance(first, dict) else []
