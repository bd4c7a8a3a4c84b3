"""Request steps: build the request, send it, poll.

Headers (and the authentication) set in a scenario stay for all its later
requests; query parameters and a body apply to the next request only.
"""

from __future__ import annotations

import json

from tasks.execution.auth_apply import apply_profile
from tasks.execution.bodies import body_for, sent_as_is
from tasks.execution.context import ScenarioContext
from tasks.execution.http import StepError, StepFailed
from tasks.execution.jsonpaths import find
from tasks.execution.redaction import clip
from tasks.execution.registry import StepRegistry
from tasks.execution.values import equal

REQUEST = StepRegistry()
POLL_INTERVAL_S = 0.25


@REQUEST.step(
    'the base URL is "{url}"',
    kind="request",
    doc="Send later requests to this base URL (default: the target API block's). Its origin (scheme, host, port) must be allowed.",
    example='Given the base URL is "http://127.0.0.1:8000"',
)
def base_url(ctx: ScenarioContext, url: str) -> None:
    ctx.base_url = ctx.text(url)
    ctx.shared.session.check_url(ctx.base_url)


@REQUEST.step(
    'the variable "{name}" is "{value}"',
    kind="request",
    doc="Set a variable, used later as ${name}.",
    example='Given the variable "email" is "ann-${uuid}@example.com"',
)
def set_variable(ctx: ScenarioContext, name: str, value: str) -> None:
    ctx.variables[name] = ctx.text(value)


@REQUEST.step(
    'I am authenticated as "{profile}"',
    kind="request",
    doc="Add the credentials of this auth profile of the target API block to every later request.",
    example='Given I am authenticated as "admin"',
)
def authenticated(ctx: ScenarioContext, profile: str) -> None:
    name = ctx.text(profile)
    profiles = ctx.shared.target.auth_profiles
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise StepError(f"no auth profile {name!r} in the target API block (profiles: {known})")
    apply_profile(ctx, name, profiles[name])


@REQUEST.step(
    'I am authenticated for the security scheme "{scheme}"',
    kind="request",
    doc="Authenticate later requests as an OpenAPI security scheme asks: with the auth profile of the same name, "
        "else the target's 'default' profile (API key in header/query/cookie, basic, bearer, OAuth2 token). "
        "Alternatives the operation accepts are joined by ' or ': the first with a profile is used.",
    example='Given I am authenticated for the security scheme "api_key"',
)
def authenticated_for_scheme(ctx: ScenarioContext, scheme: str) -> None:
    names = [n.strip() for n in ctx.text(scheme).split(" or ") if n.strip()]
    profiles = ctx.shared.target.auth_profiles
    name = next((n for n in names if n in profiles), names[0] if names else "")
    chosen = name if name in profiles else "default" if "default" in profiles else None
    if chosen is None:
        known = ", ".join(sorted(profiles)) or "none"
        raise StepError(f"no auth profile {' or '.join(map(repr, names))} (nor 'default') for the OpenAPI security "
                        f"scheme {name!r}: define one, e.g. --auth {name}=ENV_VAR (profiles: {known})")
    apply_profile(ctx, chosen, profiles[chosen], scheme=name)


@REQUEST.step(
    'the request header "{name}" is "{value}"',
    kind="request",
    doc="Send this header with every later request of the scenario.",
    example='Given the request header "Accept-Language" is "ko-KR"',
)
def request_header(ctx: ScenarioContext, name: str, value: str) -> None:
    ctx.headers[ctx.text(name)] = ctx.text(value)


@REQUEST.step(
    "the query parameters are:",
    kind="request",
    needs="data_table",
    doc="Query parameters of the next request, from a table of name | value rows (a header row 'name | value' is skipped).",
    example="Given the query parameters are:\n  | page | 2 |\n  | size | 10 |",
)
def query_parameters(ctx: ScenarioContext, data_table: list[list[str]]) -> None:
    rows = data_table
    if rows and [c.strip().lower() for c in rows[0]] == ["name", "value"]:
        rows = rows[1:]
    for row in rows:
        if len(row) != 2:
            raise StepError(f"query parameter rows need 2 cells (name | value), got {len(row)}")
        ctx.query.append((ctx.text(row[0]), ctx.text(row[1])))


