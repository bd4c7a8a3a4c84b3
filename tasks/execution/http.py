"""The one HTTP client of a run: origin allowlist, transport retries, timing, and
request/response summaries with secrets redacted and large bodies truncated.

Every request passes the origin check (`_guard`: called before a request goes
straight to httpx's connection pool, and as the httpx client's request hook when
a proxy in the environment makes the client route it), so no path (a redirect hop
included, should redirects ever be followed) reaches an origin the target does not allow, and
credential headers (Authorization, Proxy-Authorization, Cookie, API-key
headers, any header carrying a known secret) go to the target's own origin
only: to another allowed origin they are withheld, and the step's report says
so. Redirects are not followed: a 3xx is an answer the scenario checks, and a
`Location` it wants to follow is requested by a step, through the same check.

Cookies belong to a scenario, as its variables do: each scenario has its own jar
(an `@in-order` chain hands it on), filled from the target's `Set-Cookie` answers
and sent back to the target's own origin only. The client's own jar keeps nothing,
so a session one scenario logs into is never sent by another running beside it.

Only transport errors (connection refused or reset, timeouts, a dropped
connection) are retried: an HTTP 500 is an answer and a test result, never a
reason to try again. A step that needed a retry is marked flaky.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from tasks.execution.redaction import REDACTED, SENSITIVE_HEADERS, Redactor, clip
from tasks.origins import Origin, OriginError, OriginPolicy, origin_of

BODY_CAP = 16_384  # characters of a body kept in results and reports

__all__ = [
    "BODY_CAP",
    "REDACTED",
    "SENSITIVE_HEADERS",
    "Exchange",
    "HttpSession",
    "OriginRefused",
    "Redactor",
    "Response",
    "ScenarioTimeout",
    "StepError",
    "StepFailed",
]


class StepFailed(AssertionError):
    """An expectation did not hold; the message says what was expected and what came."""


class StepError(RuntimeError):
    """The step could not be carried out (transport failure, bad input in the step)."""

    exchange: Exchange | None = None


@dataclass
class Response:
    status: int
    headers: httpx.Headers
    content: bytes
    elapsed_ms: float
    _json: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, or StepFailed saying the body is not JSON."""
        if not self._parsed:
            try:
                self._json = json.loads(self.content) if self.content else None
            except ValueError as exc:
                raise StepFailed(f"the response body is not JSON: {clip(self.text, 200)!r}") from exc
            self._parsed = True
        return self._json


@dataclass
class Exchange:
    """What one request sent and got, kept for the report of the step."""

    request: dict[str, Any]
    response: dict[str, Any] | None = None


class OriginRefused(StepFailed):
    """A request would have left the target's allowed origins; nothing was sent."""


class ScenarioTimeout(StepError):
    """The scenario ran out of time (its deadline passed before or during a request)."""


