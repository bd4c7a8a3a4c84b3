"""qaflow's YAML spec: reading, strictness, and round trips from every reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.schema.ddl import parse_ddl
from tasks.schema.errors import SchemaError
from tasks.schema.jsonschema import parse_json_schema
from tasks.schema.spec import ForeignKey
from tasks.schema.yamlspec import dump_yaml_spec, load_yaml_spec, write_yaml_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "schemas"

SPEC = """\
version: 1
tables:
  - name: authors
    primary_key: [id]
    columns:
      - name: id
        type: integer
        generator: id.sequence
        params: {start: 100}
        autoincrement: true
      - name: name
        type: string
        generator: person.full_name
  - name: books
    primary_key: id
    columns:
      - name: id
        type: uuid
      - name: author_id
        type: integer
        foreign_key: authors.id
      - name: published
        type: date
        min: 1990-01-01
        max: 2025-12-31
      - name: price
        type: decimal
        precision: 6
        scale: 2
      - name: genre
        type: string
        enum: [fiction, essay, poetry]
        enum_weights: [0.7, 0.2, 0.1]
        null_rate: 0.05
"""


def test_reads_tables_columns_keys_and_generators():
    schema = load_yaml_spec(SPEC)
    authors, books = schema.tables
    assert authors.primary_key == ["id"]
    author_id = authors.column("id")
    assert author_id.primary_key and not author_id.nullable and author_id.autoincrement
    assert (author_id.generator, author_id.params) == ("id.sequence", {"start": 100})
    assert books.primary_key == ["id"]  # a single name is fine
    assert books.column("author_id").foreign_key == ForeignKey(table="authors", column="id")
    # Unquoted YAML dates stay ISO strings, like every other reader gives them.
    assert (books.column("published").min, books.column("published").max) == ("1990-01-01", "2025-12-31")
    assert books.column("genre").enum_weights == [0.7, 0.2, 0.1]
    assert books.column("genre").null_rate == 0.05


def test_reads_from_a_path(tmp_path):
    path = tmp_path / "library.qaflow.yaml"
    path.write_text(SPEC)
    assert load_yaml_spec(path).source == str(path)
    assert load_yaml_spec(str(path)).tables == load_yaml_spec(SPEC).tables


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SchemaError, match=r"nope\.yaml: no such file"):
        load_yaml_spec(str(tmp_path / "nope.yaml"))


def test_example_spec_reads():
    schema = load_yaml_spec(EXAMPLES / "customers.qaflow.yaml")
    customers = schema.tables[0]
    assert len(customers.columns) == 15
    assert all(col.generator for col in customers.columns)
    assert customers.column("email").params == {"first_name": "first_name", "last_name": "last_name"}


@pytest.mark.parametrize(
    "read",
    [
        lambda: load_yaml_spec(SPEC),
        lambda: load_yaml_spec(EXAMPLES / "customers.qaflow.yaml"),
        lambda: parse_ddl((EXAMPLES / "shop.sql").read_text()),
        lambda: parse_json_schema((EXAMPLES / "customer.schema.json").read_text()),
        lambda: parse_ddl((Path(__file__).parent / "data" / "pg_dump_shop.sql").read_text()),
    ],
    ids=["spec", "example-spec", "ddl", "json-schema", "pg-dump"],
)
def test_round_trip(read):
    schema = read()
    # params are checked against the generator when read (helper 18a): a real generator and its own params
    schema.tables[0].columns[0].type = "integer"
    schema.tables[0].columns[0].generator = "choice.enum"
    schema.tables[0].columns[0].params = {"values": [7, 8], "weights": [0.25, 0.75]}
    text = dump_yaml_spec(schema)
    again = load_yaml_spec(text)
    assert again.tables == schema.tables
    def body(dumped: str) -> str:  # past the header comments (their number depends on the reader's warnings)
        return "\n".join(line for line in dumped.splitlines() if not line.startswith("#"))

    assert body(dump_yaml_spec(again)) == body(text)  # stable past the header


def test_dump_is_readable():
    text = dump_yaml_spec(load_yaml_spec(SPEC))
    assert text.startswith("# qaflow schema spec, version 1")
    assert "        enum: [fiction, essay, poetry]\n" in text
    assert "        foreign_key: authors.id\n" in text
    assert "nullable: true" not in text  # defaults are left out


def test_write_is_atomic_and_readable(tmp_path):
    schema = load_yaml_spec(SPEC)
    target = write_yaml_spec(schema, tmp_path / "out" / "spec.yaml")
    assert load_yaml_spec(target).tables == schema.tables
    assert [p.name for p in target.parent.iterdir()] == ["spec.yaml"]  # no temp file left


# ----------------------------------------------------------------------------- bad input


def _error(text: str) -> SchemaError:
    with pytest.raises(SchemaError) as err:
        load_yaml_spec(text, source="spec.yaml")
    return err.value


def test_unknown_column_key_names_file_line_and_path():
    error = _error(SPEC.replace("        autoincrement: true", "        nulable: false"))
    assert error.file == "spec.yaml" and (error.line, error.column) == (10, 9)
    assert error.pointer == "tables[0].columns[0].nulable"
    assert "did you mean 'nullable'" in str(error)
    assert str(error).startswith("spec.yaml:10:9 at tables[0].columns[0].nulable:")


def test_unknown_top_and_table_keys():
    assert _error("version: 1\nrows: 5\ntables: []\n").pointer == "rows"
    error = _error(SPEC.replace("    primary_key: id\n", "    primarykey: id\n"))
    assert error.pointer == "tables[1].primarykey" and error.line == 15


def test_bad_values_name_the_key():
    error = _error(SPEC.replace("type: uuid", "type: guid"))
    assert error.pointer == "tables[1].columns[0].type" and error.line == 18
    assert "books.id" in str(error)
    error = _error(SPEC.replace("null_rate: 0.05", "null_rate: 5"))
    assert error.pointer == "tables[1].columns[4].null_rate"


def test_contradicting_constraints_name_the_key():
    error = _error(SPEC.replace("[0.7, 0.2, 0.1]", "[0.7, 0.3]"))
    assert error.pointer == "tables[1].columns[4].enum_weights" and error.line == 33
    assert "one weight per enum value (3), got 2" in str(error)
    error = _error(SPEC.replace("max: 2025-12-31", "max: 1980-12-31"))
    assert error.pointer == "tables[1].columns[2].min" and "greater than max" in str(error)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("# nothing but a comment\n", "empty"),
        ("tables: []\n", "missing `version: 1`"),
        ("version: 2\ntables: []\n", "unsupported spec version 2"),
        ("version: 1\ntables: []\n", "non-empty list"),
        ("version: 1\ntables:\n  - name: t\n    columns: [{name: a, foreign_key: nowhere}]\n", "table.column"),
        ("version: 1\ntables:\n  - name: t\n    columns: [{type: integer}]\n", "needs a `name`"),
        ("version: 1\ntables: [\n", "invalid YAML"),
    ],
)
def test_bad_documents(text, match):
    assert match in str(_error(text))


def test_invalid_yaml_has_line_and_column():
    error = _error("version: 1\ntables:\n  - name: t\n    columns: [a, b\n")
    assert error.line == 5 and "invalid YAML" in str(error)


def test_foreign_key_to_missing_table():
    error = _error(SPEC.replace("foreign_key: authors.id", "foreign_key: writers.id"))
    assert "books.author_id" in str(error) and "'writers'" in str(error)