@REQUEST.step(
    "the request body is:",
    kind="request",
    needs="doc_string",
    doc="Body of the next request (a doc string): JSON, or as the Content-Type header set says (see 'with body:').",
    example='Given the request body is:\n  """json\n  {"name": "Ann"}\n  """',
)
def request_body(ctx: ScenarioContext, doc_string: str) -> None:
    ctx.body = body_for(ctx, doc_string, "the request body")


@REQUEST.step(
    'the request body is loaded from "{file}"',
    kind="request",
    doc="Body of the next request, read from a file relative to the feature file: JSON, or the file's bytes "
        "as they are when the Content-Type header set is not JSON, a form or multipart.",
    example='Given the request body is loaded from "bodies/new_user.json"',
)
def request_body_file(ctx: ScenarioContext, file: str) -> None:
    path = ctx.path(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StepError(f"cannot read the request body file {path}: {exc.strerror}") from None
    if sent_as_is(ctx):
        ctx.body = data
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StepError(f"the request body file {path} is not UTF-8 text: set a Content-Type header "
                        "(e.g. application/octet-stream) to send its bytes as they are") from None
    ctx.body = body_for(ctx, text, f"the request body file {path}")


@REQUEST.step(
    'I send a {METHOD} request to "{path}"',
    kind="request",
    doc="Send the request built so far (method GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS).",
    example='When I send a GET request to "/users/${user_id}"',
)
def send(ctx: ScenarioContext, METHOD: str, path: str) -> None:
    ctx.send(METHOD, path)


@REQUEST.step(
    'I send a {METHOD} request to "{path}" with body:',
    kind="request",
    needs="doc_string",
    doc="Send a request with this body (a doc string): JSON, unless a Content-Type header set earlier says "
        "otherwise: form-urlencoded and multipart/form-data from a JSON object of fields, any other type "
        "(XML, text, application/octet-stream) as the text itself.",
    example='When I send a POST request to "/users" with body:\n  """json\n  {"name": "Ann", "email": "ann@example.com"}\n  """',
)
def send_with_body(ctx: ScenarioContext, METHOD: str, path: str, doc_string: str) -> None:
    ctx.send(METHOD, path, body_for(ctx, doc_string, "the request body"))


@REQUEST.step(
    'I poll {METHOD} "{path}" until the response JSON at "{jsonpath}" is {json} within {n} attempts',
    kind="request",
    doc=f"Repeat a request ({POLL_INTERVAL_S} s apart) until the JSON value at the path equals the given JSON.",
    example='When I poll GET "/orders/${order_id}" until the response JSON at "$.status" is "shipped" within 10 attempts',
)
def poll(ctx: ScenarioContext, METHOD: str, path: str, jsonpath: str, json: str, n: str) -> None:
    expected = ctx.json(json, "the expected value")
    attempts = int(ctx.text(n))
    body = ctx.body
    last: object = "no response"
    for attempt in range(attempts):
        ctx.body = body
        response = ctx.send(METHOD, path)
        try:
            found = find(jsonpath, response.json(), ctx)
        except StepFailed:
            found = None
        if found is not None and equal(expected, found.value):
            return
        last = found.value if found is not None else f"nothing at {jsonpath} (status {response.status})"
        if attempt + 1 < attempts:
            ctx.sleep(POLL_INTERVAL_S)
    raise StepFailed(
        f"{jsonpath} never became {_dumps(expected)} in {attempts} attempts; last value: {_dumps(last)}"
    )


def _dumps(value: object) -> str:
    return clip(json.dumps(value), 300, "")
