"""No false pass, nothing hidden: a scenario that asserts nothing is `unchecked` (run by
the real runner against the demo API), in every report; a Postman script's named
assertions appear by name; requirements that never ran are listed with their reason;
the pass rate is over all requirements; the run's verdict; report files get the umask's
mode; small input fixes (`200 OK`, `@REQ-REQ-5`)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from blocks.target_api import AuthProfile, TargetAPI
from examples.demo_api.server import start_demo_api
from tasks.execution.results import (
    AssertionResult,
    NotRun,
    RunResult,
    ScenarioResult,
    StepResult,
    requirement_tag,
)
from tasks.execution.runner import execute_features
from tasks.reports import write_reports
from tasks.requirements.cells import CellError, parse_status

pytestmark = pytest.mark.server

HERE = Path(__file__).parent
TOKEN = "not-hidden-token-1"
FEATURE = '''Feature: Checks
  @REQ-1
  Scenario: asserts nothing
    When I send a GET request to "/health"

  @REQ-2
  Scenario: only saves
    When I send a GET request to "/health"
    Then I save the response JSON at "$.status" as "s"

  @REQ-3
  Scenario: checks the status
    When I send a GET request to "/health"
    Then the response status should be 200

  @REQ-4
  Scenario: default profile when there is one
    Given I am authenticated as the default profile, if the target has one
    When I send a GET request to "/users"
    Then the response status should be 200
'''


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    base_url, stop = start_demo_api(token=TOKEN)
    try:
        yield base_url
    finally:
        stop()


@pytest.fixture(scope="module")
def run(demo: str, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    folder = tmp_path_factory.mktemp("features")
    (folder / "checks.feature").write_text(FEATURE)
    target = TargetAPI(base_url=demo, auth_profiles={"default": AuthProfile(token=TOKEN)})
    result = execute_features([folder], target)
    # what a Postman-script step reports: one assertion per pm.test, by name
    result.scenarios.append(ScenarioResult(
        feature="Postman", feature_file="pm.feature", name="Get Booking", requirement_ids=["PM-7"], status="failed",
        steps=[StepResult(keyword="Then", text='the Postman tests of "Get Booking" pass', status="failed",
                          error="1 of 2 Postman tests failed", assertions=[
                              AssertionResult(name="Status code is 200", passed=True),
                              AssertionResult(name="Has firstname", passed=False,
                                              error="expected undefined to be a string")])]))
    result.not_run = [
        NotRun(requirement_id="REQ-9", title="Reports are fast", source="srs.docx", reason="prose: needs an LLM",
               kind="needs-llm"),
        NotRun(requirement_id="broken.xlsx", title="broken.xlsx", source="broken.xlsx",
               reason="not a workbook", kind="input-error"),
    ]
    result.recount()
    return result


def test_a_scenario_that_asserts_nothing_is_unchecked(run: RunResult) -> None:
    status = {s.name: s.status for s in run.scenarios}
    assert status["asserts nothing"] == status["only saves"] == "unchecked"
    assert status["checks the status"] == "passed"
    assert status["default profile when there is one"] == "passed"  # the default profile's token was sent
    assert run.totals.unchecked == 2 and run.totals.passed == 2 and run.totals.failed == 1


def test_verdict_and_pass_rate_over_all_requirements(run: RunResult) -> None:
    assert run.verdict() == ["1 of 5 scenarios failed", "1 input error(s)"]
    assert "2 scenario(s) asserted nothing (--require-checks)" in run.verdict(require_checks=True)
    assert "1 requirement(s) did not run (--strict)" in run.verdict(strict=True)
    figures = run.requirement_figures({"1": "unchecked", "2": "unchecked", "3": "passed", "4": "passed",
                                       "PM-7": "failed"})
    # 5 that ran + REQ-9 (needs an LLM) + the unreadable workbook: 2 of 7 passed
    assert figures == {"requirements_total": 7, "requirements_passed": 2, "requirements_not_run": 2,
                       "requirement_pass_rate": 28.6}
    assert RunResult().verdict() == ["nothing ran"]


@pytest.fixture(scope="module")
def reports(run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    previous = os.umask(0o022)
    try:
        return write_reports(run, tmp_path_factory.mktemp("reports"))
    finally:
        os.umask(previous)


def test_junit_shows_unchecked_assertions_and_what_did_not_run(reports: dict[str, Path]) -> None:
    schema = etree.XMLSchema(etree.parse(str(HERE / "junit-10.xsd")))
    document = etree.parse(str(reports["junit"]))
    assert schema.validate(document), schema.error_log
    root = ET.parse(reports["junit"]).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["asserts nothing"].find("skipped").get("type") == "Unchecked"
    failure = cases["Get Booking"].find("failure")
    assert "Has firstname" in failure.get("message") and "Has firstname: expected undefined" in failure.text
    assert "PASS  Status code is 200" in cases["Get Booking"].find("system-out").text
    assert cases["REQ-9 Reports are fast"].find("skipped").get("type") == "NeedsLLM"
    assert "not a workbook" in cases["REQ-broken.xlsx"].find("error").text
    assert root.get("tests") == "7" and root.get("errors") == "1"


def test_cucumber_shows_unchecked_assertions_and_what_did_not_run(reports: dict[str, Path]) -> None:
    features = json.loads(reports["cucumber"].read_text())
    elements = {e["name"]: e for f in features for e in f["elements"]}
    last = elements["asserts nothing"]["steps"][-1]
    assert last["name"] == "the scenario checks the response" and last["result"]["status"] == "skipped"
    outputs = elements["Get Booking"]["steps"][0]["output"]
    assert outputs == ["PASS Status code is 200", "FAIL Has firstname: expected undefined to be a string"]
    not_run = features[-1]
    assert not_run["name"] == "Requirements not run"
    assert [(e["tags"][0]["name"], e["steps"][0]["result"]["status"]) for e in not_run["elements"]] == [
        ("@REQ-9", "skipped"), ("@REQ-broken.xlsx", "failed")]


def test_html_shows_unchecked_assertions_and_what_did_not_run(reports: dict[str, Path]) -> None:
    html = reports["html"].read_text()
    assert 'id="unchecked">2<' in html and 'id="requirements-passed">2/7<' in html and 'id="pass-rate">28.6%' in html
    assert '<li class="fail">Has firstname: expected undefined to be a string</li>' in html
    assert "needs an LLM" in html and "prose: needs an LLM" in html and "not a workbook" in html
    assert 'data-req="REQ-9"' in html and "REQ-REQ" not in html


def test_report_files_follow_the_umask(reports: dict[str, Path]) -> None:
    for path in reports.values():
        assert path.stat().st_mode & 0o777 == 0o644, path  # mkstemp's 0600 before


def test_status_cells_and_requirement_tags() -> None:
    assert parse_status("200 OK") == [200] and parse_status("404 Not Found | 410 Gone") == [404, 410]
    with pytest.raises(CellError, match="not the reason phrase of 200"):
        parse_status("200 Created")
    assert requirement_tag("REQ-5") == "REQ-5" and requirement_tag("TC-1") == "REQ-TC-1"


def test_a_sheet_row_without_auth_uses_the_default_profile_when_there_is_one(demo: str, tmp_path: Path) -> None:
    from tasks.requirements import read_requirements
    from tasks.scenarios.generate import generate_features

    sheet = tmp_path / "cases.csv"
    sheet.write_text("ID,Title,Method,Path,Expected Status,Auth\n"
                     "A-1,Users as usual,GET,/users,200,\n"
                     "A-2,Users without credentials,GET,/users,401,none\n")
    generate_features(read_requirements(sheet).requirements, tmp_path / "features")
    with_default = TargetAPI(base_url=demo, auth_profiles={"default": AuthProfile(token=TOKEN)})
    status = {s.name: s.status for s in execute_features([tmp_path / "features"], with_default).scenarios}
    assert status == {"Users as usual": "passed", "Users without credentials": "passed"}
    # no default profile: the empty row sends nothing (and so gets the 401 it did not expect)
    bare = {s.name: s.status for s in execute_features([tmp_path / "features"], TargetAPI(base_url=demo)).scenarios}
    assert bare == {"Users as usual": "failed", "Users without credentials": "passed"}
