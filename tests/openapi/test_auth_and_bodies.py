"""Security schemes -> auth profiles, run for real against a local API (tests/openapi/auth_api.py):
API keys in a header, the query and a cookie, basic, bearer, OAuth2 client-credentials and
password grants (the token fetched from the scheme's tokenUrl once per run), every value
read from environment variables as `--auth` names them and none of them in any result.
Then the request bodies a Content-Type asks for, parsed by the server as it would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from blocks.target_api import AuthProfile, TargetAPI
from tasks.execution.auth_specs import AuthSpecError, build_profile, parse_spec
from tasks.execution.results import RunResult
from tasks.execution.runner import execute_features
from tasks.reports import write_reports
from tasks.requirements.credentials import auth_token
from tasks.requirements.openapi import read_openapi
from tasks.scenarios.generate import generate_features
from tests.openapi import auth_api
from tests.openapi.auth_api import AuthAPI
from tests.security.http_targets import Listener

ENV = {
    "QA_API_KEY": auth_api.API_KEY, "QA_QUERY_KEY": auth_api.QUERY_KEY, "QA_COOKIE_KEY": auth_api.COOKIE_KEY,
    "QA_USER": auth_api.USER, "QA_PASSWORD": auth_api.PASSWORD, "QA_BEARER": auth_api.BEARER,
    "QA_CLIENT_ID": auth_api.CLIENT_ID, "QA_CLIENT_SECRET": auth_api.CLIENT_SECRET,
    "QA_OAUTH_USER": auth_api.OAUTH_USER, "QA_OAUTH_PASSWORD": auth_api.OAUTH_PASSWORD,
}
AUTH = {
    "headerKey": "apikey:header:X-Key:QA_API_KEY",
    "queryKey": "apikey:query:key:QA_QUERY_KEY",
    "cookieKey": "apikey:cookie:sid:QA_COOKIE_KEY",
    "basicAuth": "basic:QA_USER:QA_PASSWORD",
    "default": "bearer:QA_BEARER",  # bearerAuth has no profile of its own: the default one stands in
    "clientAuth": "oauth2:client:QA_CLIENT_ID:QA_CLIENT_SECRET",
    "passwordAuth": "oauth2:password:QA_OAUTH_USER:QA_OAUTH_PASSWORD:QA_CLIENT_ID:QA_CLIENT_SECRET",
}
SECRETS = [v for k, v in ENV.items() if k not in ("QA_USER", "QA_CLIENT_ID", "QA_OAUTH_USER")]


@pytest.fixture(scope="module")
def api() -> Iterator[AuthAPI]:
    server = AuthAPI()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def setup(api: AuthAPI, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("auth")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(auth_api.document()))
    generated = generate_features(read_openapi(spec).requirements, folder / "features")
    return spec, [Path(f.path) for f in generated.files]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def target(url: str, auth: dict[str, str], **extra: object) -> TargetAPI:
    block = TargetAPI(base_url=url, **extra)
    for name, spec in auth.items():
        block.auth_profiles[name] = build_profile(name, spec, auth_token)
    return block


def shown(result: RunResult, reports: dict[str, Path]) -> str:
    return result.model_dump_json() + "".join(p.read_text() for p in reports.values())


@pytest.mark.usefixtures("env")
def test_every_security_scheme_kind(api: AuthAPI, setup: tuple[Path, list[Path]], tmp_path: Path) -> None:
    spec, features = setup
    result = execute_features(features, target(api.url, AUTH), openapi=spec, keep_bodies="all")
    assert {s.requirement_ids[0]: s.status for s in result.scenarios} == dict.fromkeys(
        ["headerKey", "queryKey", "cookieKey", "basic", "bearer", "client", "clientAgain", "password", "open"], "passed")
    # one token per grant for the whole run, though two scenarios needed the client's
    assert len(api.issued["client_credentials"]) == 1 and len(api.issued["password"]) == 1
    issued = [t for tokens in api.issued.values() for t in tokens]
    echoed = [json.loads(step.response["body"]) for s in result.scenarios for step in s.steps
              if step.response and step.response.get("body")]
    assert {"ok": True, "you_sent": "Bearer ***"} in echoed  # the server echoed a fetched token: redacted
    text = shown(result, write_reports(result, tmp_path / "reports"))
    for secret in [*SECRETS, *issued]:
        assert secret not in text


@pytest.mark.usefixtures("env")
def test_credentials_go_to_the_targets_own_origin_only(api: AuthAPI, setup: tuple[Path, list[Path]],
                                                      tmp_path: Path) -> None:
    spec, features = setup
    other = Listener()  # another origin the target allows: a token URL there is refused
    try:
        block = target(api.url, AUTH, allowed_hosts=[other.url])
        block.auth_profiles["clientAuth"] = AuthProfile(
            kind="oauth2", token_url=other.url + "/token", client_id=auth_api.CLIENT_ID,
            client_secret=SecretStr(auth_api.CLIENT_SECRET))
        refused = execute_features(features, block, openapi=spec, tags="@REQ-client")
        (scenario,) = refused.scenarios
        assert scenario.status == "error" and "not on the target's own origin" in scenario.failed_step.error
        # an API key in the query or a cookie is not sent to another origin either
        feature = tmp_path / "elsewhere.feature"
        feature.write_text(
            "Feature: elsewhere\n  Scenario: keys stay home\n"
            '    Given I am authenticated for the security scheme "queryKey"\n'
            '    And I am authenticated for the security scheme "cookieKey"\n'
            f'    When I send a GET request to "{other.url}/collect"\n'
            "    Then the response status should be 200\n")
        sent = execute_features([feature], block)
        assert sent.totals.passed == 1
        assert other.connections == 1  # the token URL was never contacted; the plain request was
        received = b"".join(other.received)
        assert auth_api.QUERY_KEY.encode() not in received and auth_api.COOKIE_KEY.encode() not in received
        assert auth_api.CLIENT_SECRET.encode() not in received
    finally:
        other.close()


@pytest.mark.usefixtures("env")
def test_a_refused_token_fails_the_scenario_and_says_why(api: AuthAPI, setup: tuple[Path, list[Path]],
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec, features = setup
    monkeypatch.setenv("QA_CLIENT_SECRET", "wrong-secret-9911")
    result = execute_features(features, target(api.url, AUTH), openapi=spec, tags="@REQ-client", keep_bodies="all")
    (scenario,) = result.scenarios
    assert scenario.status == "failed" and "answered 401 without an access_token" in scenario.failed_step.error
    assert "wrong-secret-9911" not in shown(result, write_reports(result, tmp_path / "reports"))


def test_auth_specs_name_every_kind_and_refuse_the_rest() -> None:
    assert parse_spec("a", "TOKEN").kind == "bearer"
    assert parse_spec("a", "secret:my-token").sources == {"token": "secret:my-token"}
    key = parse_spec("a", "apikey:cookie:sid:secret:cookie-block")
    assert (key.kind, key.location, key.name, key.sources) == ("api_key", "cookie", "sid", {"key": "secret:cookie-block"})
    assert parse_spec("a", "basic:U:P").sources == {"username": "U", "password": "P"}
    oauth = parse_spec("a", "oauth2:password:U:P:ID:SECRET:/oauth/token")
    assert (oauth.grant, oauth.token_path, oauth.sources["client_secret"]) == ("password", "/oauth/token", "SECRET")
    for bad in ("apikey:body:x:ENV", "basic:ONLY_USER", "oauth2:implicit:A:B", "bearer:"):
        with pytest.raises(AuthSpecError, match="expected PROFILE="):
            parse_spec("a", bad)


BODIES = '''Feature: bodies by content type
  Scenario: a form
    Given the request header "Content-Type" is "application/x-www-form-urlencoded"
    When I send a POST request to "/echo" with body:
      """
      {"name": "Ann Lee", "tags": ["a", "b"], "adult": true}
      """
    Then the response JSON at "$.kind" should be "form"
    And the response JSON at "$.fields" should be {"name": ["Ann Lee"], "tags": ["a", "b"], "adult": ["true"]}

  Scenario: multipart fields
    Given the request header "Content-Type" is "multipart/form-data"
    When I send a POST request to "/echo" with body:
      """
      {"title": "Notes", "pages": 3}
      """
    Then the response JSON at "$.fields" should be {"title": "Notes", "pages": "3"}

  Scenario: XML as written
    Given the variable "who" is "Kim"
    And the request header "Content-Type" is "application/xml"
    When I send a POST request to "/echo" with body:
      """
      <note urgent="true"><to>${who}</to><body>Hi &amp; bye</body></note>
      """
    Then the response JSON at "$.children" should be {"to": "Kim", "body": "Hi & bye"}
    And the response JSON at "$.attrs.urgent" should be "true"

  Scenario: bytes from a file, as they are
    Given the request header "Content-Type" is "application/octet-stream"
    And the request body is loaded from "blob.bin"
    When I send a POST request to "/echo"
    Then the response JSON at "$.hex" should be "00ff10fe"

  Scenario: JSON when nothing else is said
    When I send a POST request to "/echo" with body:
      """
      {"n": 1}
      """
    Then the response JSON at "$.value.n" should be 1
'''


def test_request_bodies_follow_the_content_type(api: AuthAPI, tmp_path: Path) -> None:
    feature = tmp_path / "bodies.feature"
    feature.write_text(BODIES)
    (tmp_path / "blob.bin").write_bytes(bytes([0, 255, 16, 254]))  # not UTF-8: sent as it is
    result = execute_features([feature], TargetAPI(base_url=api.url))
    failed = {s.name: s.failed_step.error for s in result.scenarios if s.status != "passed"}
    assert failed == {} and result.totals.passed == 5
