"""Usage numbers add up across fresh, retried, repaired, cached and failed runs: calls are
the answered requests, cache hits are not calls, tokens are the server's numbers, and each
run's counts are its own."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.llm import LLMUsage, usage_scope, usage_totals
from tasks.requirements.model import Requirement
from tasks.scenarios.generate import generate_features
from tests.fakes.openai_server import FakeOpenAI, Reply, _prompt_text, _tokens, endpoint_for
from tests.llm_path.conftest import ANSWER, UNBINDABLE


def prose(rid: str) -> Requirement:
    return Requirement(id=rid, title=f"Health {rid}", text=f"The service reports that it is up ({rid}).",
                       source="srs.md § Service", group="Service")


def spend(llm: FakeOpenAI, out: Path, *rids: str) -> tuple[LLMUsage, int]:
    """One run's usage and how many requests it made."""
    before = len(llm.requests)
    with usage_scope() as spent:
        generate_features([prose(r) for r in rids], out, endpoint_for(llm))
    return spent[0], len(llm.requests) - before


def test_usage_adds_up_across_runs(tmp_path: Path) -> None:
    start = usage_totals()
    answer, unbindable = json.dumps(ANSWER), json.dumps(UNBINDABLE)
    with FakeOpenAI() as llm:
        llm.reply(Reply(status=429, headers={"Retry-After": "0"}), ANSWER)
        retried, sent = spend(llm, tmp_path / "a", "A")
        assert sent == 2
        assert (retried.calls, retried.retries, retried.repairs, retried.cache_hits) == (1, 1, 0, 0)
        assert retried.completion_tokens == _tokens(answer)
        assert retried.prompt_tokens == _tokens(_prompt_text(llm.requests[1]))

        llm.reply(UNBINDABLE, ANSWER)
        repaired, sent = spend(llm, tmp_path / "b", "B")
        assert sent == 2 and (repaired.calls, repaired.repairs, repaired.failures) == (2, 1, 0)
        assert repaired.completion_tokens == _tokens(unbindable) + _tokens(answer)
        assert repaired.prompt_tokens == sum(_tokens(_prompt_text(b)) for b in llm.requests[2:4])

        cached, sent = spend(llm, tmp_path / "c", "A", "B")
        assert sent == 0 and cached == LLMUsage(cache_hits=2)  # this run's numbers only

        llm.reply(UNBINDABLE, UNBINDABLE, UNBINDABLE)
        failed, sent = spend(llm, tmp_path / "d", "C")
        assert sent == 3 and (failed.calls, failed.repairs, failed.failures) == (3, 2, 1)

    total = retried + repaired + cached + failed
    assert total == usage_totals() - start  # the runs' own numbers add up to the process ledger
    assert total.calls == 6 and total.cache_hits == 2 and total.calls + total.retries == len(llm.requests)


def test_requirements_are_asked_concurrently_within_the_bound(tmp_path: Path) -> None:
    import threading
    import time

    from tasks.scenarios.llm import LLM_CONCURRENCY

    lock, now, peak = threading.Lock(), [0], [0]

    def slow(body: dict) -> dict:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.3)
        with lock:
            now[0] -= 1
        return ANSWER

    with FakeOpenAI() as llm:
        llm.respond_with(slow)
        started = time.perf_counter()
        result = generate_features([prose(f"P{i}") for i in range(12)], tmp_path, endpoint_for(llm))
        seconds = time.perf_counter() - started
    assert result.llm_generated == 12
    assert peak[0] == LLM_CONCURRENCY  # concurrent, and never more than the bound
    assert seconds < 12 * 0.3  # faster than one after another
