"""OpenAPI scenarios against a real validating mock: Prism serving Swagger Petstore v3 (the
public document, Apache-2.0, tests/openapi/fixtures/petstore), an OpenAPI 3.1 document
with every kind of body and parameter, and gotify's Swagger 2.0 document (MIT, trimmed),
which Prism serves as it is and qaflow reads converted to OpenAPI 3.0. Prism checks each request against the document
(body, parameters, credentials) before it answers, so a scenario passes only when qaflow
sent what the document asks; what the mock and the document disagree on is named here
and explained by the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from blocks.target_api import TargetAPI
from tasks.execution.auth_specs import build_profile
from tasks.execution.results import RunResult
from tasks.execution.runner import execute_features
from tasks.reports import write_reports
from tasks.reports.coverage import coverage_summary, features_coverage
from tasks.requirements.credentials import auth_token
from tasks.requirements.openapi import read_openapi
from tasks.scenarios.generate import generate_features
from tests.openapi.prism import Prism, prism_binary

pytestmark = pytest.mark.server

FIXTURES = Path(__file__).parent / "fixtures"
PETSTORE = FIXTURES / "petstore" / "openapi.yaml"
MEDIA = FIXTURES / "media-3.1.yaml"
GOTIFY = FIXTURES / "gotify" / "swagger.json"  # Swagger 2.0, MIT (fixtures/gotify/SOURCE.md)
API_KEY = "petstore-key-6d1f0c"
TOKEN = "petstore-token-9a7e41"


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Prism]]:
    """The mocks, started side by side (Prism takes seconds to start)."""
    logs = tmp_path_factory.mktemp("prism")
    prism_binary()  # installed once, before either starts
    servers = {"petstore": Prism(PETSTORE, logs / "petstore.log"), "media": Prism(MEDIA, logs / "media.log"),
               "gotify": Prism(GOTIFY, logs / "gotify.log")}
    try:
        yield {name: server.ready() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("features")
    made = {}
    for name, spec in (("petstore", PETSTORE), ("media", MEDIA)):
        read = read_openapi(spec)
        assert read.errors == [] and read.warnings == []
        generated = generate_features(read.requirements, out / name)
        assert generated.ungenerated == []
        made[name] = [Path(f.path) for f in generated.files]
    return made


def run(paths: list[Path], url: str, spec: Path, auth: dict[str, str], tags: str | None = None) -> RunResult:
    """As `qaflow bdd execute --openapi SPEC --auth NAME=SPEC ...` runs them (profiles read by the
    same code, from environment variables)."""
    target = TargetAPI(base_url=url)
    for name, source in auth.items():
        target.auth_profiles[name] = build_profile(name, source, auth_token)
    result = execute_features(paths, target, openapi=spec, keep_bodies="all", tags=tags, concurrency=4)
    result.coverage = features_coverage([str(spec)], result)
    return result


def exchanges(result: RunResult) -> list[tuple[str, dict, dict]]:
    return [(s.name, step.request, step.response) for s in result.scenarios for step in s.steps
            if step.request and step.request.get("method")]


def test_petstore_passes_against_prism_with_every_request_valid(
        mocks: dict[str, Prism], features: dict[str, list[Path]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETSTORE_API_KEY", API_KEY)
    monkeypatch.setenv("PETSTORE_TOKEN", TOKEN)
    result = run(features["petstore"], mocks["petstore"].url, PETSTORE,
                 {"api_key": "apikey:header:api_key:PETSTORE_API_KEY", "petstore_auth": "bearer:PETSTORE_TOKEN"})
    failed = {s.name: s.failed_step.error if s.failed_step else s.error for s in result.scenarios if s.status != "passed"}
    assert failed == {}
    assert result.totals.scenarios == result.totals.passed == 19

    sent = exchanges(result)
    assert len(sent) == 19
    for name, _request, response in sent:
        assert "sl-violations" not in response["headers"], (name, response["headers"]["sl-violations"])
        assert response["status"] == 200 and not (response.get("body") or "").startswith('{"type":"https://stoplight')
    by_url = {f"{r['method']} {r['url'].split('?')[0].removeprefix(mocks['petstore'].url)}": r for _, r, _ in sent}
    assert by_url["GET /pet/findByStatus"]["url"].endswith("?status=available")  # the parameter's default
    assert by_url["GET /pet/1"]["headers"]["Accept"] == "application/json, application/xml;q=0.9"
    assert by_url["GET /pet/1"]["headers"]["api_key"] == "***"  # the scheme's header, redacted
    assert by_url["POST /pet/1/uploadImage"]["headers"]["Content-Type"] == "application/octet-stream"
    order = json.loads(by_url["POST /store/order"]["body"])  # every property, from the document's examples
    assert order == {"id": 10, "petId": 198772, "quantity": 7, "shipDate": "2026-01-01T00:00:00Z",
                     "status": "approved", "complete": True}

    # the coverage counts every documented response of every operation
    spec = yaml.safe_load(PETSTORE.read_text())
    documented = sum(len(op["responses"]) for item in spec["paths"].values() for op in item.values())
    assert result.coverage is not None
    assert coverage_summary(result.coverage)["line"] == f"19/19 operations, 19/{documented} documented responses"

    reports = write_reports(result, tmp_path / "reports")
    html = reports["html"].read_text()
    assert 'id="coverage-line">19/19 operations' in html and "findPetsByStatus" in html
    every_report = "".join(p.read_text() for p in reports.values()) + result.model_dump_json()
    assert API_KEY not in every_report and TOKEN not in every_report


def test_an_api_key_in_the_wrong_place_is_refused_and_reported(
        mocks: dict[str, Prism], features: dict[str, list[Path]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock checks credentials for real: the key in the query where the document wants a
    header is a 401, which fails the scenario; the coverage shows the answer under the
    operations' `default` response, not under the success they document."""
    monkeypatch.setenv("PETSTORE_API_KEY", API_KEY)
    result = run(features["petstore"], mocks["petstore"].url, PETSTORE,
                 {"api_key": "apikey:query:api_key:PETSTORE_API_KEY"}, tags="@REQ-getPetById or @REQ-getInventory")
    assert result.totals.scenarios == result.totals.failed == 2
    assert all("got 401" in s.failed_step.error for s in result.scenarios)
    assert coverage_summary(result.coverage)["operations"] == "2/19"
    seen = {op["operation_id"]: op["responses"] for op in result.coverage["operations_table"] if op["requests"]}
    assert seen == {"getPetById": {"200": False, "400": False, "404": False, "default": True},
                    "getInventory": {"200": False, "default": True}}


