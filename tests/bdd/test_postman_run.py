"""A team's Postman collection run as written: `qaflow bdd run COLLECTION -e ENV -g GLOBALS
--env-var ... --base-url URL` against a real server on 127.0.0.1 that echoes what it got.
Every body mode, auth at every level, environment over collection over globals; JUnit
testcases named after the requests; a request that asserts nothing is unchecked, never
passed (and fails the run with --require-checks); `bdd execute --out` lays out its
reports as `bdd run --out` does; a run of only a corrupt input fails."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.bdd import bdd_pipeline
from tests.fakes.echo_server import echo_server

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.server]

HERE = Path(__file__).parent / "postman"
COLLECTION = HERE / "shop.postman_collection.json"
ENVIRONMENT = HERE / "local.postman_environment.json"
GLOBALS = HERE / "workspace.postman_globals.json"
SECRETS = ("t-1", "pw-2", "k-3")  # the environment's token and password, the --env-var API key
REQUESTS = ["Raw JSON", "Raw XML", "Raw text", "Urlencoded", "Formdata", "Binary file", "GraphQL",
            "Bearer from the collection", "Basic from the folder", "API key in the query", "No auth is refused",
            "Asserts nothing"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    accepted = {"Bearer t-1", "Basic " + base64.b64encode(b"ann:pw-2").decode(), "k-3"}
    with echo_server(accepted) as url:
        yield url


@pytest.fixture(scope="module")
def ran(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    from flows.cli import app

    out = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QAFLOW_EARLY_EPHEMERAL", "0")  # the test harness's API
        result = CliRunner().invoke(app, [
            "bdd", "run", str(COLLECTION), "-e", str(ENVIRONMENT), "-g", str(GLOBALS), "--env-var", "page=5",
            "--env-var", "apiKey=k-3", "--base-url", server, "--target", "", "--llm", "offline",
            "--out", str(out), "--json"])
    return result, out


def test_a_collection_runs_directly_with_its_environment(ran: tuple) -> None:
    result, out = ran
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    totals = summary["totals"]
    # every body mode, every auth level and every variable scope reached the server as Newman sends them
    assert (totals["passed"], totals["unchecked"], totals["failed"], totals["error"]) == (11, 1, 0, 0), summary
    assert summary["postman_parts"] == {"requests": 12, "translated": 24, "scripted": 0, "unsupported": 0}
    assert summary["requirements_total"] == 12 and summary["requirements_passed"] == 11 and summary["ok"]

    junit = ET.parse(out / "reports" / "junit.xml").getroot()
    cases = {case.get("name"): case for case in junit.iter("testcase")}
    assert sorted(cases) == sorted(REQUESTS)  # testcases are named after the requests
    skipped = cases["Asserts nothing"].find("skipped")
    assert skipped is not None and "asserts nothing" in skipped.get("message")

    written = "".join(p.read_text() for p in (out / "features").glob("*.feature"))
    written += "".join(p.read_text() for p in (out / "reports").glob("*.*")) + result.output
    assert not [s for s in SECRETS if s in written]  # secrets from -e / --env-var are never written
    assert '"who" is "environment"' in written and '"trace" is "g-1"' in written  # env over collection; globals


def test_execute_lays_out_like_run_and_require_checks_fails_unchecked(ran: tuple, server: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.cli import app

    monkeypatch.setenv("QAFLOW_EARLY_EPHEMERAL", "0")  # the test harness's API

    _, out = ran
    executed = CliRunner().invoke(app, [
        "bdd", "execute", str(out / "features"), "--base-url", server, "--target", "", "--postman", str(COLLECTION),
        "--environment", str(ENVIRONMENT), "--env-var", "apiKey=k-3", "--require-checks", "--out", str(tmp_path),
        "--json"])
    assert executed.exit_code == 1, executed.output  # the unchecked request fails the run now
    summary = json.loads(executed.stdout)
    assert summary["verdict"] == ["1 scenario(s) asserted nothing (--require-checks)"]
    assert summary["totals"]["passed"] == 11
    laid_out = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert {"reports/junit.xml", "reports/cucumber.json", "reports/report.html", "summary.json"} <= laid_out
    assert {"reports/junit.xml", "reports/cucumber.json", "reports/report.html", "summary.json"} <= {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def test_a_run_of_only_a_corrupt_input_fails(tmp_path: Path, server: str) -> None:
    broken = tmp_path / "cases.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    state = bdd_pipeline(requirements=[str(broken)], target="", base_url=server, out_dir=str(tmp_path / "out"),
                         llm="offline", return_state=True)
    assert state.is_failed()  # it exited 0 before: nothing ran and nothing said so
    with pytest.raises(Exception, match="1 input error"):
        state.result()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] == ["1 input error(s)", "nothing ran"]
    assert summary["not_run"][0]["kind"] == "input-error" and "cases.xlsx" in summary["not_run"][0]["requirement_id"]
    junit = (tmp_path / "out" / "reports" / "junit.xml").read_text()
    assert 'type="InputError"' in junit and "Requirements not run" in junit
