"""parse_json_schema on real-looking JSON Schemas, and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.schema.errors import SchemaError
from tasks.schema.jsonschema import parse_json_schema
from tasks.schema.spec import ForeignKey

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "schemas" / "customer.schema.json"


@pytest.fixture(scope="module")
def customer():
    return parse_json_schema(EXAMPLE.read_text(), source=str(EXAMPLE))


def test_example_customer(customer):
    assert [t.name for t in customer.tables] == ["customer"]
    table = customer.tables[0]
    assert table.primary_key == ["id"]
    by = {c.name: c for c in table.columns}
    assert by["id"].type == "uuid" and by["id"].unique and not by["id"].nullable
    assert by["email"].format == "email" and by["email"].unique and by["email"].max_length == 255
    assert by["phone"].nullable and by["phone"].source_type == "string|null"
    assert by["phone"].pattern.startswith("^\\+?")
    # $ref to $defs/address, kept as a nested object (no longer flattened to address_* columns:
    # records must have the schema's shape); its own `required` holds inside it.
    address = by["address"]
    assert address.type == "object" and not address.nullable
    assert [f.name for f in address.fields] == ["street", "city", "postcode", "country_code"]
    city = next(f for f in address.fields if f.name == "city")
    assert not city.nullable and city.max_length == 80
    # optional properties are absent in a share of the records (the run's --null-rate), nullable ones null
    assert by["birth_date"].omit_null and "null_rate" not in by["birth_date"].model_fields_set
    assert not by["phone"].omit_null and by["phone"].nullable
    assert not by["first_name"].nullable and not by["first_name"].omit_null
    assert by["birth_date"].type == "date" and by["birth_date"].nullable
    assert (by["birth_date"].min, by["birth_date"].max) == ("1920-01-01", "2008-12-31")
    assert by["signup_at"].type == "datetime" and by["signup_at"].format == "date-time"
    assert by["status"].type == "string" and by["status"].enum_weights == [0.8, 0.1, 0.05, 0.05]
    assert (by["loyalty_points"].min, by["loyalty_points"].max, by["loyalty_points"].default) == (0, 100000, 0)
    assert by["balance"].type == "decimal" and by["balance"].scale == 2
    assert by["balance"].max == 999999.99  # exclusiveMaximum on a 0.01 grid
    assert by["is_active"].type == "boolean"
    assert by["website"].format == "uri"
    assert by["last_login_ip"].format == "ipv4" and by["last_login_ip"].nullable
    tags = by["tags"]
    assert tags.type == "array" and tags.items.type == "string" and tags.max_items == 5
    assert customer.warnings == []


def test_array_of_objects_and_exclusive_bounds():
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "measurements",
        "type": "array",
        "items": {
            "type": "object",
            "required": ["sensor", "value"],
            "properties": {
                "sensor": {"type": "string", "format": "hostname"},
                "value": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
                "count": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
                "at": {"type": "string", "format": "time"},
                "v6": {"type": "string", "format": "ipv6"},
                "mode": {"const": "auto"},
                "level": {"enum": [1, 2, 3, None]},
                "raw": {"type": "string", "contentEncoding": "base64"},
            },
        },
    }
    table = parse_json_schema(doc, source="data/measurements.json").tables[0]
    assert table.name == "measurements"
    assert table.column("sensor").format == "hostname" and not table.column("sensor").nullable
    assert 0 < table.column("value").min < 1e-300 and table.column("value").max == 10
    assert (table.column("count").min, table.column("count").max) == (1, 9)
    assert table.column("at").type == "time"
    assert table.column("v6").format == "ipv6"
    assert table.column("mode").enum == ["auto"]
    level = table.column("level")
    assert level.type == "integer" and level.enum == [1, 2, 3] and level.nullable
    assert table.column("raw").type == "binary"


def test_defs_become_tables_with_vendor_keys(tmp_path):
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "author": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer", "x-primary-key": True},
                    "handle": {"type": "string", "x-unique": True, "x-generator": "person.username"},
                },
            },
            "post": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "x-primary-key": True},
                    "author_id": {"type": "integer", "x-foreign-key": "author.id"},
                    "body": {"type": ["string", "null"], "x-null-rate": 0.2, "x-params": {"sentences": 3}},
                    "meta": {"allOf": [{"$ref": "#/$defs/stamp"}, {"description": "when"}]},
                },
            },
            "stamp": {"type": "string", "format": "date-time"},
        },
    }
    path = tmp_path / "blog.schema.json"
    path.write_text(json.dumps(doc))
    schema = parse_json_schema(path.read_text(), source=str(path))
    assert [t.name for t in schema.tables] == ["author", "post"]  # "stamp" is not an object
    author, post = schema.tables
    assert author.primary_key == ["id"] and author.column("handle").unique
    assert author.column("handle").generator == "person.username"
    assert post.column("author_id").foreign_key == ForeignKey(table="author", column="id")
    body = post.column("body")
    assert body.null_rate == 0.2 and body.params == {"sentences": 3}
    assert post.column("meta").type == "datetime" and post.column("meta").description == "when"


def test_approximations_are_warnings_naming_table_and_column():
    schema = parse_json_schema({
        "title": "t",
        "properties": {
            "v": {"oneOf": [{"type": "string", "format": "email"}, {"type": "integer"}]},
            "n": {"type": ["string", "integer"]},
            "z": {},
        },
    })
    v, n, z = schema.tables[0].columns
    assert z.type == "json"
    # oneOf with several real branches, and several types: one of them per record (variants), not "the first"
    assert [(b.type, b.format) for b in v.variants] == [("string", "email"), ("integer", None)]
    assert [b.type for b in n.variants] == ["string", "integer"]
    assert schema.warnings == ["t.z: no type given; generating it as json"]


def test_title_or_file_stem_names_the_table():
    doc = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert parse_json_schema(doc, source="x/person.schema.json").tables[0].name == "person"


# ----------------------------------------------------------------------------- bad input


def test_invalid_json_has_line_and_column():
    text = '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string"},,\n  }\n}\n'
    with pytest.raises(SchemaError) as err:
        parse_json_schema(text, source="bad.json")
    assert (err.value.line, err.value.column) == (4, 29)  # the second comma
    assert str(err.value).startswith("bad.json:4:29: invalid JSON")


def test_bad_schema_has_a_json_pointer():
    doc = {"type": "object", "properties": {"age": {"type": "int"}}}
    with pytest.raises(SchemaError) as err:
        parse_json_schema(doc, source="person.json")
    assert err.value.pointer == "/properties/age/type"
    assert str(err.value).startswith("person.json at /properties/age/type: not a valid JSON Schema")


@pytest.mark.parametrize(
    ("doc", "pointer", "match"),
    [
        ({"properties": {"a": {"$ref": "#/$defs/nope"}}}, "/properties/a/$ref", "points at nothing"),
        ({"properties": {"a": {"$ref": "other.json#/x"}}}, "/properties/a/$ref", "cannot be resolved offline"),
        ({"properties": {"a": {"type": "integer", "minimum": 5, "maximum": 1}}}, "/properties/a", "greater"),
        ({"properties": {"a": {"type": "string", "minLength": 5, "maxLength": 1}}}, "/properties/a/minLength", "greater"),
        ({"properties": {"a": {"x-foreign-key": "oops"}}}, "/properties/a/x-foreign-key", "table.column"),
        ({"type": "string"}, "", "expected an object schema"),
        ({"type": "array", "items": {"type": "string"}}, "/items", "object `items`"),
    ],
)
def test_semantic_problems_have_pointers(doc, pointer, match):
    with pytest.raises(SchemaError, match=match) as err:
        parse_json_schema(doc, source="s.json")
    assert err.value.pointer == pointer


def test_foreign_key_to_missing_table():
    doc = {"title": "orders", "properties": {"customer_id": {"type": "integer", "x-foreign-key": "customers.id"}}}
    with pytest.raises(SchemaError, match=r"orders\.customer_id references table 'customers'"):
        parse_json_schema(doc, source="orders.json")


@pytest.mark.parametrize("text", ["", "   \n", "[]", "42"])
def test_empty_or_non_object_document(text):
    with pytest.raises(SchemaError, match="empty.json"):
        parse_json_schema(text, source="empty.json")
