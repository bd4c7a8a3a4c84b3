"""Reports of a real run against the demo API: JUnit validated against the
Jenkins xUnit schema, Cucumber JSON structure, and the HTML page rendered by
headless Chromium (started by the test). No secret may appear in any of them."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from blocks.target_api import AuthProfile, TargetAPI
from examples.demo_api.server import start_demo_api
from tasks.execution.results import RunResult
from tasks.execution.runner import execute_features
from tasks.reports import write_reports

pytestmark = pytest.mark.server

HERE = Path(__file__).parent
ARTIFACTS = HERE.parent / "artifacts"
TOKEN = "report-secret-token-9000"
BASIC_PASSWORD = "basic-pass-771"

FEATURE = f'''@REQ-10
Feature: Users API
  Users can be created and read.

  Background:
    Given I am authenticated as "admin"

  @smoke
  Scenario: create a user
    When I send a POST request to "/users" with body:
      """
      {{"name": "Ann", "email": "ann-${{uuid}}@example.com"}}
      """
    Then the response status should be 201
    And I save the response JSON at "$.id" as "id"
    When I send a GET request to "/users/${{id}}"
    Then the response JSON at "$.name" should be "Ann"

  @REQ-11
  Scenario: a check that fails
    When I send a POST request to "/users" with body:
      """
      {{"name": "{TOKEN}", "email": "bob-${{uuid}}@example.com"}}
      """
    Then the response JSON at "$.name" should be "Bob <b>&amp;</b>"
    And the response status should be 201

  @REQ-11
  Scenario Outline: pages
    Given the query parameters are:
      | page | <page> |
    When I send a GET request to "/users"
    Then the response status should be 200

    Examples:
      | page |
      | 1    |
      | 2    |
'''

ORDERS = '''Feature: Orders API
  Scenario: unknown operation is an error
    Given I am authenticated as "basic"
    When I send a GET request to "/orders"
    Then the response should conform to the OpenAPI operation "nope"

  Scenario: untraced scenario
    When I send a GET request to "/health"
    Then the response status should be 200
'''


@pytest.fixture(scope="module")
def run_result(tmp_path_factory) -> Iterator[RunResult]:
    base_url, stop = start_demo_api(token=TOKEN)
    try:
        folder = tmp_path_factory.mktemp("features")
        (folder / "a_users.feature").write_text(FEATURE)
        (folder / "b_orders.feature").write_text(ORDERS)
        target = TargetAPI(
            base_url=base_url,
            auth_profiles={
                "admin": AuthProfile(token=TOKEN),
                "basic": AuthProfile(kind="basic", username="u", password=BASIC_PASSWORD),
            },
        )
        yield execute_features([folder], target, concurrency=3)
    finally:
        stop()


@pytest.fixture(scope="module")
def reports(run_result, tmp_path_factory) -> dict[str, Path]:
    return write_reports(run_result, tmp_path_factory.mktemp("reports"), title="Demo <API> report")


def test_the_run_has_every_status(run_result):
    statuses = [s.status for s in run_result.scenarios]
    assert statuses.count("passed") == 4 and "failed" in statuses and "error" in statuses


def test_files_written_whole(reports):
    assert set(reports) == {"junit", "cucumber", "html"}
    folder = reports["html"].parent
    assert sorted(p.name for p in folder.iterdir()) == ["cucumber.json", "junit.xml", "report.html"]


def test_no_secret_in_any_report(reports):
    for path in reports.values():
        text = path.read_text(encoding="utf-8")
        assert TOKEN not in text, path.name
        assert BASIC_PASSWORD not in text, path.name
    embedded = json.loads(reports["cucumber"].read_text())
    for feature in embedded:
        for element in feature["elements"]:
            for step in element["steps"]:
                for embedding in step.get("embeddings", []):
                    assert TOKEN not in base64.b64decode(embedding["data"]).decode()


def test_junit_is_valid_against_the_jenkins_schema(reports, run_result):
    schema = etree.XMLSchema(etree.parse(str(HERE / "junit-10.xsd")))
    document = etree.parse(str(reports["junit"]))
    assert schema.validate(document), schema.error_log
    root = document.getroot()
    assert root.tag == "testsuites" and root.get("tests") == "6"
    assert root.get("failures") == "1" and root.get("errors") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"Users API", "Orders API"}
    cases = suites["Users API"].findall("testcase")
    assert [c.get("name") for c in cases] == ["create a user", "a check that fails", "pages [1]", "pages [2]"]
    assert all(c.get("classname") == "Users API" for c in cases)
    failure = cases[1].find("failure")
    assert failure.get("message") == 'at $.name: expected "Bob <b>&amp;</b>", got "***"'
    assert "Request: POST " in failure.text and "/users" in failure.text
    assert "Requirements: REQ-10, REQ-11" in cases[1].find("system-out").text
    error = suites["Orders API"].find("testcase").find("error")
    assert "no operation 'nope'" in error.get("message")


def test_cucumber_json_structure(reports):
    features = json.loads(reports["cucumber"].read_text())
    assert [f["name"] for f in features] == ["Users API", "Orders API"]
    users = features[0]
    assert users["keyword"] == "Feature" and users["id"] == "users-api" and users["uri"].endswith("users.feature")
    assert users["description"] == "Users can be created and read."
    assert users["tags"] == [{"name": "@REQ-10", "line": 1}]
    assert users["line"] == 2
    elements = users["elements"]
    assert [e["id"] for e in elements] == [
        "users-api;create-a-user",
        "users-api;a-check-that-fails",
        "users-api;pages-1",
        "users-api;pages-2",
    ]
    first = elements[0]
    assert first["type"] == "scenario" and first["keyword"] == "Scenario" and first["line"] == 9
    assert [t["name"] for t in first["tags"]] == ["@REQ-10", "@smoke"]
    step = first["steps"][1]
    assert step["keyword"] == "When " and step["name"] == 'I send a POST request to "/users" with body:'
    assert step["result"]["status"] == "passed" and isinstance(step["result"]["duration"], int)
    assert step["result"]["duration"] > 0
    assert step["doc_string"]["value"].startswith('{"name": "Ann"')
    assert step["match"]["location"].startswith("tasks/execution/steps_request.py:")
    failed = elements[1]["steps"]
    assert [s["result"]["status"] for s in failed] == ["passed", "passed", "failed", "skipped"]
    assert failed[2]["result"]["error_message"].startswith("at $.name: expected")
    assert "duration" not in failed[3]["result"]
    outline = elements[2]
    assert outline["keyword"] == "Scenario Outline"
    assert outline["steps"][1]["rows"] == [{"cells": ["page", "1"]}]
    errored = features[1]["elements"][0]["steps"][2]
    assert errored["result"]["status"] == "failed" and "no operation" in errored["result"]["error_message"]


def _chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed (make browser / apt-get install chromium)"
    return binary


def _run_chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([_chromium(), *flags, *args], capture_output=True, text=True, timeout=90, check=False)


def test_html_report_renders_in_chromium(reports, tmp_path):
    url = reports["html"].resolve().as_uri()
    dom = _run_chromium("--dump-dom", url, profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = etree.HTML(dom.stdout)
    assert page.get("data-rendered") is None  # on <html>; the script marks <body>
    body = page.find("body")
    assert body.get("data-rendered") == "yes", "the report's script did not run"
    assert page.findtext(".//title") == "Demo <API> report"
    assert page.xpath('string(//*[@id="shown"])') == "Showing 6 of 6 scenarios"
    assert page.xpath('string(//*[@id="total"])') == "6"
    # the traceability matrix: requirement -> scenarios -> result
    rows = page.xpath('//table[@id="matrix"]/tbody/tr')
    by_req: dict[str, list[str]] = {}
    for row in rows:
        by_req.setdefault(row.get("data-req"), []).append(" ".join(row.xpath("string(.//a)").split()))
    assert by_req["10"] == [
        "Users API › create a user",
        "Users API › a check that fails",
        "Users API › pages [1]",
        "Users API › pages [2]",
    ]
    assert by_req["11"] == ["Users API › a check that fails", "Users API › pages [1]", "Users API › pages [2]"]
    assert by_req["(no requirement)"] == ["Orders API › unknown operation is an error", "Orders API › untraced scenario"]
    first_of_11 = rows[len(by_req["10"])]
    assert first_of_11.xpath('string(.//span[contains(@class, "badge")])') == "failed"
    # failures open, with the request and response, redacted
    failed = page.xpath('//details[@data-status="failed"]')[0]
    assert failed.get("open") is not None
    text = " ".join(failed.itertext())
    assert 'expected "Bob <b>&amp;</b>", got "***"' in text
    assert "Authorization: ***" in text and "201 (" in text
    steps = failed.xpath('.//div[@class="steps"]/div')
    assert [s.get("class") for s in steps][:4] == ["step passed", "step passed", "step failed", "step skipped"]
    assert steps[1].xpath('string(.//span[@class="time"])').endswith(" ms")
    assert TOKEN not in dom.stdout

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "bdd-report.png"
    shot.unlink(missing_ok=True)
    done = _run_chromium(
        f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars", url, profile=tmp_path / "profile-shot"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
