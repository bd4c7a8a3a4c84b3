"""The bdd flow across an outage and a recovery: the outage run ends Failed with the
usage of that run; the run after recovery asks again (no cached failure); the next one
asks nothing (cache hits, not calls); `refresh` asks again. Usage is in the summary,
the artifact and the HTML report, counted for each run alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.demo_api.server import start_demo_api
from flows.bdd import bdd_pipeline
from tests.fakes.openai_server import FakeOpenAI, Reply, endpoint_for
from tests.llm_path.conftest import ANSWER, prose_document

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.server]


@pytest.fixture(scope="module")
def demo_target() -> Iterator[str]:
    base_url, stop = start_demo_api()
    try:
        yield base_url
    finally:
        stop()


def run(reqs: Path, out: Path, target: str, **kwargs: object) -> tuple[object, dict]:
    state = bdd_pipeline(requirements=[str(reqs)], target="", base_url=target, out_dir=str(out),
                         llm="llm-path-flow", use_rag=False, return_state=True, **kwargs)
    return state, json.loads((out / "summary.json").read_text())


def test_outage_fails_the_run_and_recovery_asks_again(tmp_path: Path, demo_target: str) -> None:
    reqs = prose_document(tmp_path / "reqs", 2).parent
    out = tmp_path / "out"
    with FakeOpenAI() as llm:
        endpoint_for(llm, max_retries=1).save("llm-path-flow", overwrite=True)
        llm.respond_with(lambda body: Reply(status=503))
        state, summary = run(reqs, out, demo_target)
        assert state.is_failed() and "none of the 2 prose requirement(s)" in state.message
        assert summary["ok"] is False and summary["llm_generated"] == 0
        assert summary["llm_usage"]["failures"] == 2 and summary["llm_usage"]["calls"] == 0
        down = len(llm.requests)
        assert down <= 4

        llm.respond_with(lambda body: ANSWER)
        state, summary = run(reqs, out, demo_target)
        assert state.is_completed() and summary["ok"] and summary["totals"]["passed"] == 2
        assert len(llm.requests) == down + 2  # the failure was not cached anywhere
        usage = summary["llm_usage"]
        assert (usage["calls"], usage["cache_hits"], usage["failures"]) == (2, 0, 0)
        assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0

        state, summary = run(reqs, out, demo_target)
        assert state.is_completed() and len(llm.requests) == down + 2
        usage = summary["llm_usage"]
        assert (usage["calls"], usage["cache_hits"], usage["prompt_tokens"]) == (0, 2, 0)
        html = Path(summary["reports"]["html"]).read_text()
        assert "LLM (this run): 0 calls &middot; 2 cache hits" in html

        state, summary = run(reqs, out, demo_target, refresh=True)
        assert state.is_completed() and len(llm.requests) == down + 4
        assert summary["llm_usage"]["calls"] == 2 and summary["llm_usage"]["cache_hits"] == 0
