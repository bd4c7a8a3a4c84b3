"""Postman script steps: run a request's pre-request or test scripts in the sandbox
(tasks/pmsandbox), as Newman would, inside a scenario.

    Given the Postman pre-request script of "Create Booking" runs:
      \"\"\"
      // ---- collection "Restful Booker" ----
      pm.environment.set("checkin", require('moment')().format('YYYY-MM-DD'));
      // ---- request "Create Booking" ----
      pm.variables.set("firstName", pm.variables.replaceIn("{{$randomFirstName}}"));
      \"\"\"
    Then the Postman tests of "Create Booking" pass:
      \"\"\"
      pm.test("Status code is 200", function () { pm.response.to.have.status(200); });
      \"\"\"

The doc string holds the scripts in Postman's order (collection, then each folder,
then the request); a `// ---- <level> "<name>" ----` line starts each one, and each
runs as its own script, as Postman runs them. Every `pm.test` (and legacy
`tests["..."]`) becomes one `AssertionResult` of the step, by name; the step fails
when any of them failed or a script stopped on an error, and says which.
Variables the scripts set flow into `${name}` for the steps after (tasks/pmsandbox/scopes.py).
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus
from typing import Any

from tasks.execution.context import ScenarioContext
from tasks.execution.http import StepError, StepFailed
from tasks.execution.redaction import clip, current
from tasks.execution.registry import StepRegistry
from tasks.execution.results import AssertionResult
from tasks.pmsandbox.docstring import split_scripts
from tasks.pmsandbox.dynamic import locale_of
from tasks.pmsandbox.engine import DEFAULT_TIME_LIMIT_S, ScriptOutcome, for_thread
from tasks.pmsandbox.scopes import PostmanScopes

POSTMAN = StepRegistry()
log = logging.getLogger("qaflow.postman")
MAX_SHOWN_FAILURES = 5


def _state(ctx: ScenarioContext) -> PostmanScopes:
    state = getattr(ctx, "postman", None)
    if state is None:
        state = PostmanScopes.for_run(ctx.variables)
        ctx.postman = state  # type: ignore[attr-defined]  # per scenario, made by the first script step
    return state


def _time_left(ctx: ScenarioContext) -> float:
    if ctx.deadline is None:
        return DEFAULT_TIME_LIMIT_S
    return max(0.05, min(DEFAULT_TIME_LIMIT_S, ctx.deadline - time.monotonic()))


def _request(ctx: ScenarioContext, event: str) -> dict[str, Any]:
    if event == "test" and ctx.last_exchange is not None:
        sent = ctx.last_exchange.request
        headers = sent.get("headers") or {}
        return {
            "method": sent.get("method", ""),
            "url": sent.get("url", ""),
            "headers": [[str(k), str(v)] for k, v in headers.items()],
            "body": sent.get("body"),
        }
    return {"method": "", "url": "", "headers": [[k, v] for k, v in ctx.headers.items()], "body": None}


def _response(ctx: ScenarioContext) -> dict[str, Any] | None:
    return None if ctx.response is None else _as_payload(ctx.response)


def _as_payload(response: Any) -> dict[str, Any]:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return {
        "code": response.status,
        "status": reason,
        "headers": [[k, v] for k, v in response.headers.multi_items()],
        "body": response.text,
        "responseTime": round(response.elapsed_ms),
        "responseSize": len(response.content),
    }


def run_scripts(ctx: ScenarioContext, event: str, request_name: str, doc: str) -> ScriptOutcome:
    """Run the scripts of the doc string in order, in one call to the sandbox; the variables
    they set flow into the scenario's `${name}`s."""
    state = _state(ctx)
    scripts = split_scripts(doc)
    payload = {
        "event": event,
        "info": {"requestName": request_name, "requestId": request_name},
        "request": _request(ctx, event),
        "response": _response(ctx) if event == "test" else None,
        "scopes": state.as_payload(),
        "fallback": state.fallback(ctx.variables, ctx.base_url),
        "locale": locale_of(ctx.variables, ctx.shared.faker_locale),
    }
    outcome = for_thread().run([code for _, _, code in scripts], payload, time_limit_s=_time_left(ctx),
                               send=_sender(ctx, request_name), keep_globals=state.sandbox_key)
    state.apply(outcome, ctx.variables)
    for op, key, value in outcome.header_ops:
        _header_op(ctx, op, key, value)
    if outcome.error is not None and outcome.error_at is not None and outcome.error_at < len(scripts):
        level, name, _ = scripts[outcome.error_at]
        if name:
            outcome.error = f"{outcome.error} (in the {level} script of {name!r})"
    redactor = current()
    for level_name, line in outcome.logs:
        log.info("[%s] %s: %s", redactor.text(request_name), level_name, redactor.text(line))
    return outcome


