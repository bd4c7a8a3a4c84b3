"""The bdd flow under a real Prefect API: `make demo`'s inputs pass; a failing
scenario fails the run (after the reports); bad documents are reported while the
rest goes on; generation is cached; the CLI commands work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from typer.testing import CliRunner

from examples.demo_api.server import start_demo_api
from flows.bdd import bdd_pipeline, demo

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.server]


@pytest.fixture(scope="module")
def demo_target() -> Iterator[str]:
    base_url, stop = start_demo_api()
    try:
        yield base_url
    finally:
        stop()


def artifacts_of(flow_run_id: object) -> dict[str, object]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        return {a.key: a.data for a in found}


def task_states(flow_run_id: object) -> dict[str, str]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        return {r.name: r.state.name for r in runs}


def test_the_demo_passes_offline(tmp_path: Path) -> None:
    result = demo(tmp_path)
    assert result["scenarios"] >= 19 and result["passed"] == result["scenarios"]
    assert sorted(result["needs_llm"]) == ["FR-9", "REQ-2", "REQ-3", "TC-U6"]
    assert result["untranslated_postman_lines"] == 1  # setNextRequest; console.log runs in the sandbox (issue 13)
    for path in result["reports"].values():
        assert Path(path).stat().st_size > 0
    junit = Path(result["reports"]["junit"]).read_text()
    # every requirement is a testcase: the 19 scenarios and the 4 that wait for an LLM (skipped, with why)
    assert f'tests="{result["scenarios"] + 4}"' in junit and "REQ-TC-U1" in junit
    assert junit.count("<skipped") >= 4
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["read_errors"] == [] and summary["ok"] is True
    assert {Path(p).name for p in summary["features"]} >= {"test-cases-users.feature", "srs-demo-api-software-requirements-specification.feature"}


def test_failures_fail_the_run_after_reports_and_artifacts(tmp_path: Path, demo_target: str) -> None:
    reqs = tmp_path / "reqs"
    reqs.mkdir()
    (reqs / "cases.csv").write_text(
        "ID,Title,Method,Path,Expected Status,Checks,Tags\n"
        "H-1,Health is up,GET,/health,200,$.status == ok,smoke\n"
        "H-2,Health is a teapot,GET,/health,418,,\n"
    )
    (reqs / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (reqs / "old.postman_collection.json").write_text(json.dumps(
        {"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v1.0.0/collection.json"}, "item": []}))
    out = tmp_path / "out"
    state = bdd_pipeline(requirements=[str(reqs)], target="no-such-block", base_url=demo_target,
                         out_dir=str(out), llm="offline", return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="1 of 2 scenarios failed"):
        state.result()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["passed"] == 1 and summary["totals"]["failed"] == 1
    assert "expected status 418, got 200" in summary["failed_scenarios"][0]["error"]
    assert len(summary["read_errors"]) == 2
    assert any("broken.xlsx" in e for e in summary["read_errors"])
    assert any("version v1.0.0" in e for e in summary["read_errors"])
    assert Path(summary["reports"]["html"]).exists()

    artifacts = artifacts_of(state.state_details.flow_run_id)
    table = json.loads(artifacts["bdd-results"]) if isinstance(artifacts["bdd-results"], str) else artifacts["bdd-results"]
    ran = {(row["requirement"], row["status"]) for row in table if row["scenario"] != "-"}
    assert ran == {("H-1", "passed"), ("H-2", "failed")}
    not_run = [row for row in table if row["scenario"] == "-"]  # inputs that never ran are listed too
    assert len(not_run) == 2 and all(row["status"].startswith("not run (input-error)") for row in not_run)
    assert "**1/2 scenarios passed**" in artifacts["bdd-summary"]
    assert "broken.xlsx" in artifacts["bdd-summary"]

    # the same inputs again, tags selecting only the passing one, without failing on failure:
    # generation runs again (Prefect caches no generation: a cached failure would stick; the
    # LLM's accepted answers are cached by the LLM client, see tests/llm_path)
    again = bdd_pipeline(requirements=[str(reqs)], target="no-such-block", base_url=demo_target, out_dir=str(out),
                         llm="offline", tags="@smoke", fail_on_failure=False, return_state=True)
    summary = again.result()
    assert summary.totals.scenarios == 1 and summary.totals.passed == 1
    assert not summary.ok and summary.verdict == ["2 input error(s)"]  # unreadable inputs are not a pass
    states = task_states(again.state_details.flow_run_id)
    assert states["generate cases: cases"] == "Completed"


def test_cli_generate_import_export_execute_and_steps(tmp_path: Path, demo_target: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.cli import app
    from tasks.settings import project_root

    monkeypatch.setenv("QAFLOW_EARLY_EPHEMERAL", "0")  # use the test harness's API
    examples = project_root() / "examples" / "requirements"
    runner = CliRunner()

    steps = runner.invoke(app, ["bdd", "steps", "--json"])
    assert steps.exit_code == 0, steps.output
    assert any(s["pattern"] == "the response status should be {code}" for s in json.loads(steps.stdout))

    generated = runner.invoke(app, ["bdd", "generate", str(examples / "notes.md"), str(examples / "srs.docx"),
                                    "--out", str(tmp_path / "gen"), "--llm", "offline", "--json"])
    assert generated.exit_code == 0, generated.output
    payload = json.loads(generated.stdout)
    assert {u["requirement_id"] for u in payload["ungenerated"]} == {"FR-9", "REQ-2", "REQ-3"}
    assert len(payload["files"]) == 2

    imported = runner.invoke(app, ["bdd", "import-postman", str(examples / "demo-api.postman_collection.json"),
                                   "--out", str(tmp_path / "pm"), "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["scenarios"] == 6

    exported = runner.invoke(app, ["bdd", "export-postman", str(tmp_path / "pm"), "--out", str(tmp_path / "c.json"),
                                   "--json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads((tmp_path / "c.json").read_text())["info"]["name"] == "qaflow scenarios"

    # the features name the collection's bearer profile; its token comes from the collection
    assert "demo-token" not in "".join(p.read_text() for p in (tmp_path / "pm").glob("*.feature"))
    executed = runner.invoke(app, ["bdd", "execute", str(tmp_path / "pm"), "--base-url", demo_target,
                                   "--target", "no-such-block", "--out", str(tmp_path / "reports"), "--json",
                                   "--postman", str(examples / "demo-api.postman_collection.json")])
    assert executed.exit_code == 0, executed.output
    result = json.loads(executed.stdout)
    assert result["ok"] and result["totals"]["passed"] == 6
    assert Path(result["reports"]["junit"]).exists()

    cases = tmp_path / "run.csv"
    cases.write_text("ID,Title,Method,Path,Expected Status,Auth\nR-1,Users,GET,/users,200,default\n"
                     "R-2,Teapot,GET,/health,418,\n")
    monkeypatch.setenv("BDD_TEST_TOKEN", "demo-token")
    ran = runner.invoke(app, ["bdd", "run", str(cases), "--base-url", demo_target, "--target", "no-such-block",
                              "--auth", "default=BDD_TEST_TOKEN", "--out", str(tmp_path / "run"), "--llm", "offline",
                              "--openapi", f"{demo_target}/openapi.json", "--json"])
    assert ran.exit_code == 1, ran.output  # one scenario fails: CI sees a non-zero exit
    summary = json.loads(ran.stdout)
    assert summary["totals"]["passed"] == 1 and summary["failed_scenarios"][0]["scenario"] == "Teapot"
    # --openapi: the run's operation coverage against the team's document (CSV rows carry none of their own)
    assert summary["coverage"]["operations"].startswith("2/") and summary["coverage"]["line"].startswith("2/")
    assert summary == json.loads((tmp_path / "run" / "summary.json").read_text())  # printed = the file
    assert "demo-token" not in ran.stdout  # the token came from the environment, never printed

    bad = runner.invoke(app, ["bdd", "execute", str(tmp_path / "pm"), "--base-url", demo_target, "--auth", "nonsense"])
    assert bad.exit_code == 1 and "expected PROFILE=ENV_VAR" in bad.output


@pytest.mark.usefixtures("qaflow_home")
def test_prose_goes_through_the_llm_in_the_flow(tmp_path: Path, demo_target: str) -> None:
    from tests.fakes.openai_server import FakeOpenAI, endpoint_for

    reqs = tmp_path / "reqs"
    reqs.mkdir()
    (reqs / "ops.md").write_text("# Operations\n\n## REQ-50 Health\n\nThe service reports that it is up.\n")
    answer = {"scenarios": [{"name": "The service is up", "tags": ["smoke"], "steps": [
        {"keyword": "When", "text": 'I send a GET request to "/health"'},
        {"keyword": "Then", "text": "the response status should be 200"},
        {"keyword": "And", "text": 'the response JSON at "$.status" should be "ok"'}]}]}
    with FakeOpenAI() as llm:
        llm.reply(answer)
        endpoint_for(llm).save("bdd-test-llm", overwrite=True)
        summary = bdd_pipeline(requirements=[str(reqs)], target="", base_url=demo_target,
                               out_dir=str(tmp_path / "out"), llm="bdd-test-llm", use_rag=False)
        assert len(llm.requests) == 1
    assert summary.ok and summary.totals.passed == 1
    assert summary.llm_calls == 1 and summary.needs_llm == []
    assert summary.llm_usage["calls"] == 1 and "1 LLM calls" in summary.llm_usage_line
    feature = Path(summary.features[0]).read_text()
    assert "@REQ-50 @smoke" in feature and "Scenario: The service is up" in feature