def test_every_kind_of_body_and_parameter_of_an_openapi_31_document(
        mocks: dict[str, Prism], features: dict[str, list[Path]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_USER", "ann")
    monkeypatch.setenv("MEDIA_PASSWORD", "media-password-31")
    monkeypatch.setenv("MEDIA_QUERY_KEY", "media-query-key-77")
    monkeypatch.setenv("MEDIA_COOKIE_KEY", "media-cookie-key-88")
    result = run(features["media"], mocks["media"].url, MEDIA, {
        "basicAuth": "basic:MEDIA_USER:MEDIA_PASSWORD",
        "queryKey": "apikey:query:key:MEDIA_QUERY_KEY",
        "cookieKey": "apikey:cookie:sid:MEDIA_COOKIE_KEY",
    })
    outcome = {s.requirement_ids[0]: s for s in result.scenarios}
    # The one disagreement: Prism does not read XML request bodies, so it judges the
    # (well-formed, documented) XML note as a string against an object schema; the report
    # shows Prism's own explanation in the failed step's response.
    xml = outcome.pop("postXmlNote")
    assert xml.status == "failed" and "Request body must be object" in xml.failed_step.response["body"]
    assert xml.failed_step.request["body"] == '<note urgent="true"><to>Kim</to><body>Hello</body></note>'
    assert {rid: s.status for rid, s in outcome.items()} == dict.fromkeys(
        ["submitForm", "uploadNote", "putBlob", "getItem", "getSession", "health"], "passed")

    sent = {name: (request, response) for name, request, response in exchanges(result)}
    for _request, response in sent.values():
        assert "sl-violations" not in response["headers"]
    form = next(r for r, _ in sent.values() if r["url"].endswith("/forms"))
    assert form["body"] == "name=Ann&age=18&newsletter=true"  # examples list, exclusiveMinimum 17 -> 18
    upload = next(r for r, _ in sent.values() if r["url"].endswith("/uploads"))
    assert upload["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert 'name="pages"\r\n\r\n1\r\n' in upload["body"]
    item = next(r for r, _ in sent.values() if "/items/" in r["url"])
    assert item["url"].endswith("/items/42?key=***&colours=red&verbose=false")  # key redacted in the report
    assert item["headers"]["X-Request-Id"] == "00000000-0000-4000-8000-000000000000"
    summary = coverage_summary(result.coverage)
    # the coverage lists Prism's 422 for the XML note as a status the document does not give
    assert summary["operations"] == "7/7" and summary["undocumented"] == ["POST /notes: 422"]
    assert summary["unmatched_requests"] == 0


def test_a_swagger_2_document_runs_converted(mocks: dict[str, Prism], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """gotify's real Swagger 2.0 document: body and formData parameters (a form login, a
    multipart image upload), apiKey and basic security definitions, `definitions` refs. Prism
    validates every request against the 2.0 document itself, so a conversion that lost a
    parameter, a body or a credential shows as a 4XX here."""
    read = read_openapi(GOTIFY)
    assert read.errors == [] and read.warnings == [f"{GOTIFY}: a Swagger 2.0 document, read as OpenAPI 3.0 "
                                                   "(converted in memory)"]
    generated = generate_features(read.requirements, tmp_path / "features")
    monkeypatch.setenv("GOTIFY_CLIENT_TOKEN", "Bearer C-gotify-client-1")
    monkeypatch.setenv("GOTIFY_USER", "admin")
    monkeypatch.setenv("GOTIFY_PASSWORD", "gotify-admin-pw")
    result = run([Path(f.path) for f in generated.files], mocks["gotify"].url, GOTIFY, {
        "clientTokenAuthorizationHeader": "apikey:header:Authorization:GOTIFY_CLIENT_TOKEN",
        "basicAuth": "basic:GOTIFY_USER:GOTIFY_PASSWORD",
    })
    failed = {s.name: s.failed_step.error if s.failed_step else s.error for s in result.scenarios if s.status != "passed"}
    assert failed == {} and result.totals.passed == 12

    sent = {f"{r['method']} {r['url'].split('?')[0].removeprefix(mocks['gotify'].url)}": r
            for _, r, response in exchanges(result) if "sl-violations" not in response["headers"]}
    assert len(sent) == 12
    upload = sent["POST /application/1/image"]  # formData `type: file` -> a multipart file part
    assert upload["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert 'name="file"; filename="example.bin"' in upload["body"]
    login = sent["POST /auth/local/login"]  # formData strings -> a form body, basic auth
    assert login["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert login["headers"]["Authorization"] == "***"
    assert json.loads(sent["POST /message"]["body"])["message"]  # a body parameter's definition
    assert coverage_summary(result.coverage)["operations"] == "12/12"
