"""complete_json (tasks/llm) through the real openai client against the loopback FakeOpenAI server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from blocks.llm import LLMEndpoint
from tasks.llm import (
    LLMInvalidAnswer,
    LLMRequestError,
    LLMUnavailable,
    complete_json,
    usage_totals,
)
from tasks.llm import cache as llm_cache
from tasks.llm import client as llm_client
from tests.fakes.openai_server import TEST_API_KEY, FakeOpenAI, Reply, endpoint_for


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)


ASK = [
    {"role": "system", "content": "You extract people."},
    {"role": "user", "content": "Ada Lovelace, 36."},
]
ADA = {"name": "Ada Lovelace", "age": 36}


@pytest.fixture(autouse=True)
def fast_retries(qaflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """A fresh cache per test, tiny backoff, and the delays the client chose."""
    monkeypatch.setattr(llm_client, "BACKOFF", llm_client.Backoff(base=0.001, cap=0.01))
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(llm_client, "sleep", sleep)
    llm_client.reset_circuits()
    yield delays
    llm_client.reset_circuits()


def cache_files() -> list[Path]:
    from tasks.settings import state_dir

    return sorted(state_dir("llm-cache").rglob("*.json"))


def test_valid_answer_uses_structured_output_and_sends_the_key() -> None:
    with FakeOpenAI() as llm:
        llm.reply(ADA)
        person = complete_json(ASK, Person, endpoint=endpoint_for(llm))

    assert person == Person(**ADA)
    assert len(llm.requests) == 1
    body = llm.requests[0]
    assert body["model"] == "test-model"
    assert body["messages"] == ASK
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Person"
    assert body["response_format"]["json_schema"]["schema"] == Person.model_json_schema()
    assert llm.request_headers[0]["authorization"] == f"Bearer {TEST_API_KEY}"


def test_code_fenced_json_is_accepted() -> None:
    with FakeOpenAI() as llm:
        llm.reply(f"```json\n{json.dumps(ADA)}\n```")
        assert complete_json(ASK, Person, endpoint=endpoint_for(llm)) == Person(**ADA)


@pytest.mark.parametrize(
    ("bad", "error_mentions"),
    [
        ("Sure! Here is the JSON you asked for.", "Invalid JSON"),
        ({"name": "Ada Lovelace", "age": -3}, "age"),
        ({"name": "Ada Lovelace"}, "Field required"),
    ],
)
def test_invalid_answer_is_sent_back_for_repair(bad: str | dict, error_mentions: str) -> None:
    before = usage_totals()
    with FakeOpenAI() as llm:
        llm.reply(bad, ADA)
        person = complete_json(ASK, Person, endpoint=endpoint_for(llm))

    assert person == Person(**ADA)
    assert len(llm.requests) == 2
    first, second = (r["messages"] for r in llm.requests)
    assert second[: len(first)] == first
    bad_text = bad if isinstance(bad, str) else json.dumps(bad)
    assert second[len(first)] == {"role": "assistant", "content": bad_text}
    repair = second[len(first) + 1]
    assert repair["role"] == "user"
    assert error_mentions in repair["content"]
    assert (usage_totals() - before).repairs == 1


def test_repairs_are_bounded_then_a_clear_error_and_nothing_cached() -> None:
    with FakeOpenAI() as llm:
        llm.reply("nope", "still nope", "never")
        with pytest.raises(LLMInvalidAnswer) as caught:
            complete_json(ASK, Person, endpoint=endpoint_for(llm), repair_attempts=2)
        assert len(llm.requests) == 3
        message = str(caught.value)
        assert "Person" in message and "2 repair" in message
        assert endpoint_for(llm).describe() in message
        assert cache_files() == []

        llm.reply(ADA)  # the next call asks again
        assert complete_json(ASK, Person, endpoint=endpoint_for(llm)) == Person(**ADA)
        assert len(llm.requests) == 4


def test_429_then_success_honours_a_small_retry_after(fast_retries: list[float]) -> None:
    before = usage_totals()
    with FakeOpenAI() as llm:
        llm.reply(Reply(status=429, headers={"Retry-After": "0.25"}), ADA)
        person = complete_json(ASK, Person, endpoint=endpoint_for(llm))

    assert person == Person(**ADA)
    assert len(llm.requests) == 2
    assert fast_retries == [0.25]
    spent = usage_totals() - before
    assert (spent.retries, spent.calls) == (1, 1)


def test_a_long_retry_after_is_replaced_by_our_backoff(fast_retries: list[float]) -> None:
    with FakeOpenAI() as llm:
        llm.reply(Reply(status=429, headers={"Retry-After": "3600"}), ADA)
        complete_json(ASK, Person, endpoint=endpoint_for(llm))
    assert len(fast_retries) == 1 and fast_retries[0] <= 0.01


def test_5xx_until_retries_run_out(
    caplog: pytest.LogCaptureFixture, fast_retries: list[float]
) -> None:
    with FakeOpenAI() as llm:
        endpoint = endpoint_for(llm, max_retries=3)
        llm.reply(*[Reply(status=500)] * 2, *[Reply(status=503)] * 2)
        with (
            caplog.at_level(logging.WARNING, logger="tasks.llm.client"),
            pytest.raises(LLMRequestError) as caught,
        ):
            complete_json(ASK, Person, endpoint=endpoint)

        assert len(llm.requests) == 4  # one try and three retries
        message = str(caught.value)
        assert endpoint.describe() in message
        assert "4 attempt" in message and "HTTP 503" in message
        assert TEST_API_KEY not in message
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
        retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
        assert len(retries) == 3 and "HTTP 500" in retries[0] and "retry 3/3" in retries[2]
        assert all(TEST_API_KEY not in r.getMessage() for r in caplog.records)
        assert len(fast_retries) == 3
        # the delays grow exponentially (base 0.001, capped at 0.01, jitter +-50%)
        assert fast_retries[0] <= 0.0015 and fast_retries[2] >= 0.002
        assert cache_files() == []

        # the endpoint is down for the rest of this run: no request, the first reason, said once
        with caplog.at_level(logging.WARNING, logger="tasks.llm.client"), pytest.raises(LLMRequestError) as again:
            complete_json(ASK, Person, endpoint=endpoint)
        assert len(llm.requests) == 4 and "failed earlier in this run" in str(again.value)
        assert sum("not calling it again" in r.getMessage() for r in caplog.records) == 1

        llm_client.reset_circuits()  # a new run
        llm.reply(ADA)  # nothing was cached: the next call goes to the server again
        assert complete_json(ASK, Person, endpoint=endpoint) == Person(**ADA)
        assert len(llm.requests) == 5


def test_timeout_is_retried() -> None:
    with FakeOpenAI() as llm:
        llm.reply(Reply(content=json.dumps(ADA), delay=1.0), ADA)
        person = complete_json(ASK, Person, endpoint=endpoint_for(llm, timeout=0.2))
    assert person == Person(**ADA)
    assert len(llm.requests) == 2


def test_unreachable_endpoint_names_it_after_the_retries() -> None:
    with FakeOpenAI() as llm:
        endpoint = endpoint_for(llm, max_retries=1)
    # the server is stopped: nothing listens on that port any more
    with pytest.raises(LLMRequestError, match="connection error") as caught:
        complete_json(ASK, Person, endpoint=endpoint)
    assert endpoint.describe() in str(caught.value)
    assert "2 attempt" in str(caught.value)


def test_auth_errors_are_not_retried_and_the_key_is_redacted() -> None:
    with FakeOpenAI() as llm:
        llm.reply(
            Reply(status=401, error={"message": f"Incorrect API key provided: {TEST_API_KEY}"})
        )
        with pytest.raises(LLMRequestError) as caught:
            complete_json(ASK, Person, endpoint=endpoint_for(llm))
    assert len(llm.requests) == 1
    message = str(caught.value)
    assert "HTTP 401" in message and "api_key" in message and "***" in message
    assert TEST_API_KEY not in message


def test_cache_hit_makes_no_request() -> None:
    before = usage_totals()
    with FakeOpenAI() as llm:
        endpoint = endpoint_for(llm)
        llm.reply(ADA)
        first = complete_json(ASK, Person, endpoint=endpoint)
        assert len(llm.requests) == 1
        assert len(cache_files()) == 1

        again = complete_json([dict(m) for m in ASK], Person, endpoint=endpoint)
        assert again == first
        assert len(llm.requests) == 1  # counted at the server: no HTTP request

        llm.reply({"name": "Grace Hopper", "age": 85}, ADA)
        other = complete_json(
            [*ASK[:1], {"role": "user", "content": "Grace Hopper, 85."}], Person, endpoint=endpoint
        )
        assert other.name == "Grace Hopper" and len(llm.requests) == 2
        complete_json(ASK, Person, endpoint=endpoint, use_cache=False)
        assert len(llm.requests) == 3
    spent = usage_totals() - before
    assert (spent.calls, spent.cache_hits) == (3, 1)


def test_cache_key_covers_model_kind_messages_schema_and_temperature() -> None:
    class Other(BaseModel):
        name: str

    base = llm_cache.cache_key("m", ASK, Person.model_json_schema())
    assert base == llm_cache.cache_key(
        "m", [dict(reversed(list(m.items()))) for m in ASK], Person.model_json_schema()
    )
    assert base != llm_cache.cache_key("m2", ASK, Person.model_json_schema())
    assert base != llm_cache.cache_key("m", ASK[:1], Person.model_json_schema())
    assert base != llm_cache.cache_key("m", ASK, Other.model_json_schema())
    assert base != llm_cache.cache_key("m", ASK, Person.model_json_schema(), temperature=0.7)
    assert base != llm_cache.cache_key("m", ASK, Person.model_json_schema(), kind="azure")


def test_an_unreadable_cache_entry_is_asked_again() -> None:
    with FakeOpenAI() as llm:
        llm.reply(ADA, ADA)
        complete_json(ASK, Person, endpoint=endpoint_for(llm))
        (entry,) = cache_files()
        entry.write_text("{half-written")
        assert complete_json(ASK, Person, endpoint=endpoint_for(llm)) == Person(**ADA)
        assert len(llm.requests) == 2
        assert json.loads(entry.read_text())["answer"] == ADA
    assert not [p for p in entry.parent.iterdir() if p.suffix == ".tmp"]


def test_json_schema_rejected_falls_back_to_json_mode_and_remembers() -> None:
    with FakeOpenAI(reject_json_schema=True) as llm:
        endpoint = endpoint_for(llm)
        llm.reply(ADA, {"name": "Grace Hopper", "age": 85})
        assert complete_json(ASK, Person, endpoint=endpoint) == Person(**ADA)
        assert [r["response_format"]["type"] for r in llm.requests] == [
            "json_schema",
            "json_object",
        ]
        system = llm.requests[1]["messages"][0]
        assert system["role"] == "system"
        assert system["content"].startswith("You extract people.")
        assert json.dumps(Person.model_json_schema()) in system["content"]
        assert llm.requests[1]["messages"][1:] == ASK[1:]

        complete_json([ASK[1]], Person, endpoint=endpoint)  # remembered: straight to JSON mode
        assert [r["response_format"]["type"] for r in llm.requests][2:] == ["json_object"]
        assert (
            llm.requests[2]["messages"][0]["role"] == "system"
        )  # schema added as a system message


def test_json_mode_rejected_too_falls_back_to_the_instruction_alone() -> None:
    with FakeOpenAI(reject_json_schema=True, reject_json_object=True) as llm:
        llm.reply(ADA)
        assert complete_json(ASK, Person, endpoint=endpoint_for(llm)) == Person(**ADA)
    formats = [(r.get("response_format") or {}).get("type") for r in llm.requests]
    assert formats == ["json_schema", "json_object", None]
    assert "JSON Schema" in llm.requests[2]["messages"][0]["content"]


def test_other_bad_requests_are_not_taken_for_a_format_rejection() -> None:
    with FakeOpenAI() as llm:
        llm.reply(Reply(status=400, error={"message": "model 'test-model' not found"}))
        with pytest.raises(LLMRequestError, match="HTTP 400.*not found"):
            complete_json(ASK, Person, endpoint=endpoint_for(llm))
    assert len(llm.requests) == 1


def test_usage_totals_grow_by_the_servers_numbers() -> None:
    before = usage_totals()
    with FakeOpenAI() as llm:
        llm.reply(
            Reply(content="{", usage={"prompt_tokens": 120, "completion_tokens": 1}),
            Reply(content=json.dumps(ADA), usage={"prompt_tokens": 150, "completion_tokens": 12}),
        )
        complete_json(ASK, Person, endpoint=endpoint_for(llm))
    spent = usage_totals() - before
    assert spent.model_dump() == {
        "calls": 2,
        "prompt_tokens": 270,
        "completion_tokens": 13,
        "cache_hits": 0,
        "repairs": 1,
        "retries": 0,
        "failures": 0,
    }
    assert spent.total_tokens == 283
    assert "2 LLM calls, 0 cache hits, 283 tokens" in spent.describe()


def test_concurrent_calls_share_one_ledger() -> None:
    before = usage_totals()
    with FakeOpenAI() as llm:
        llm.respond_with(
            lambda body: Reply(
                content=json.dumps({"name": body["messages"][-1]["content"], "age": 1}),
                usage={"prompt_tokens": 10, "completion_tokens": 2},
            )
        )
        endpoint = endpoint_for(llm)
        results: dict[int, Person] = {}

        def ask(i: int) -> None:
            results[i] = complete_json(
                [{"role": "user", "content": f"p{i}"}], Person, endpoint=endpoint
            )

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert {i: p.name for i, p in results.items()} == {i: f"p{i}" for i in range(8)}
    spent = usage_totals() - before
    assert (spent.calls, spent.prompt_tokens, spent.completion_tokens) == (8, 80, 16)


def test_offline_endpoint_raises_llm_unavailable() -> None:
    endpoint = LLMEndpoint()
    assert endpoint.offline
    with pytest.raises(LLMUnavailable, match="offline"):
        complete_json(ASK, Person, endpoint=endpoint)


@pytest.mark.usefixtures("prefect_api")
def test_retries_inside_a_flow_are_logged_to_the_run_logger() -> None:
    from prefect import flow

    run_logger = logging.getLogger("prefect.flow_runs")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    run_logger.addHandler(handler)
    try:
        with FakeOpenAI() as llm:
            llm.reply(Reply(status=502), ADA)

            @flow
            def extract() -> Person:
                return complete_json(ASK, Person, endpoint=endpoint_for(llm))

            assert extract() == Person(**ADA)
    finally:
        run_logger.removeHandler(handler)
    messages = [r.getMessage() for r in records]
    assert any("HTTP 502" in m and "retry 1/2" in m for m in messages), messages


def test_a_model_that_refuses_temperature_is_asked_without_it() -> None:
    refusal = "Unsupported value: 'temperature' does not support 0 with this model."
    with FakeOpenAI() as llm:
        endpoint = endpoint_for(llm)
        llm.reply(Reply(status=400, error={"message": refusal, "param": "temperature"}), ADA)
        assert complete_json(ASK, Person, endpoint=endpoint) == Person(**ADA)
        llm.reply(ADA)
        complete_json([ASK[1]], Person, endpoint=endpoint)
    assert ["temperature" in r for r in llm.requests] == [True, False, False]
    assert llm.requests[1]["response_format"]["type"] == "json_schema"


def test_aliased_fields_survive_the_cache() -> None:
    class Step(BaseModel):
        keyword: str = Field(alias="Keyword")

    with FakeOpenAI() as llm:
        llm.reply({"Keyword": "Given"})
        first = complete_json(ASK, Step, endpoint=endpoint_for(llm))
        again = complete_json(ASK, Step, endpoint=endpoint_for(llm))
    assert first.keyword == again.keyword == "Given"
    assert len(llm.requests) == 1


def test_an_open_circuit_closes_by_itself_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAI() as llm:
        endpoint = endpoint_for(llm, max_retries=0)
        llm.reply(Reply(status=503))
        with pytest.raises(LLMRequestError):
            complete_json(ASK, Person, endpoint=endpoint)
        assert llm_client.circuit_open(endpoint) is not None
        with pytest.raises(LLMRequestError, match="failed earlier in this run"):
            complete_json(ASK, Person, endpoint=endpoint)
        assert len(llm.requests) == 1
        monkeypatch.setattr(llm_client, "CIRCUIT_OPEN_S", 0.0)  # as if CIRCUIT_OPEN_S had passed
        llm.reply(ADA)
        assert complete_json(ASK, Person, endpoint=endpoint) == Person(**ADA)
        assert len(llm.requests) == 2 and llm_client.circuit_open(endpoint) is None


def test_a_bad_request_about_one_prompt_does_not_open_the_circuit() -> None:
    with FakeOpenAI() as llm:
        endpoint = endpoint_for(llm)
        llm.reply(Reply(status=400, error={"message": "maximum context length exceeded"}), ADA)
        with pytest.raises(LLMRequestError, match="HTTP 400"):
            complete_json(ASK, Person, endpoint=endpoint)
        assert llm_client.circuit_open(endpoint) is None
        assert complete_json(ASK, Person, endpoint=endpoint) == Person(**ADA)
