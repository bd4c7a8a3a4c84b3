"""Expected failures end a flow run FAILED with a one-line message and no traceback in the
run's logs (read back through the Prefect API); unexpected exceptions keep theirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prefect import flow

from flows import failures

pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parents[2]
ENGINE_NOISE = ("Traceback", "Engine execution exited with unexpected exception")


def _logs(run_id: Any) -> str:
    """Every log line of a flow run (and its tasks) as the API stores it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # logs go to the API in batches: send what is queued
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return "\n".join(log.message for log in logs)


def test_a_schema_that_cannot_be_read_fails_the_run_in_one_line(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.mockdata import mockdata_pipeline

    (tmp_path / "bad.sql").write_text("CREATE TABLE (\n")
    monkeypatch.chdir(tmp_path)
    state = mockdata_pipeline(schema="bad.sql", rows=10, out_dir=str(tmp_path / "out"), return_state=True)
    assert state.type.value == "FAILED"
    assert len(state.message.splitlines()) == 1
    assert f"{tmp_path / 'bad.sql'}:1" in state.message  # the relative path, resolved
    logs = _logs(state.state_details.flow_run_id)
    assert f"{tmp_path / 'bad.sql'}:1" in logs
    for noise in ENGINE_NOISE:
        assert noise not in logs


def test_bad_arguments_fail_the_run_in_one_line(tmp_path: Path) -> None:
    from flows.mockdata import mockdata_pipeline

    state = mockdata_pipeline(schema=str(ROOT / "examples/schemas/shop.sql"), rows=0, out_dir=str(tmp_path),
                              return_state=True)
    assert state.type.value == "FAILED"
    assert "rows must be a positive integer, got 0" in state.message
    logs = _logs(state.state_details.flow_run_id)
    assert "rows must be a positive integer, got 0" in logs
    for noise in ENGINE_NOISE:
        assert noise not in logs


def test_an_unreachable_target_fails_the_run_with_the_scenarios_summary(tmp_path: Path) -> None:
    from flows.bdd import bdd_pipeline
    from flows.local_server import free_port

    dead = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
    state = bdd_pipeline(requirements=[str(ROOT / "examples/requirements")], base_url=dead, llm="offline",
                         out_dir=str(tmp_path / "bdd"), use_rag=False, return_state=True)
    assert state.type.value == "FAILED"
    assert len(state.message.splitlines()) == 1
    assert "scenarios failed; see" in state.message
    logs = _logs(state.state_details.flow_run_id)
    assert "scenarios passed; reports in" in logs  # the short summary
    assert "scenarios failed; see" in logs  # the message
    for noise in ENGINE_NOISE:
        assert noise not in logs


@flow(name="qaflow-test-unexpected")
def _broken() -> None:
    raise KeyError("a bug, not an input")


def test_unexpected_exceptions_keep_their_traceback() -> None:
    assert failures._FILTER in __import__("logging").getLogger("prefect.flow_runs").filters
    state = _broken(return_state=True)
    assert state.type.value == "FAILED"
    assert "Traceback" in _logs(state.state_details.flow_run_id)


def test_cli_prints_one_line_with_the_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "bad.sql").write_text("CREATE TABLE (\n")
    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "QAFLOW_SERVER": "never", "COLUMNS": "400"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "mockdata", "generate", "bad.sql", "--rows", "5",
                           "--out", "out"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    # read before anything starts, so the message is the reader's own: it begins with the resolved path
    assert len(lines) == 1 and lines[0].startswith("error: " + str(tmp_path / "bad.sql") + ":1:")
