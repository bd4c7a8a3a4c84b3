"""JSON Schema keywords that shape records: arrays, tuples, oneOf with tags, allOf, if/then, dependencies.

Each schema is read, mapped and generated through the kernel (the same code
the rendered module runs), written as JSON Lines by the real writer, and every
record is checked with the `jsonschema` package (format checking on).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.codegen.mapping import map_schema
from tasks.generator_runtime.kernel import column_field, generate_table
from tasks.generator_runtime.pools import Pools
from tasks.generator_runtime.writer import write_batches
from tasks.generators.registry import registry
from tasks.schema.jsonschema import parse_json_schema

ROWS = 400


def generate(doc: dict, tmp_path: Path, fmt: str = "jsonl", rows: int = ROWS) -> tuple[list, Path]:
    schema = parse_json_schema(doc, source=str(tmp_path / "s.schema.json"))
    plan = map_schema(schema, rows).tables[0]
    columns = [c.runtime() for c in plan.columns]
    batches = generate_table(table=plan.name, columns=columns, order=plan.order(), n_rows=rows, seed=3, start_row=0,
                             total_rows=rows, batch_size=150, pools=Pools("en_US", None),
                             registry={name: g.fn for name, g in registry().items()})
    target = tmp_path / f"out.{fmt}"
    write_batches(batches, target, pa.schema([column_field(c) for c in columns]), fmt)
    if fmt != "jsonl":
        return [], target
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()], target


def invalid(doc: dict, records: list) -> list[str]:
    validator = jsonschema.Draft202012Validator(doc, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{r}: {e.message}" for r in records for e in validator.iter_errors(r)][:5]


DOC = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "order",
    "type": "object",
    "required": ["id", "tags", "point", "payment", "lines", "flags"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"enum": ["a", "b", "c", "d"]}, "minItems": 2, "maxItems": 4,
                 "uniqueItems": True},
        "codes": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 20}, "uniqueItems": True,
                  "minItems": 3, "maxItems": 6},
        "point": {"type": "array", "prefixItems": [{"type": "number", "minimum": -90, "maximum": 90},
                                                   {"type": "number", "minimum": -180, "maximum": 180}],
                  "items": False},
        "labels": {"type": "array", "items": {"type": "string", "maxLength": 8},
                   "contains": {"const": "urgent"}, "maxItems": 3},
        "flags": {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 1},
        "payment": {
            "oneOf": [{"$ref": "#/$defs/card"}, {"$ref": "#/$defs/bank"}],
            "discriminator": {"propertyName": "method", "mapping": {"CARD": "#/$defs/card", "IBAN": "#/$defs/bank"}},
        },
        "lines": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"allOf": [
            {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string", "minLength": 3}}},
            {"type": "object", "required": ["qty"], "properties": {"qty": {"type": "integer", "minimum": 1,
                                                                          "maximum": 9}}}]}},
        "note": {"type": ["string", "null"], "maxLength": 20},
        "shipping": {
            "type": "object",
            "properties": {"country": {"enum": ["US", "DE"]}, "zip": {"type": "string"}},
            "if": {"properties": {"country": {"const": "US"}}},
            "then": {"properties": {"zip": {"pattern": "^[0-9]{5}$"}}, "required": ["zip"]},
        },
        "contact": {
            "type": "object",
            "properties": {"email": {"type": "string", "format": "email"}, "phone": {"type": "string"},
                           "name": {"type": "string"}},
            "dependentRequired": {"email": ["name"]},
        },
    },
    "$defs": {
        "card": {"type": "object", "required": ["method", "last4"],
                 "properties": {"method": {"type": "string"}, "last4": {"type": "string", "pattern": "^[0-9]{4}$"}}},
        "bank": {"type": "object", "required": ["method", "iban"],
                 "properties": {"method": {"type": "string"}, "iban": {"type": "string", "minLength": 15}}},
    },
}


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list:
    return generate(DOC, tmp_path_factory.mktemp("nested"))[0]


def test_every_record_validates(records: list) -> None:
    assert len(records) == ROWS
    assert invalid(DOC, records) == []


def test_arrays_follow_items_lengths_uniqueness_tuples_and_contains(records: list) -> None:
    assert {len(r["tags"]) for r in records} == {2, 3, 4}
    assert all(len(set(r["tags"])) == len(r["tags"]) for r in records)
    codes = [r["codes"] for r in records if "codes" in r]
    assert codes and all(3 <= len(c) <= 6 and len(set(c)) == len(c) for c in codes)
    assert all(len(r["point"]) == 2 and -90 <= r["point"][0] <= 90 for r in records)
    assert all("urgent" in r["labels"] for r in records if "labels" in r)
    assert {len(r["flags"]) for r in records} == {1, 2}


def test_oneof_uses_every_branch_with_its_discriminator_tag(records: list) -> None:
    methods = {r["payment"]["method"] for r in records}
    assert methods == {"CARD", "IBAN"}
    assert all(("last4" in r["payment"]) == (r["payment"]["method"] == "CARD") for r in records)


def test_allof_if_then_and_dependent_required(records: list) -> None:
    assert all(set(line) == {"sku", "qty"} for r in records for line in r["lines"])
    shipped = [r["shipping"] for r in records if "shipping" in r]
    assert shipped and all(s.get("country", "US") == "US" and len(s["zip"]) == 5 for s in shipped)
    contacts = [r["contact"] for r in records if "contact" in r and "email" in r["contact"]]
    assert contacts and all("name" in c for c in contacts)


def test_optional_properties_are_absent_and_nullable_ones_null(records: list) -> None:
    assert 0 < sum("codes" not in r for r in records) < ROWS * 0.2
    assert any(r.get("note", "") is None for r in records)  # ["string", "null"] and optional: null
    assert not any(r.get("codes", []) is None for r in records)  # optional but not nullable: absent


def test_parquet_keeps_structs_and_lists_and_csv_flattens(tmp_path: Path) -> None:
    _, parquet = generate(DOC, tmp_path, "parquet", rows=50)
    table = pq.read_table(parquet)
    assert pa.types.is_list(table.schema.field("tags").type)
    assert pa.types.is_struct(table.schema.field("shipping").type)
    assert pa.types.is_struct(table.schema.field("payment").type)  # one member per oneOf branch
    _, csv = generate(DOC, tmp_path, "csv", rows=50)
    header = csv.read_text(encoding="utf-8").splitlines()[0]
    assert '"shipping.country"' in header and '"shipping.zip"' in header and '"tags"' in header
    body = csv.read_text(encoding="utf-8")
    assert "'{}'" not in body and '["' in body.replace('""', '"')  # lists as JSON text, never '{}'


def test_recursive_structures_are_cut_where_optional(tmp_path: Path) -> None:
    doc = {"title": "node", "type": "object", "required": ["name"],
           "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
           "$defs": {}}
    doc["properties"]["parent"] = {"$ref": "#/$defs/node"}
    doc["$defs"]["node"] = {"type": "object", "properties": {"up": {"$ref": "#/$defs/node"},
                                                           "label": {"type": "string"}}}
    schema = parse_json_schema(doc, source="tree.json")
    assert any("recursive structure" in w for w in schema.warnings)
    records, _ = generate(doc, tmp_path, rows=50)
    assert invalid(doc, records) == []


def test_a_title_with_spaces_gives_safe_folder_and_module_names(tmp_path: Path) -> None:
    from tasks.codegen.render import render_plan

    schema = parse_json_schema({"title": "GeoJSON Feature / v1", "type": "object",
                                "properties": {"tags": {"type": "array", "items": {"type": "string"}}}})
    assert schema.tables[0].name == "GeoJSON Feature / v1"  # the real name stays in the data
    path = render_plan(map_schema(schema, 10), tmp_path)["GeoJSON Feature / v1"]
    assert path.parent == tmp_path and " " not in path.name and "/" not in path.name
    assert path.name.startswith("GeoJSON_Feature___v1-") and path.name.endswith("_generator.py")
