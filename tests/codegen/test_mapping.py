"""Column mapping: constraints and name rules, foreign keys, the LLM path against the
loopback OpenAI-compatible server (one call per schema, then the cache), bad schemas.
"""

from __future__ import annotations

import pytest

from tasks.codegen.mapping import (
    MappingError,
    apply_llm,
    heuristic_plans,
    llm_request,
    map_schema,
)
from tasks.codegen.steps import map_columns
from tasks.generators.rules import regex_to_pattern
from tasks.schema import read_schema_file
from tasks.schema.ddl import parse_ddl
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec
from tasks.settings import project_root
from tests.fakes.openai_server import FakeOpenAI, endpoint_for

SHOP = project_root() / "examples" / "schemas" / "shop.sql"


def _schema(*tables: TableSpec) -> SchemaSpec:
    return SchemaSpec(source="test", tables=list(tables))


def _odd_table() -> TableSpec:
    """A table whose two last columns no rule knows."""
    return TableSpec(name="gadgets", primary_key=["id"], columns=[
        ColumnSpec(name="id", type="integer", primary_key=True, nullable=False),
        ColumnSpec(name="email", type="string"),
        ColumnSpec(name="zorblax", type="string", max_length=12),
        ColumnSpec(name="wibble", type="integer", min=0, max=10),
    ])


def test_shop_schema_is_mapped_by_heuristics_alone():
    plan = map_schema(read_schema_file(SHOP), {"customers": 100, "products": 10, "orders": 200, "order_items": 300})
    assert [t.name for t in plan.tables] == ["customers", "products", "orders", "order_items"]
    customers = plan.table("customers")
    expected = {"id": "id.sequence", "first_name": "person.first_name", "email": "internet.email",
                "phone": "person.phone", "postcode": "address.postcode", "status": "choice.enum",
                "balance": "finance.price", "is_active": "numeric.boolean", "birth_date": "person.birth_date"}
    assert {k: customers.column(k).generator for k in expected} == expected
    email = customers.column("email")
    assert email.params["first_name"] == "first_name" and email.params["unique"] is True
    assert customers.column("birth_date").params["min"] == "1920-01-01"
    # The schema's regex reaches text.pattern as it is (issue 18: regexes are generated, not simplified).
    assert plan.table("products").column("sku").params == {"pattern": "^SKU-[0-9]{4}-[A-Z]{2}$", "syntax": "regex",
                                                          "unique": True}
    assert plan.table("products").column("name").generator == "company.product"  # a product name, not random words
    fk = plan.table("orders").column("customer_id")
    assert fk.generator == "id.foreign_key"
    assert fk.params["rows"] == 100 and fk.params["target"] == "id.sequence"
    # members of a composite primary key are not unique on their own
    assert plan.table("order_items").column("line_no").unique is False
    assert plan.summary.fallback == 0 and plan.summary.llm_calls == 0
    assert set(plan.columns_by_how()["heuristic"]) >= {"customers.email", "orders.customer_id"}


def test_unique_column_whose_rule_cannot_be_unique_gets_a_unique_generator():
    table = TableSpec(name="things", columns=[
        ColumnSpec(name="city", type="string", unique=True),
        ColumnSpec(name="score", type="integer", unique=True, min=1, max=10**6),
    ])
    plan = map_schema(_schema(table), 10)
    city, score = plan.table("things").columns
    assert city.generator == "address.city" and city.suffix is True
    assert score.generator == "id.unique_int" and score.params["min"] == 1


def test_regex_patterns_become_qaflow_patterns():
    assert regex_to_pattern("^SKU-[0-9]{4}-[A-Z]{2}$") == "SKU-####-??"
    assert regex_to_pattern(r"^\d{3}-[a-z]{2}$") == "###-&&"
    assert regex_to_pattern("^(a|b)$") is None


def test_foreign_key_to_a_missing_table_is_a_clear_error():
    child = TableSpec(name="orders", columns=[
        ColumnSpec(name="customer_id", type="integer", foreign_key=ForeignKey(table="customers", column="id"))])
    with pytest.raises(MappingError, match="missing table 'customers'"):
        map_schema(_schema(child), 10)


def test_rows_must_be_positive():
    with pytest.raises(MappingError, match="positive"):
        map_schema(_schema(_odd_table()), 0)


def test_unknown_generator_in_a_spec_names_the_nearest():
    table = TableSpec(name="t", columns=[ColumnSpec(name="e", generator="internet.emial")])
    with pytest.raises(KeyError, match="internet.email"):
        map_schema(_schema(table), 5)


def test_offline_leaves_guessed_columns_to_the_fallback():
    plan = map_schema(_schema(_odd_table()), 10)
    table = plan.table("gadgets")
    assert table.column("zorblax").how == "fallback" and table.column("zorblax").generator == "text.string"
    assert table.column("email").how == "heuristic"


