"""mockdata takes an LLM answer column by column: one column still invalid after the
repairs falls back (named, with the reason) while the other choices are kept; nothing
partial is cached; an outage costs the client's own retries only (no Prefect retries
on top) and raises no traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tasks.codegen.mapping import map_schema
from tasks.codegen.steps import map_columns
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec
from tests.fakes.openai_server import FakeOpenAI, Reply, endpoint_for


def schema() -> SchemaSpec:
    return SchemaSpec(source="test", tables=[TableSpec(name="gadgets", primary_key=["id"], columns=[
        ColumnSpec(name="id", type="integer", primary_key=True, nullable=False),
        ColumnSpec(name="zorblax", type="string", max_length=12),
        ColumnSpec(name="wibble", type="integer", min=0, max=10),
        ColumnSpec(name="frobnitz", type="string", max_length=20),
    ])])


def answer(zorblax: str) -> dict:
    return {"columns": [
        {"table": "gadgets", "column": "zorblax", "generator": zorblax},
        {"table": "gadgets", "column": "wibble", "generator": "numeric.quantity", "params": {}},
        {"table": "gadgets", "column": "frobnitz", "generator": "text.pattern", "params": {"pattern": "FX-###"}},
    ]}


def test_one_bad_column_keeps_the_other_choices(tmp_path: Path) -> None:
    with FakeOpenAI() as llm:
        llm.reply(answer("text.zorblax"), answer("text.zorblax2"), answer("nope.nope"))
        plan = map_schema(schema(), 10, endpoint=endpoint_for(llm))
        assert len(llm.requests) == 3  # the answer and two repairs, then the valid part is used
        assert "text.zorblax" in llm.requests[1]["messages"][-1]["content"]
        table = plan.table("gadgets")
        assert (table.column("wibble").how, table.column("wibble").generator) == ("llm", "numeric.quantity")
        assert table.column("frobnitz").how == "llm" and table.column("frobnitz").params["pattern"] == "FX-###"
        zorblax = table.column("zorblax")
        assert zorblax.how == "fallback" and "unknown generator 'nope.nope'" in zorblax.reason
        assert plan.summary.llm == 2 and plan.summary.fallback == 1
        assert plan.summary.llm_usage["calls"] == 3 and plan.summary.llm_usage["repairs"] == 2
        assert "valid choices kept" in plan.summary.llm_note

        llm.reply(answer("text.word"))  # the partial answer was not cached: asked again
        again = map_schema(schema(), 10, endpoint=endpoint_for(llm))
        assert len(llm.requests) == 4 and again.summary.fallback == 0 and again.summary.llm == 3


@pytest.mark.usefixtures("prefect_api")
def test_an_outage_costs_the_clients_retries_only_and_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with FakeOpenAI() as llm, caplog.at_level(logging.INFO):
        llm.respond_with(lambda body: Reply(status=500))
        plan = map_columns(schema(), 10, "en_US", endpoint_for(llm))  # the Prefect task, as the flow runs it
        assert len(llm.requests) == 3  # one try and the client's two retries; no Prefect retries on top
    assert plan.summary.fallback == 3 and "heuristics kept" in plan.summary.llm_note
    assert plan.summary.llm_usage["failures"] == 1 and plan.summary.llm_usage["retries"] == 2
    assert not any(r.exc_info for r in caplog.records)
    assert not any("Traceback" in r.getMessage() for r in caplog.records)
