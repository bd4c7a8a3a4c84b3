"""The two ways a request leaves the runner: straight to httpx's connection pool when the
environment names no proxy, through httpx's client (which routes by HTTP_PROXY/NO_PROXY)
when it does. Both send the same request; a real forward proxy on 127.0.0.1 proves which
way it went."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from blocks.target_api import TargetAPI
from tasks.execution.http import HttpSession
from tasks.execution.runner import execute_features
from tasks.origins import OriginPolicy


class Recorder(ThreadingHTTPServer):
    """Answers every request with what it got (request line target, headers): as a
    target or, given absolute-form request lines, as a forward proxy would see them."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.seen: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Recorder

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        body = json.dumps({"target": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _session(base_url: str) -> HttpSession:
    return HttpSession(OriginPolicy.for_target(base_url, []), timeout=5)


@pytest.mark.parametrize("proxied", [False, True])
def test_both_paths_send_the_same_request(recorder, monkeypatch, proxied):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                 "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    target = "http://127.0.0.1:9"  # nobody listens: only a proxy can answer for it
    if proxied:
        monkeypatch.setenv("HTTP_PROXY", recorder.url)
    else:
        target = recorder.url
    session = _session(target)
    try:
        assert (session._direct is None) == proxied
        response, _, _ = session.send("GET", f"{target}/items/1", headers={"X-Team": "qa"},
                                      params=[("page", "2")], content=None)
    finally:
        session.close()
    got = response.json()
    # a forward proxy gets the absolute URL, a server the path: the same request either way
    assert got["target"] == (f"{target}/items/1?page=2" if proxied else "/items/1?page=2")
    headers = got["headers"]
    assert headers["x-team"] == "qa" and headers["accept"] == "*/*" and "python-httpx" in headers["user-agent"]
    assert headers["host"] == target.removeprefix("http://")


def test_a_run_behind_a_proxy_goes_through_it(recorder, monkeypatch, tmp_path):
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    feature = tmp_path / "proxied.feature"
    feature.write_text(
        'Feature: behind a proxy\n  Scenario: through it\n    When I send a GET request to "/health"\n'
        '    Then the response status should be 200\n'
        '    And the response JSON at "$.target" should be "http://127.0.0.1:9/health"\n',
        encoding="utf-8",
    )
    result = execute_features([feature], TargetAPI(base_url="http://127.0.0.1:9", timeout=5))
    assert result.totals.passed == 1, result.scenarios[0].failed_step
    assert recorder.seen == ["http://127.0.0.1:9/health"]


def test_tls_settings_are_made_once_and_follow_ssl_cert_file(monkeypatch):
    """Loading the CA bundle is done once per process, yet a changed SSL_CERT_FILE (a team's own
    CA) is honoured by the next run (the https test of tests/security/test_http_origins.py
    trusts its self-signed target this way)."""
    import certifi

    from tasks.execution.http import tls_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    default = tls_context()
    assert tls_context() is default
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    own = tls_context()
    assert own is not default and tls_context() is own