def test_llm_improves_only_guessed_columns_with_one_call(qaflow_home):
    schema = _schema(_odd_table())
    with FakeOpenAI() as llm:
        llm.reply({"columns": [
            {"table": "gadgets", "column": "zorblax", "generator": "text.pattern", "params": {"pattern": "ZB-####"}},
            {"table": "gadgets", "column": "wibble", "generator": "numeric.quantity", "params": {}},
            {"table": "gadgets", "column": "email", "generator": "text.word", "params": {}},
        ]})
        plan = map_schema(schema, 10, endpoint=endpoint_for(llm))
        assert len(llm.requests) == 1
        prompt = llm.requests[0]["messages"][-1]["content"]
        assert '"column": "zorblax"' in prompt and '"column": "wibble"' in prompt
        assert '"column": "email"' not in prompt and '"min": 0' in prompt
    table = plan.table("gadgets")
    assert (table.column("zorblax").generator, table.column("zorblax").how) == ("text.pattern", "llm")
    assert table.column("zorblax").params["pattern"] == "ZB-####"
    wibble = table.column("wibble")
    assert (wibble.generator, wibble.how, wibble.params["max"]) == ("numeric.quantity", "llm", 10)
    assert table.column("email").generator == "internet.email"  # not asked about: untouched
    assert plan.summary.llm == 2 and plan.summary.llm_calls == 1


def test_unknown_generator_from_the_llm_is_repaired(qaflow_home):
    schema = _schema(_odd_table())
    with FakeOpenAI() as llm:
        llm.reply({"columns": [{"table": "gadgets", "column": "zorblax", "generator": "text.zorblax"}]},
                  {"columns": [{"table": "gadgets", "column": "zorblax", "generator": "id.code",
                                "params": {"width": 6}}]})
        plan = map_schema(schema, 10, endpoint=endpoint_for(llm))
        assert len(llm.requests) == 2
        assert "text.zorblax" in llm.requests[1]["messages"][-1]["content"]
    assert plan.table("gadgets").column("zorblax").generator == "id.code"


def test_llm_choices_that_do_not_fit_are_rejected_and_unrepairable_answers_keep_heuristics(qaflow_home):
    schema = _schema(_odd_table())
    plans = heuristic_plans(schema)
    notes = apply_llm(schema, plans, {"columns": [
        {"table": "gadgets", "column": "wibble", "generator": "person.first_name", "params": {}}]})
    assert plans["gadgets"][3].generator == "numeric.integer"
    assert "does not fit" in notes[0]
    with FakeOpenAI() as llm:
        bad = {"columns": [{"table": "gadgets", "column": "zorblax", "generator": "nope.nope"}]}
        llm.reply(bad, bad, bad)
        plan = map_schema(schema, 10, endpoint=endpoint_for(llm))
    assert plan.table("gadgets").column("zorblax").how == "fallback"
    assert "heuristics kept" in plan.summary.llm_note


def test_prompt_lists_the_registry_and_nothing_when_all_columns_are_placed():
    messages = llm_request(_schema(_odd_table()), heuristic_plans(_schema(_odd_table())))
    assert "internet.email" in messages[0]["content"] and "id.foreign_key" not in messages[0]["content"]
    shop = read_schema_file(SHOP)
    assert llm_request(shop, heuristic_plans(shop)) == []


def test_map_columns_task_calls_the_llm_once_then_the_cache_answers(prefect_api, qaflow_home):
    schema = _schema(_odd_table())
    answer = {"columns": [{"table": "gadgets", "column": "zorblax", "generator": "text.pattern",
                           "params": {"pattern": "Q-###"}}]}
    with FakeOpenAI() as llm:
        llm.reply(answer)
        first = map_columns(schema, 10, "en_US", endpoint_for(llm))
        second = map_columns(schema, 10, "en_US", endpoint_for(llm))
        assert len(llm.requests) == 1
    assert first.summary.llm_calls == 1 and second.summary.llm_calls == 0
    assert second.table("gadgets").column("zorblax").params["pattern"] == "Q-###"


def test_llm_parameters_that_do_not_run_are_rejected(qaflow_home):
    schema = _schema(_odd_table())
    plans = heuristic_plans(schema)
    notes = apply_llm(schema, plans, {"columns": [
        {"table": "gadgets", "column": "wibble", "generator": "numeric.integer",
         "params": {"distribution": "normal", "mean": "lots"}}]})
    assert plans["gadgets"][3].how == "fallback"
    assert "rejected" in notes[0] and "wibble" in notes[0]


def test_composite_primary_keys_are_composed_and_too_many_rows_are_refused():
    ddl = """
    CREATE TABLE orders (id BIGINT PRIMARY KEY);
    CREATE TABLE order_items (
        order_id BIGINT NOT NULL REFERENCES orders (id),
        line_no SMALLINT NOT NULL CHECK (line_no BETWEEN 1 AND 50),
        note TEXT,
        PRIMARY KEY (order_id, line_no));
    CREATE TABLE tags (label TEXT, kind TEXT, PRIMARY KEY (label, kind));
    """
    schema = parse_ddl(ddl, source="shop.sql")
    plan = map_schema(schema, {"orders": 1000, "order_items": 2500, "tags": 10})
    items = plan.table("order_items")
    assert items.column("order_id").params["composite"] == {"radices": [1000, 50], "pos": 0, "per": 3,
                                                            "group": "(primary key)"}
    assert items.column("line_no").generator == "id.key_part"
    assert items.column("line_no").params["min"] == 1
    # a text member is made unique by itself (issue 11), which makes the whole key unique
    label = plan.table("tags").column("label")
    assert label.unique and (label.suffix or label.generator == "id.code")
    assert not any("not made unique" in w for w in plan.warnings)
    with pytest.raises(MappingError, match=r"order_items \(order_id, line_no\): 60,000 rows need more"):
        map_schema(schema, {"orders": 1000, "order_items": 60_000, "tags": 10})