def _sender(ctx: ScenarioContext, request_name: str) -> Any:
    """`pm.sendRequest` through the run's HTTP session: the target's allowed origins (a URL
    outside them is the callback's `err`, nothing is sent), credentials withheld from other
    origins, the scenario's cookies and deadline."""

    def send(request: dict[str, Any]) -> dict[str, Any]:
        body = request.get("body")
        try:
            response, _, _ = ctx.shared.session.send(
                str(request.get("method") or "GET"), str(request.get("url") or ""),
                headers={str(k): str(v) for k, v in request.get("headers") or []}, params=[],
                content=body.encode("utf-8") if isinstance(body, str) else None, deadline=ctx.deadline,
                cookies=ctx.cookies,  # Postman's sendRequest shares the run's cookie jar
            )
        except (StepFailed, StepError) as exc:
            log.info("[%s] pm.sendRequest %s: %s", current().text(request_name), request.get("method"), exc)
            return {"error": str(exc)}
        log.info("[%s] pm.sendRequest %s %s -> %s", current().text(request_name), request.get("method"),
                 current().text(str(request.get("url"))), response.status)
        return {"response": _as_payload(response)}

    return send


def _header_op(ctx: ScenarioContext, op: str, key: str, value: str | None) -> None:
    """A pre-request script's `pm.request.headers.add/upsert/remove`: later requests carry it."""
    for existing in [k for k in ctx.headers if k.lower() == key.lower()]:
        del ctx.headers[existing]
    if op in ("add", "set") and value is not None:
        ctx.headers[key] = value


def _record(ctx: ScenarioContext, outcome: ScriptOutcome) -> list[AssertionResult]:
    redactor = current()
    results = [
        AssertionResult(
            name=redactor.text(test.name),
            passed=test.passed,
            error="skipped" if test.skipped else (redactor.text(test.error) if test.error else None),
        )
        for test in outcome.tests
    ]
    ctx.assertions.extend(results)
    return results


def _verdict(what: str, outcome: ScriptOutcome, results: list[AssertionResult]) -> None:
    redactor = current()
    failed = [r for r in results if not r.passed]
    error = outcome.error
    problems: list[str] = []
    if error is not None:
        problems.append(f"the {what} stopped: {clip(redactor.text(error), 300)}")
    if failed:
        shown = "; ".join(f'"{r.name}": {clip(r.error or "failed", 200)}' for r in failed[:MAX_SHOWN_FAILURES])
        more = f" (and {len(failed) - MAX_SHOWN_FAILURES} more)" if len(failed) > MAX_SHOWN_FAILURES else ""
        problems.append(f"{len(failed)} of {len(results)} Postman tests failed: {shown}{more}")
    if problems:
        raise StepFailed("; ".join(problems))


@POSTMAN.step(
    'the Postman pre-request script of "{name}" runs:',
    kind="request",
    needs="doc_string",
    doc="Run the request's pre-request scripts (collection, folders, request; in the doc string) in the "
        "JavaScript sandbox; the variables they set are ${name}s for the next steps.",
    example='Given the Postman pre-request script of "Create Booking" runs:\n  """\n'
            '  pm.environment.set("checkin", require("moment")().format("YYYY-MM-DD"));\n  """',
)
def prerequest_runs(ctx: ScenarioContext, name: str, doc_string: str) -> None:
    if doc_string is None:
        raise StepError("the step needs the script as a doc string")
    outcome = run_scripts(ctx, "prerequest", name, doc_string)
    _verdict(f'pre-request script of "{name}"', outcome, _record(ctx, outcome))


@POSTMAN.step(
    'the Postman tests of "{name}" pass:',
    kind="response",
    needs="doc_string",
    doc="Run the request's test scripts (collection, folders, request; in the doc string) on the last "
        "response in the JavaScript sandbox; each pm.test is reported by name and all must pass.",
    example='Then the Postman tests of "Get Booking" pass:\n  """\n'
            '  pm.test("Status code is 200", function () { pm.response.to.have.status(200); });\n  """',
)
def tests_pass(ctx: ScenarioContext, name: str, doc_string: str) -> None:
    if doc_string is None:
        raise StepError("the step needs the script as a doc string")
    ctx.last_response()  # a test script needs a response: say so plainly when there is none
    outcome = run_scripts(ctx, "test", name, doc_string)
    _verdict(f'test script of "{name}"', outcome, _record(ctx, outcome))