class _KeepNothing(DefaultCookiePolicy):
    """The shared client's jar policy: scenarios keep their cookies in their own jars."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


def tls_context() -> ssl.SSLContext:
    """The TLS settings a run verifies servers with: httpx's (certifi, or SSL_CERT_FILE /
    SSL_CERT_DIR), made once per process for each value of those two: loading the CA bundle
    takes ~25 ms, twice per run (client and transport), a few percent of a short run."""
    return _tls_for(os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))


@lru_cache(maxsize=8)
def _tls_for(_cert_file: str, _cert_dir: str) -> ssl.SSLContext:
    return httpx.create_ssl_context()


class HttpSession:
    """One `httpx.Client` (HTTP/1.1 keep-alive pool) shared by every scenario thread of a run."""

    def __init__(
        self,
        origins: OriginPolicy,
        *,
        timeout: float,
        transport_retries: int = 2,
        redactor: Redactor | None = None,
        max_connections: int = 8,
        body_cap: int = BODY_CAP,
    ) -> None:
        self.body_cap = body_cap
        self.origins = origins
        self.timeout = timeout
        self.transport_retries = transport_retries
        self.redactor = redactor if redactor is not None else Redactor(())
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        tls = tls_context()
        self.client = httpx.Client(
            verify=tls,
            timeout=timeout,
            limits=limits,
            follow_redirects=False,
            event_hooks={"request": [self._guard]},
            cookies=CookieJar(policy=_KeepNothing()),
        )
        # With no proxy in the environment a request goes straight to the connection pool
        # (httpx's own transport), past the client's layers a run does not use (its cookie
        # jar, auth flow, redirect loop, hooks: the guard is called here instead): 0.1 ms of
        # CPU a request, a tenth of a scripted one. With a proxy the client routes it.
        self._direct = None if urllib.request.getproxies() else httpx.HTTPTransport(verify=tls, limits=limits)

    def close(self) -> None:
        self.client.close()
        if self._direct is not None:
            self._direct.close()

    def check_url(self, url: str | httpx.URL) -> Origin:
        """The origin of `url`, or OriginRefused naming it and the allowed origins."""
        try:
            origin = origin_of(url)
        except OriginError as exc:
            raise OriginRefused(str(exc)) from None
        if not self.origins.allows(origin):
            raise OriginRefused(self.origins.refusal(origin))
        return origin

    check_host = check_url  # the name steps used before origins

    def credentials_for(self, origin: Origin, headers: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        """The headers to send to `origin`: all of them to the target's own origin; to any other,
        those that are not credentials (and the names of the ones withheld)."""
        if origin == self.origins.own:
            return headers, []
        kept: dict[str, str] = {}
        withheld: list[str] = []
        for name, value in headers.items():
            if self.redactor.is_credential(name, value):
                withheld.append(name)
            else:
                kept[name] = value
        return kept, withheld

    def _guard(self, request: httpx.Request) -> None:
        """httpx request hook: runs for every request the client sends, redirect hops included."""
        origin = self.check_url(request.url)
        if origin != self.origins.own:
            for name in {n.lower() for n in request.headers}:
                if any(self.redactor.is_credential(name, v) for v in request.headers.get_list(name)):
                    del request.headers[name]

    def _exchange(
        self, method: str, url: httpx.URL, headers: dict[str, str], params: list[tuple[str, str]],
        content: bytes | None, timeout: float,
    ) -> httpx.Response:
        """One request and its whole answer, through the client or, as the client would send
        it (its default headers, the guard), straight through the transport."""
        if self._direct is None:
            reply = self.client.request(method, url, headers=headers, params=params or None, content=content,
                                        timeout=timeout)
            reply.read()
            return reply
        merged = httpx.Headers(self.client.headers)
        merged.update(headers)
        request = httpx.Request(method, url, params=params or None, headers=merged, content=content,
                                extensions={"timeout": httpx.Timeout(timeout).as_dict()})
        self._guard(request)
        reply = self._direct.handle_request(request)
        reply.request = request
        try:
            reply.read()
        finally:
            reply.close()
        return reply

    @staticmethod
    def _with_cookies(
        jar: CookieJar, method: str, url: httpx.URL, params: list[tuple[str, str]], headers: dict[str, str]
    ) -> dict[str, str]:
        """`headers` plus the Cookie header the jar has for this URL (as a browser would send
        it), when the step did not set one itself."""
        if any(name.lower() == "cookie" for name in headers):
            return headers
        probe = httpx.Request(method, url.copy_merge_params(params) if params else url)
        httpx.Cookies(jar).set_cookie_header(probe)
        value = probe.headers.get("cookie")
        return {**headers, "Cookie": value} if value else headers

    def _shown_url(self, url: str, parsed: httpx.URL, params: list[tuple[str, str]]) -> str:
        """The URL as reports show it (the query parameters merged as httpx sends them),
        user info masked, secrets redacted."""
        if not params and not parsed.userinfo:
            return self.redactor.text(url)
        shown = parsed.copy_merge_params(params) if params else parsed
        if shown.userinfo:
            shown = shown.copy_with(username=REDACTED, password=None)
        return self.redactor.text(str(shown))

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: list[tuple[str, str]],
        content: bytes | None,
        deadline: float | None = None,
        cookies: CookieJar | None = None,
    ) -> tuple[Response, Exchange, int]:
        """Send one request; returns the response, its summary and how many retries it took.

        `deadline` (a time.monotonic() value) caps the request's timeout, so a
        scenario never outlives its own time limit waiting for an answer.
        `cookies` is the scenario's jar: what it holds for the URL goes with a request to
        the target's own origin (unless the step set a Cookie header itself), and the
        target's `Set-Cookie` answers go into it.
        """
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise OriginRefused(f"not a valid URL: {url!r} ({exc})") from None
        origin = self.check_url(parsed)  # parsed once: the URL checked is the URL sent
        headers, withheld = self.credentials_for(origin, headers)
        jar = cookies if cookies is not None and origin == self.origins.own else None
        if jar:  # an empty jar is falsy: nothing to add
            headers = self._with_cookies(jar, method, parsed, params, headers)
        exchange = Exchange(
            request={
                "method": method,
                "url": self._shown_url(url, parsed, params),
                "headers": self.redactor.headers(headers.items()),
                "body": self.redactor.body(content, self.body_cap),
            }
        )
        if withheld:
            exchange.request["withheld"] = (
                f"not sent to {origin} (only to the target's own origin {self.origins.own}): {', '.join(withheld)}"
            )
        attempt = 0
        while True:
            timeout = self.timeout
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ScenarioTimeout("the scenario's time ran out")
                timeout = min(timeout, left)
            started = time.perf_counter()
            try:
                reply = self._exchange(method, parsed, headers, params, content, timeout)
                body = reply.content
            except httpx.TransportError as exc:
                if deadline is not None and time.monotonic() >= deadline:
                    exchange.response = {"error": "no answer before the scenario's deadline"}
                    error = ScenarioTimeout("the scenario's time ran out")
                    error.exchange = exchange
                    raise error from exc
                if attempt >= self.transport_retries:
                    kind = type(exc).__name__
                    exchange.response = {"error": f"{kind}: {self.redactor.text(str(exc))}"}
                    error = StepError(
                        f"{method} {exchange.request['url']} failed after {attempt + 1} attempts: "
                        f"{kind}: {self.redactor.text(str(exc)) or 'no detail'}"
                    )
                    error.exchange = exchange
                    raise error from exc
                attempt += 1
                time.sleep(min(0.05 * 2**attempt, 1.0))
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            if jar is not None and "set-cookie" in reply.headers:
                httpx.Cookies(jar).extract_cookies(reply)
            response = Response(reply.status_code, reply.headers, body, elapsed_ms)
            exchange.response = {
                "status": reply.status_code,
                "headers": self.redactor.headers(reply.headers.multi_items()),
                "body": self.redactor.body(body, self.body_cap),
                "elapsed_ms": round(elapsed_ms, 2),
            }
            return response, exchange, attempt
