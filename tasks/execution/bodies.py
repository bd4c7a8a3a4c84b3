"""Request bodies by the Content-Type header the scenario set (none: JSON).

JSON media types are JSON (with `${...}` values typed); form-urlencoded and
multipart/form-data are written from a JSON object of fields (a list repeats the
field, an object or list inside is sent as JSON text; a multipart field `@file:PATH` or
`@blob:NAME` is a file part); any other media type (XML,
text, application/octet-stream) is the doc string's text, `${...}` filled in,
sent as UTF-8.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tasks.execution.context import ScenarioContext
from tasks.execution.http import StepError


def _kind(media: str) -> str:
    base = media.split(";")[0].strip().lower()
    if base == "application/json" or base.endswith("+json") or base.endswith("/json"):
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base == "multipart/form-data":
        return "multipart"
    return "text"


def field_text(value: Any) -> str:
    """A value as a form field, query or header parameter writes it (JSON for objects, true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _fields(ctx: ScenarioContext, doc_string: str, media: str) -> list[tuple[str, str]]:
    value = ctx.json(doc_string, f"the {media} fields")
    if not isinstance(value, dict):
        raise StepError(f"a {media} body is written as a JSON object of fields, got {type(value).__name__}")
    pairs: list[tuple[str, str]] = []
    for name, item in value.items():
        items = item if isinstance(item, list) and all(not isinstance(i, dict | list) for i in item) else [item]
        pairs += [(str(name), field_text(i)) for i in items]
    return pairs


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


FILE_FIELD = "@file:"  # a multipart field whose value is a file's content (a Postman formdata file field)
# A multipart field sent as a small file part named NAME (its media type guessed from the name),
# the content `example`: what an OpenAPI `format: binary` property gets when no file is given.
# Servers read a part as an upload only when it has a filename.
BLOB_FIELD = "@blob:"
BLOB_CONTENT = b"example"


def _multipart(ctx: ScenarioContext, fields: list[tuple[str, str]], boundary: str) -> bytes:
    """multipart/form-data: text fields as they are; a value `@file:<path>` (relative to the
    feature file) is that file's bytes, with its name and guessed media type; `@blob:<name>`
    is a small file part of that name (BLOB_CONTENT)."""
    import mimetypes

    out = bytearray()
    for name, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
        if value.startswith((FILE_FIELD, BLOB_FIELD)):
            if value.startswith(BLOB_FIELD):
                filename, data = Path(ctx.text(value.removeprefix(BLOB_FIELD)) or "example.bin").name, BLOB_CONTENT
            else:
                path = ctx.path(value.removeprefix(FILE_FIELD))
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise StepError(f"cannot read the file of multipart field {name!r} ({path}): {exc.strerror}") from None
                filename = path.name
            media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            out += f'{head}; filename="{_quoted(filename)}"\r\nContent-Type: {media}\r\n\r\n'.encode()
            out += data + b"\r\n"
        else:
            out += f"{head}\r\n\r\n{value}\r\n".encode()
    return bytes(out + f"--{boundary}--\r\n".encode())


def encode_body(ctx: ScenarioContext, media: str, doc_string: str) -> tuple[str, bytes]:
    """(Content-Type, bytes) of a doc-string body sent as `media`."""
    kind = _kind(media)
    if kind == "json":
        return media, json.dumps(ctx.json(doc_string, "the request body")).encode()
    if kind == "form":
        return media, urlencode(_fields(ctx, doc_string, media)).encode()
    if kind == "multipart":
        boundary = f"qaflow-{uuid.uuid4().hex}"
        return f"multipart/form-data; boundary={boundary}", _multipart(ctx, _fields(ctx, doc_string, media), boundary)
    return media, ctx.text(doc_string).encode()


def content_type(ctx: ScenarioContext) -> str | None:
    """The Content-Type header the scenario set, if any."""
    return next((v for k, v in ctx.headers.items() if k.lower() == "content-type"), None)


def sent_as_is(ctx: ScenarioContext) -> bool:
    """Is a body sent as its own bytes (a Content-Type that is not JSON, a form or multipart)?"""
    media = content_type(ctx)
    return media is not None and _kind(media) == "text"


def body_for(ctx: ScenarioContext, text: str, what: str) -> Any:
    """A step's body for the next request: a JSON value when the Content-Type is JSON or
    unset, else the encoded bytes (a multipart body's boundary goes into the header)."""
    media = content_type(ctx)
    if media is None or _kind(media) == "json":
        return ctx.json(text, what)
    sent_type, content = encode_body(ctx, media, text)
    if sent_type != media:
        for name in [k for k in ctx.headers if k.lower() == "content-type"]:
            del ctx.headers[name]
        ctx.headers["Content-Type"] = sent_type
    return content
