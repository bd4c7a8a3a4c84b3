"""What a scenario carries from step to step: the request being built, the last
response, the variables, and the run-wide things it shares (client, target,
OpenAPI document)."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from blocks.target_api import TargetAPI
from tasks.execution.http import (
    Exchange,
    HttpSession,
    Response,
    ScenarioTimeout,
    StepError,
    StepFailed,
)
from tasks.execution.openapi_swagger2 import is_swagger2, to_openapi3
from tasks.execution.values import parse_json, substitute
from tasks.origins import OriginError, origin_of
from tasks.pmsandbox.dynamic import default_locale


@dataclass
class RunShared:
    """Per-run state every scenario reads: the client, the target, the OpenAPI document."""

    target: TargetAPI
    session: HttpSession
    openapi_source: str | Path | None = None
    _openapi: Any = None
    _openapi_error: str | None = None
    _openapi_lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[Any, Any] = field(default_factory=dict)  # OAuth2 tokens fetched in this run (auth_apply.py)
    tokens_lock: threading.Lock = field(default_factory=threading.Lock)
    faker_locale: str = field(default_factory=default_locale)  # {{$random...}} unless a variable says

    def openapi(self) -> dict[str, Any]:
        """The target's OpenAPI document: fetched from `<base_url>/openapi.json` (or read
        from the path given) once per run, whatever the number of scenarios asking."""
        with self._openapi_lock:
            if self._openapi is None and self._openapi_error is None:
                try:
                    self._openapi = self._load_openapi()
                except Exception as exc:  # remembered: every step that needs it says why
                    self._openapi_error = str(exc)
        if self._openapi_error is not None:
            raise StepError(f"no OpenAPI document: {self._openapi_error}")
        return self._openapi

    def _load_openapi(self) -> dict[str, Any]:
        """The document as a dict, a Swagger 2.0 one converted to OpenAPI 3.0 (once, here)."""
        document = self._read_openapi()
        if is_swagger2(document):
            document = to_openapi3(document)  # ValueError (it refers to itself): remembered, said by each step
        return document

    def _read_openapi(self) -> Any:
        source = self.openapi_source
        if source is not None and not str(source).startswith(("http://", "https://")):
            path = Path(source)
            text = path.read_text(encoding="utf-8")
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                return yaml.safe_load(text)
            return json.loads(text)
        url = str(source) if source else urljoin(self.target.base_url.rstrip("/") + "/", "openapi.json")
        response, _, _ = self.session.send(
            "GET", url, headers=dict(self.target.headers), params=[], content=None
        )
        if response.status != 200:
            raise StepError(f"GET {url} answered {response.status}")
        return response.json()


_UNSET: Any = object()
_ABSOLUTE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass
class ScenarioContext:
    shared: RunShared
    feature_dir: Path
    variables: dict[str, Any]
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    auth_query: list[tuple[str, str]] = field(default_factory=list)  # an API key in the query: every request
    auth_cookies: dict[str, str] = field(default_factory=dict)  # an API key in a cookie: every request
    body: Any = _UNSET
    response: Response | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    last_exchange: Exchange | None = None
    retries: int = 0
    deadline: float | None = None  # time.monotonic() by which the scenario must end
    assertions: list[Any] = field(default_factory=list)  # AssertionResults of the step running now (Postman tests)
    cookies: CookieJar = field(default_factory=CookieJar)  # the scenario's own (tasks/execution/http.py)

    def __post_init__(self) -> None:
        if not self.base_url:
            self.base_url = self.shared.target.base_url
        merged = dict(self.shared.target.headers)
        merged.update(self.headers)
        self.headers = merged
        for name, value in self.shared.target.secret_variable_values().items():
            self.variables.setdefault(name, value)  # ${name}; redacted like every secret

    # ---- values ---------------------------------------------------------------

    def text(self, value: str) -> str:
        """Plain text with `${...}` filled in; an unknown variable is a failure of the step."""
        try:
            return substitute(value, self.variables)
        except KeyError as exc:
            raise StepFailed(str(exc)) from None

    def json(self, value: str, what: str = "value") -> Any:
        try:
            return parse_json(value, self.variables, what)
        except KeyError as exc:
            raise StepFailed(str(exc)) from None
        except ValueError as exc:
            raise StepError(str(exc)) from None

    def path(self, name: str) -> Path:
        """A file named in a step, relative to the feature file."""
        path = Path(self.text(name))
        return path if path.is_absolute() else self.feature_dir / path

    def url(self, path: str) -> str:
        """The URL a step's path names: an absolute URL (any scheme, any case) as it is, for
        the origin check to judge; anything else a path under the base URL."""
        path = self.text(path)
        if _ABSOLUTE.match(path):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def last_response(self) -> Response:
        if self.response is None:
            raise StepFailed("no request has been sent yet in this scenario")
        return self.response

    # ---- requests -------------------------------------------------------------

    def sleep(self, seconds: float) -> None:
        """Wait, but never past the scenario's deadline."""
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= seconds:
                time.sleep(max(left, 0))
                raise ScenarioTimeout("the scenario's time ran out")
        time.sleep(seconds)

    def _auth_for(self, url: str, headers: dict[str, str]) -> list[tuple[str, str]]:
        """An API key in the query or a cookie goes to the target's own origin only, like
        credential headers: the query parameters to add (the cookie is merged into `headers`)."""
        if not self.auth_query and not self.auth_cookies:
            return []
        try:
            if origin_of(url) != self.shared.session.origins.own:
                return []
        except OriginError:
            return []  # the send refuses the URL itself
        if self.auth_cookies:
            name = next((k for k in headers if k.lower() == "cookie"), "Cookie")
            jar = [p.strip() for p in headers.get(name, "").split(";") if p.strip()]
            jar = [p for p in jar if p.split("=", 1)[0].strip() not in self.auth_cookies]
            headers[name] = "; ".join([*jar, *(f"{k}={v}" for k, v in self.auth_cookies.items())])
        return list(self.auth_query)

    def send(self, method: str, path: str, body: Any = _UNSET) -> Response:
        """Send the request built so far; query parameters and body apply to this one only."""
        if body is _UNSET:
            body = self.body
        headers = dict(self.headers)
        content: bytes | None = None
        if body is not _UNSET:
            if isinstance(body, bytes | bytearray):
                content = bytes(body)
            else:
                content = json.dumps(body).encode()
                if not any(k.lower() == "content-type" for k in headers):
                    headers["Content-Type"] = "application/json"
        url = self.url(path)
        try:
            response, exchange, retries = self.shared.session.send(
                method,
                url,
                headers=headers,
                params=[*self._auth_for(url, headers), *self.query],
                content=content,
                deadline=self.deadline,
                cookies=self.cookies,
            )
        except StepError as exc:
            if exc.exchange is not None:
                self.exchanges.append(exc.exchange)
            raise
        self.exchanges.append(exchange)
        self.retries += retries
        self.response = response
        self.query = []
        self.body = _UNSET
        return response
