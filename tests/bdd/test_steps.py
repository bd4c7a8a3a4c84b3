"""The bdd stages' Prefect tasks as plain functions (`task.fn`), and the pieces the flow
wires them with: the summary model, the requirement batch, the run target, merged runs.

No Prefect API: every task here runs by its `.fn`; the HTTP target is a real server on
127.0.0.1 (tests/fakes/echo_server.py)."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import httpx
import pytest
from prefect.states import Completed, Failed

from flows.bdd import LLMGenerationFailed, ScenariosFailed
from tasks.execution.progress import PROGRESS
from tasks.execution.results import RunResult, ScenarioResult, Totals
from tasks.execution.runs import merge_runs, ran_requirements
from tasks.execution.steps import execute_feature, transport_trouble
from tasks.llm.usage import LLMUsage
from tasks.progress import ProgressEvent
from tasks.reports.summary import BddSummary, ExecuteSummary, summarize_bdd_run
from tasks.requirements.batch import RequirementBatch
from tasks.requirements.credentials import TargetSpec
from tasks.requirements.steps import ingest_document
from tasks.scenarios.generate import file_name_for, group_requirements
from tasks.scenarios.llm import context_or_hint
from tasks.scenarios.model import GenerationResult
from tasks.scenarios.steps import generate_feature, validate_feature
from tests.fakes.echo_server import echo_server

CASES = ("ID,Title,Method,Path,Expected Status,Auth\n"
         "S-1,Secure works,GET,/secure/me,200,default\n"
         "S-2,Teapot,GET,/status/200,418,\n")

# summary.json's keys, in the order the file has always had them (reports and CI scripts read it)
SUMMARY_KEYS = [
    "out_dir", "features_dir", "base_url", "documents", "requirements", "requirements_covered", "features",
    "reports", "totals", "requirements_total", "requirements_passed", "requirements_not_run",
    "requirement_pass_rate", "not_run", "verdict", "ok", "failed_scenarios", "coverage", "needs_llm",
    "ungenerated", "untranslated", "postman_parts", "read_errors", "llm", "llm_calls", "llm_repairs",
    "llm_requested", "llm_generated", "llm_usage", "llm_usage_line",
]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reqs")
    (folder / "cases.csv").write_text(CASES)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    return folder


def _batch(cases: Path) -> RequirementBatch:
    documents = [str(cases / "broken.xlsx"), str(cases / "cases.csv")]
    return RequirementBatch(documents=documents, read=[ingest_document.fn(d) for d in documents])


def test_ingest_reads_a_document_and_reports_a_bad_one_by_name(cases: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        batch = _batch(cases)
    assert [r.id for r in batch.requirements] == ["S-1", "S-2"]
    assert batch.counts() == (2, 2, 1)
    assert "broken.xlsx" in str(batch.read_errors[0])
    assert any("requirement input:" in r.getMessage() and "broken.xlsx" in r.getMessage() for r in caplog.records)
    assert batch.postman == [] and batch.postman_parts() is None
    assert batch.bake_postman_values(None, None, None) == 0
    assert not batch.needs_llm(offline=False)  # test-case rows run without an LLM


def test_generate_and_validate_write_a_feature_and_report_progress(cases: Path, tmp_path: Path) -> None:
    batch = _batch(cases)
    events: list[ProgressEvent] = []
    (group, members), = group_requirements(batch.requirements).items()
    draft = generate_feature.fn(group, members, file_name_for(group, set()), "offline")
    assert draft.requirement_ids == ["S-1", "S-2"]
    with PROGRESS.listening(events.append):
        written = validate_feature.fn(draft, str(tmp_path), members)
    assert [(e.stage, e.advance) for e in events] == [("generate", 1)]
    (feature,) = written.files
    text = Path(feature.path).read_text()
    assert "@REQ-S-1" in text and "@REQ-S-2" in text and written.ungenerated == []


def test_a_context_provider_is_passed_in_and_a_missing_one_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    def retrieve(text: str, k: int) -> list[str]:
        return [text][:k]

    assert context_or_hint(retrieve) is retrieve
    with caplog.at_level(logging.WARNING):
        assert context_or_hint(None, "h1-unit-store") is None
        assert context_or_hint(None, "h1-unit-store") is None
    hints = [r for r in caplog.records if "'h1-unit-store' is empty" in r.getMessage()]
    assert len(hints) == 1


def test_execute_feature_reads_credentials_itself_and_streams_results(cases: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    batch = _batch(cases)
    (group, members), = group_requirements(batch.requirements).items()
    draft = generate_feature.fn(group, members, "cases.feature", "offline")
    feature = validate_feature.fn(draft, str(tmp_path / "features"), members).files[0]
    monkeypatch.setenv("H1_STEPS_TOKEN", "tok-123")
    events: list[ProgressEvent] = []
    with echo_server({"Bearer tok-123"}) as url, PROGRESS.listening(events.append):
        spec = TargetSpec(target="", base_url=url, auth={"default": "H1_STEPS_TOKEN"})
        assert "tok-123" not in spec.model_dump_json()  # the task's input names the variable only
        run = execute_feature.fn(feature.path, spec, 2, None, 10.0, log=str(tmp_path / "0000.jsonl"))
    assert (run.totals.passed, run.totals.failed) == (1, 1)
    assert run.logs == [str(tmp_path / "0000.jsonl")] and run.scenarios == []  # streamed: totals only
    assert [e.advance for e in events if e.stage == "execute"] == [1, 1]
    assert "tok-123" not in Path(run.logs[0]).read_text()
    assert ran_requirements(run) == {"S-1": "passed", "S-2": "failed"}


def test_only_transport_trouble_is_retried() -> None:
    def state_of(exc: BaseException) -> Failed:
        return Failed(data=exc)

    assert transport_trouble(None, None, state_of(httpx.ConnectError("refused")))
    assert transport_trouble(None, None, state_of(TimeoutError()))
    assert not transport_trouble(None, None, state_of(ValueError("bad feature")))
    assert not transport_trouble(None, None, Completed(data=1))


def _scenario(name: str, status: str, requirement: str) -> ScenarioResult:
    return ScenarioResult(feature="F", feature_file="f.feature", name=name, status=status,  # type: ignore[arg-type]
                          requirement_ids=[requirement])


def test_merged_in_memory_runs_count_and_rank_requirements_by_their_worst_scenario() -> None:
    runs = [RunResult(scenarios=[_scenario("a", "passed", "R-1"), _scenario("b", "failed", "R-1")]),
            RunResult(scenarios=[_scenario("c", "passed", "R-2")])]
    merged = merge_runs(runs, "http://x", 1.23456)
    assert (merged.totals.scenarios, merged.totals.passed, merged.totals.failed) == (3, 2, 1)
    assert merged.totals.duration_s == 1.235 and merged.base_url == "http://x"
    assert ran_requirements(merged) == {"R-1": "failed", "R-2": "passed"}


def test_the_summary_keeps_summary_json_and_feeds_the_artifacts(cases: Path, tmp_path: Path) -> None:
    batch = _batch(cases)
    generation = GenerationResult()
    for group, members in group_requirements(batch.requirements).items():
        draft = generate_feature.fn(group, members, file_name_for(group, set()), "offline")
        generation = generation.merge(validate_feature.fn(draft, str(tmp_path / "features"), members))
    log = tmp_path / "results" / "0000.jsonl"
    log.parent.mkdir()
    from tasks.execution.result_log import write_log

    write_log([_scenario("Secure works", "passed", "S-1"), _scenario("Teapot", "failed", "S-2")], log)
    run = RunResult(base_url="http://api", logs=[str(log)], totals=Totals(scenarios=2, passed=1, failed=1),
                    failures=[{"scenario": "Teapot", "requirements": ["S-2"], "error": "expected 418"}])
    summary = summarize_bdd_run(run, tmp_path, batch, generation, "offline", LLMUsage(), require_checks=False)

    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert list(on_disk) == SUMMARY_KEYS and on_disk == summary.model_dump(mode="json")
    assert on_disk["verdict"] == ["1 of 2 scenarios failed", "1 input error(s)"] and on_disk["ok"] is False
    assert on_disk["not_run"][0]["kind"] == "input-error" and on_disk["requirements_total"] == 3
    assert BddSummary.model_validate(on_disk).totals == summary.totals  # the file reads back as the model
    rows = summary.table_rows()
    assert [(r["requirement"], r["status"]) for r in rows[:2]] == [("S-1", "passed"), ("S-2", "failed")]
    assert rows[2]["status"].startswith("not run (input-error)") and len(rows) == 3
    assert len(summary.table_rows(limit=1)) == 2  # one result row, then the requirements that did not run
    markdown = summary.markdown()
    assert "**1/2 scenarios passed**" in markdown and "## Documents with errors" in markdown
    assert "- **Teapot** (S-2): expected 418" in markdown
    assert summary.verdict_message().startswith("1 of 2 scenarios failed; 1 input error(s); see ")
    assert "results_logs" not in on_disk


def test_an_empty_run_has_one_placeholder_row() -> None:
    summary = BddSummary(out_dir="/o", features_dir="/o/features", base_url="")
    assert summary.table_rows() == [{"requirement": "-", "scenario": "-", "feature": "-", "status": "no scenarios",
                                     "duration_s": 0}]
    assert "0/0 scenarios passed" in summary.markdown()


def test_failures_carry_the_summary_through_pickling() -> None:
    """Prefect may serialize a flow's exception (result storage, another process): the
    summary must come back with it, and the message stay the one line users see."""
    summary = BddSummary(out_dir="/o", features_dir="/o/features", base_url="http://api", llm="m", llm_requested=2)
    for failure in (ScenariosFailed("1 of 2 scenarios failed; see x", summary),
                    LLMGenerationFailed(summary.outage_message(), summary)):
        back = pickle.loads(pickle.dumps(failure))
        assert type(back) is type(failure) and str(back) == str(failure)
        assert back.summary == summary
    assert summary.outage_message() == "none of the 2 prose requirement(s) could be generated by m; see /o/summary.json"


def test_execute_summary_is_the_layout_of_bdd_run(tmp_path: Path) -> None:
    summary = ExecuteSummary(out_dir=str(tmp_path), base_url="http://api", totals=Totals(scenarios=1, passed=1),
                             results_log="r.jsonl")
    written = json.loads(summary.write(tmp_path).read_text())
    assert list(written) == ["out_dir", "base_url", "totals", "requirements_total", "requirements_passed",
                             "requirements_not_run", "requirement_pass_rate", "verdict", "ok", "reports",
                             "results_log", "failed_scenarios", "coverage"]
