"""The one HTTP client of a run: host allowlist, transport retries, timing, and
request/response summaries with secrets redacted and large bodies truncated.

Only transport errors (connection refused or reset, timeouts, a dropped
connection) are retried: an HTTP 500 is an answer and a test result, never a
reason to try again. A step that needed a retry is marked flaky.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

BODY_CAP = 16_384  # characters of a body kept in results and reports
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
REDACTED = "***"


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
                raise StepFailed(f"the response body is not JSON: {self.text[:200]!r}") from exc
            self._parsed = True
        return self._json


@dataclass
class Exchange:
    """What one request sent and got, kept for the report of the step."""

    request: dict[str, Any]
    response: dict[str, Any] | None = None


class Redactor:
    """Hides secret values and credential headers in everything kept for reports."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers:
            out[name] = REDACTED if name.lower() in SENSITIVE_HEADERS else self.text(value)
        return out

    def body(self, content: bytes | str | None, cap: int = BODY_CAP) -> str | None:
        if content is None or content == b"" or content == "":
            return None
        text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        total = len(text)
        if total > cap:
            text = text[:cap] + f"\n... [truncated: {total} characters in all]"
        return self.text(text)


class ScenarioTimeout(StepError):
    """The scenario ran out of time (its deadline passed before or during a request)."""


class HttpSession:
    """One `httpx.Client` (HTTP/1.1 keep-alive pool) shared by every scenario thread of a run."""

    def __init__(
        self,
        hosts: Iterable[str],
        *,
        timeout: float,
        transport_retries: int = 2,
        redactor: Redactor | None = None,
        max_connections: int = 8,
        body_cap: int = BODY_CAP,
    ) -> None:
        self.body_cap = body_cap
        self.hosts = {h.lower() for h in hosts}
        self.timeout = timeout
        self.transport_retries = transport_retries
        self.redactor = redactor or Redactor(())
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.client = httpx.Client(timeout=timeout, limits=limits, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StepFailed(f"not an absolute http(s) URL: {url!r}")
        host = parts.hostname.lower()
        with_port = f"{host}:{parts.port}" if parts.port else host
        if host in self.hosts or with_port in self.hosts:
            return
        raise StepFailed(
            f"request to {with_port} refused: not one of the target API's allowed hosts "
            f"({', '.join(sorted(self.hosts)) or 'none'})"
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: list[tuple[str, str]],
        content: bytes | None,
        deadline: float | None = None,
    ) -> tuple[Response, Exchange, int]:
        """Send one request; returns the response, its summary and how many retries it took.

        `deadline` (a time.monotonic() value) caps the request's timeout, so a
        scenario never outlives its own time limit waiting for an answer.
        """
        self.check_host(url)
        exchange = Exchange(
            request={
                "method": method,
                "url": self.redactor.text(str(httpx.URL(url, params=params)) if params else url),
                "headers": self.redactor.headers(headers.items()),
                "body": self.redactor.body(content, self.body_cap),
            }
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
                reply = self.client.request(
                    method, url, headers=headers, params=params or None, content=content, timeout=timeout
                )
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
            response = Response(reply.status_code, reply.headers, body, elapsed_ms)
            exchange.response = {
                "status": reply.status_code,
                "headers": self.redactor.headers(reply.headers.multi_items()),
                "body": self.redactor.body(body, self.body_cap),
                "elapsed_ms": round(elapsed_ms, 2),
            }
            return response, exchange, attempt
