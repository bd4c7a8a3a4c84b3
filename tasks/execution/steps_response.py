"""Response steps: check the last response, and save parts of it as variables.

Every failure names what was expected and what came, so a report is enough to
see why a scenario failed without running it again.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from tasks.execution.context import ScenarioContext
from tasks.execution.http import Response, StepError, StepFailed
from tasks.execution.jsonpaths import find
from tasks.execution.openapi import conformance_problems
from tasks.execution.redaction import clip
from tasks.execution.registry import StepRegistry
from tasks.execution.values import TYPE_CHECKS, equal, json_type, partial_mismatches

RESPONSE = StepRegistry()


def _show(value: Any, limit: int = 300) -> str:
    return clip(json.dumps(value, ensure_ascii=False), limit)


def _body_hint(response: Response) -> str:
    return clip(response.text.strip().replace("\n", " "), 200)


def _at(ctx: ScenarioContext, jsonpath: str) -> Any:
    """The value at `jsonpath` in the last response, or a failure saying it is not there."""
    response = ctx.last_response()
    found = find(jsonpath, response.json(), ctx)
    if found is None:
        raise StepFailed(f"nothing at {ctx.text(jsonpath)} in the response body: {_body_hint(response)}")
    return found


@RESPONSE.step(
    "the response status should be {code}",
    kind="response",
    doc="The HTTP status of the last response.",
    example="Then the response status should be 200",
)
def status_is(ctx: ScenarioContext, code: str) -> None:
    response = ctx.last_response()
    expected = int(ctx.text(code))
    if response.status != expected:
        raise StepFailed(f"expected status {expected}, got {response.status}: {_body_hint(response)}")


@RESPONSE.step(
    "the response status should be one of {codes}",
    kind="response",
    doc="The HTTP status is one of a list, written [200, 201] or 200, 201.",
    example="Then the response status should be one of [200, 201]",
)
def status_in(ctx: ScenarioContext, codes: str) -> None:
    response = ctx.last_response()
    allowed = [int(c) for c in re.findall(r"\d{3}", codes)]
    if response.status not in allowed:
        raise StepFailed(f"expected status one of {allowed}, got {response.status}: {_body_hint(response)}")


@RESPONSE.step(
    'the response header "{name}" should contain "{text}"',
    kind="response",
    doc="A response header (name case-insensitive) contains the text.",
    example='Then the response header "content-type" should contain "application/json"',
)
def header_contains(ctx: ScenarioContext, name: str, text: str) -> None:
    response = ctx.last_response()
    header, wanted = ctx.text(name), ctx.text(text)
    values = response.headers.get_list(header)
    if not values:
        raise StepFailed(f"expected a header {header!r} containing {wanted!r}, but the response has no such header")
    if not any(wanted in value for value in values):
        raise StepFailed(f"expected header {header!r} to contain {wanted!r}, got {', '.join(values)!r}")


@RESPONSE.step(
    "the response time should be less than {ms} ms",
    kind="response",
    doc="The last request took less than this many milliseconds (sending to the end of the body).",
    example="Then the response time should be less than 500 ms",
)
def time_below(ctx: ScenarioContext, ms: str) -> None:
    response = ctx.last_response()
    if response.elapsed_ms >= float(ms):
        raise StepFailed(f"expected a response time below {ms} ms, got {response.elapsed_ms:.1f} ms")


@RESPONSE.step(
    'the response JSON at "{jsonpath}" should be {json}',
    kind="response",
    doc="The JSON value at the JSONPath equals this JSON literal (several matches compare as a list).",
    example='Then the response JSON at "$.email" should be "ann@example.com"',
)
def json_equals(ctx: ScenarioContext, jsonpath: str, json: str) -> None:
    expected = ctx.json(json, "the expected value")
    actual = _at(ctx, jsonpath).value
    if not equal(expected, actual):
        raise StepFailed(f"at {ctx.text(jsonpath)}: expected {_show(expected)}, got {_show(actual)}")


@RESPONSE.step(
    'the response JSON at "{jsonpath}" should exist',
    kind="response",
    doc="The JSONPath matches something (null counts as present).",
    example='Then the response JSON at "$.id" should exist',
)
def json_exists(ctx: ScenarioContext, jsonpath: str) -> None:
    _at(ctx, jsonpath)


@RESPONSE.step(
    'the response JSON at "{jsonpath}" should not exist',
    kind="response",
    doc="The JSONPath matches nothing.",
    example='Then the response JSON at "$.password" should not exist',
)
def json_absent(ctx: ScenarioContext, jsonpath: str) -> None:
    found = find(jsonpath, ctx.last_response().json(), ctx)
    if found is not None:
        raise StepFailed(f"expected nothing at {ctx.text(jsonpath)}, got {_show(found.value)}")


@RESPONSE.step(
    'the response JSON at "{jsonpath}" should match "{regex}"',
    kind="response",
    doc="The value at the JSONPath (as text) matches the regular expression (re.search).",
    example='Then the response JSON at "$.created_at" should match "^\\d{4}-\\d{2}-\\d{2}"',
)
def json_matches(ctx: ScenarioContext, jsonpath: str, regex: str) -> None:
    value = _at(ctx, jsonpath).value
    pattern = _regex(regex)
    text = value if isinstance(value, str) else json.dumps(value)
    if pattern.search(text) is None:
        raise StepFailed(f"at {ctx.text(jsonpath)}: expected a value matching /{regex}/, got {_show(value)}")


@lru_cache(maxsize=256)
def _regex(regex: str) -> re.Pattern[str]:
    try:
        return re.compile(regex)
    except re.error as exc:
        raise StepError(f"invalid regular expression /{regex}/: {exc}") from None


@RESPONSE.step(
    'the response JSON at "{jsonpath}" should be a {type}',
    kind="response",
    doc="The value at the JSONPath has this JSON type: string, number, integer, boolean, array, object or null.",
    example='Then the response JSON at "$.items" should be an array',
)
def json_is_type(ctx: ScenarioContext, jsonpath: str, type: str) -> None:
    value = _at(ctx, jsonpath).value
    if not TYPE_CHECKS[type](value):
        raise StepFailed(f"at {ctx.text(jsonpath)}: expected a {type}, got {json_type(value)} {_show(value, 100)}")


@RESPONSE.step(
    'the response JSON at "{jsonpath}" should have {n} items',
    kind="response",
    doc="The array at the JSONPath (or the number of matches of a wildcard path) has exactly n items.",
    example='Then the response JSON at "$.items" should have 10 items',
)
def json_count(ctx: ScenarioContext, jsonpath: str, n: str) -> None:
    found = find(jsonpath, ctx.last_response().json(), ctx)
    expected = int(ctx.text(n))
    if found is None:
        count = 0
    elif found.count == 1 and isinstance(found.value, list | dict):
        count = len(found.value)
    else:
        count = found.count
    if count != expected:
        raise StepFailed(f"at {ctx.text(jsonpath)}: expected {expected} items, got {count}")


@RESPONSE.step(
    "the response body should contain:",
    kind="response",
    needs="doc_string",
    doc='The body contains this partial JSON: listed keys must match, others are ignored; "#string", "#number", "#uuid", "#ignore" match by kind.',
    example='Then the response body should contain:\n  """json\n  {"id": "#number", "name": "Ann"}\n  """',
)
def body_contains(ctx: ScenarioContext, doc_string: str) -> None:
    expected = ctx.json(doc_string, "the expected body")
    actual = ctx.last_response().json()
    problems = partial_mismatches(expected, actual)
    if problems:
        listed = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
        raise StepFailed(f"the response body does not contain the expected JSON: {listed}")


@lru_cache(maxsize=64)
def _schema_validator(path: Path, mtime: float) -> Any:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StepError(f"cannot read the JSON schema {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise StepError(f"the JSON schema {path} is not valid JSON: {exc}") from None
    cls = validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise StepError(f"{path} is not a valid JSON schema: {exc.message}") from None
    return cls(schema, registry=Registry(retrieve=partial(_schema_file, path.parent)))


def _schema_file(folder: Path, uri: str) -> Resource:
    """A `$ref` to another schema file, relative to the schema that names it (never the network)."""
    name = uri.removeprefix("file://")
    target = Path(name) if Path(name).is_absolute() else folder / name
    try:
        return Resource.from_contents(json.loads(target.read_text(encoding="utf-8")), default_specification=DRAFT202012)
    except (OSError, ValueError) as exc:
        raise NoSuchResource(ref=uri) from exc


@RESPONSE.step(
    'the response should match the JSON schema "{file}"',
    kind="response",
    doc="The body is valid against a JSON Schema file (path relative to the feature file).",
    example='Then the response should match the JSON schema "schemas/user.json"',
)
def matches_schema(ctx: ScenarioContext, file: str) -> None:
    path = ctx.path(file).resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise StepError(f"cannot read the JSON schema {path}: {exc.strerror}") from None
    validator = _schema_validator(path, mtime)
    body = ctx.last_response().json()
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        listed = "; ".join(f"{e.json_path}: {clip(e.message, 200)}" for e in errors[:5])
        raise StepFailed(f"the response does not match the schema {path.name}: {listed}")


@RESPONSE.step(
    'the response should conform to the OpenAPI operation "{operationId}"',
    kind="response",
    doc="The status is documented for the operation and the body matches its response schema (the target's /openapi.json).",
    example='Then the response should conform to the OpenAPI operation "get_user"',
)
def conforms_to_openapi(ctx: ScenarioContext, operationId: str) -> None:
    document = ctx.shared.openapi()
    problems = conformance_problems(document, ctx.text(operationId), ctx.last_response())
    if problems:
        raise StepFailed("; ".join(problems))


@RESPONSE.step(
    'I save the response JSON at "{jsonpath}" as "{name}"',
    kind="response",
    doc="Keep the value at the JSONPath as a variable for later steps (${name}).",
    example='And I save the response JSON at "$.id" as "user_id"',
)
def save_json(ctx: ScenarioContext, jsonpath: str, name: str) -> None:
    ctx.variables[ctx.text(name)] = _at(ctx, jsonpath).value


@RESPONSE.step(
    'I save the response header "{name}" as "{var}"',
    kind="response",
    doc="Keep a response header's value as a variable for later steps (${var}).",
    example='And I save the response header "Location" as "user_url"',
)
def save_header(ctx: ScenarioContext, name: str, var: str) -> None:
    header = ctx.text(name)
    value = ctx.last_response().headers.get(header)
    if value is None:
        raise StepFailed(f"expected a response header {header!r} to save, but there is none")
    ctx.variables[ctx.text(var)] = value
