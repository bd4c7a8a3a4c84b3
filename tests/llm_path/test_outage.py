"""An outage stops early and fails loudly: the circuit breaker stops calling a dead
endpoint (and says so once); a run where prose needed the LLM and none was generated
exits non-zero (CLI) and ends Failed (flow); the next run after recovery asks again."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasks.llm import usage_scope
from tasks.requirements import read_requirements
from tasks.scenarios.generate import generate_features
from tasks.scenarios.llm import GENERATION_THREADS, LLM_CONCURRENCY
from tests.fakes.openai_server import FakeOpenAI, Reply, endpoint_for
from tests.llm_path.conftest import ANSWER, prose_document

DOWN = Reply(status=500, error={"message": "model overloaded"})
# The most requests an outage can cost: each generating thread's first try, plus the
# retries in flight (at most LLM_CONCURRENCY at a time) until the first one gives up.
MOST = GENERATION_THREADS + 2 * LLM_CONCURRENCY


def test_the_circuit_breaker_stops_calling_a_dead_endpoint(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    requirements = read_requirements(prose_document(tmp_path, 20)).requirements
    with FakeOpenAI() as llm, caplog.at_level(logging.WARNING):
        llm.respond_with(lambda body: DOWN)
        with usage_scope() as spent:
            result = generate_features(requirements, tmp_path / "out", endpoint_for(llm, max_retries=1))
        requests = len(llm.requests)
    # without the breaker: 20 requirements x 2 attempts = 40; with it, only those already started
    assert requests <= MOST < 40
    assert result.llm_requested == 20 and result.llm_generated == 0 and result.llm_outage
    assert result.llm_unavailable == 20
    assert all(u.reason.startswith("LLM unavailable") for u in result.ungenerated)
    assert sum("failed earlier in this run" in u.reason for u in result.ungenerated) >= 20 - GENERATION_THREADS
    assert sum("not calling it again" in r.getMessage() for r in caplog.records) == 1
    assert spent[0].failures == 20 and spent[0].calls == 0 and spent[0].retries <= GENERATION_THREADS


@pytest.mark.usefixtures("prefect_api")
def test_cli_generate_exits_non_zero_on_an_outage_then_recovers(tmp_path: Path) -> None:
    from flows.cli import app

    doc = prose_document(tmp_path / "reqs", 12)
    runner = CliRunner()
    with FakeOpenAI() as llm:
        endpoint_for(llm, max_retries=1).save("llm-path-outage", overwrite=True)
        llm.respond_with(lambda body: DOWN)
        down = runner.invoke(app, ["bdd", "generate", str(doc), "--out", str(tmp_path / "f"),
                                   "--llm", "llm-path-outage", "--json"])
        assert down.exit_code == 1, down.output
        payload = json.loads(down.stdout)
        assert payload["llm_requested"] == 12 and payload["llm_generated"] == 0
        assert payload["llm_usage"]["failures"] == 12 and payload["llm_usage"]["calls"] == 0
        down_requests = len(llm.requests)
        assert down_requests <= MOST < 2 * 12  # only the requests already started

        llm.respond_with(lambda body: ANSWER)  # the endpoint is back: the next run asks again
        up = runner.invoke(app, ["bdd", "generate", str(doc), "--out", str(tmp_path / "f"),
                                 "--llm", "llm-path-outage"])
        assert up.exit_code == 0, up.output
        assert len(llm.requests) == down_requests + 12
        assert "12/12 prose requirement(s) generated; 12 calls, 0 cache hits" in " ".join(up.output.split())
