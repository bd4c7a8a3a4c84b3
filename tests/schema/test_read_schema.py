"""read_schema_file picks the right reader; read_schema runs as a Prefect task."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.schema import SchemaError, read_schema_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "schemas"


@pytest.mark.parametrize(
    ("name", "tables"),
    [
        ("shop.sql", ["customers", "products", "orders", "order_items"]),
        ("customer.schema.json", ["customer"]),
        ("customers.qaflow.yaml", ["customers"]),
    ],
)
def test_examples_by_suffix(name, tables):
    schema = read_schema_file(EXAMPLES / name)
    assert [t.name for t in schema.tables] == tables
    assert schema.source == str(EXAMPLES / name)


def test_samples_by_suffix_and_magic(tmp_path):
    csv_path = tmp_path / "events.csv"
    csv_path.write_text("id,kind\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(1, 201)))
    assert read_schema_file(csv_path).tables[0].column("kind").enum == ["a", "b"]
    parquet = tmp_path / "events.parquet"
    pq.write_table(pa.table({"id": pa.array([1, 2, 3], pa.int64())}), parquet)
    assert read_schema_file(parquet).tables[0].column("id").type == "integer"
    renamed = tmp_path / "events.dat"
    shutil.copy(parquet, renamed)  # no known suffix: the PAR1 magic decides
    assert read_schema_file(renamed).tables[0].name == "events"


def test_json_spec_and_yaml_json_schema(tmp_path):
    spec = {"version": 1, "tables": [{"name": "t", "columns": [{"name": "a", "type": "integer"}]}]}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    assert read_schema_file(tmp_path / "spec.json").tables[0].column("a").type == "integer"
    (tmp_path / "person.yaml").write_text(
        "$schema: https://json-schema.org/draft/2020-12/schema\ntype: object\n"
        "properties:\n  email: {type: string, format: email}\nrequired: [email]\n"
    )
    person = read_schema_file(tmp_path / "person.yaml").tables[0]
    assert person.name == "person" and person.column("email").format == "email"


def test_sniffs_unknown_suffixes(tmp_path):
    (tmp_path / "schema.txt").write_text("CREATE TABLE t (id INT PRIMARY KEY);")
    assert read_schema_file(tmp_path / "schema.txt").tables[0].primary_key == ["id"]
    (tmp_path / "schema.spec").write_text("version: 1\ntables:\n  - name: t\n    columns: [{name: a}]\n")
    assert read_schema_file(tmp_path / "schema.spec").tables[0].name == "t"


def test_dialect_is_passed_on(tmp_path):
    path = tmp_path / "t.sql"
    path.write_text("CREATE TABLE t (flag TINYINT(1));")
    assert read_schema_file(path, dialect="mysql").tables[0].column("flag").type == "boolean"
    with pytest.raises(SchemaError, match="unknown SQL dialect"):
        read_schema_file(path, dialect="no-such-sql")


@pytest.mark.parametrize("name", ["empty.sql", "empty.json", "empty.yaml", "empty.csv", "empty.parquet", "empty.txt"])
def test_empty_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(SchemaError, match=rf"{name}: .*empty"):
        read_schema_file(path)


def test_missing_folder_and_unknown(tmp_path):
    with pytest.raises(SchemaError, match="no such file"):
        read_schema_file(tmp_path / "nope.sql")
    with pytest.raises(SchemaError, match="is a folder"):
        read_schema_file(tmp_path)
    (tmp_path / "notes.txt").write_text("just some words\n")
    with pytest.raises(SchemaError, match="cannot tell what kind of schema"):
        read_schema_file(tmp_path / "notes.txt")
    (tmp_path / "latin1.sql").write_bytes("CREATE TABLE caf\xe9 (id INT);".encode("latin-1"))
    with pytest.raises(SchemaError, match="not UTF-8"):
        read_schema_file(tmp_path / "latin1.sql")


def test_read_schema_task_logs_warnings(tmp_path, caplog):
    """The task's plain function (its run under Prefect is covered by the mockdata flow tests,
    which share the one Prefect harness; starting it here alone would take most of this budget)."""
    from tasks.schema.steps import read_schema

    assert read_schema.name == "read-schema"
    path = tmp_path / "geo.sql"
    path.write_text("CREATE TABLE places (id INT PRIMARY KEY, shape GEOMETRY);")
    logger = logging.getLogger("prefect.qaflow.schema")  # Prefect's loggers do not propagate
    logger.addHandler(caplog.handler)
    try:
        schema = read_schema.fn(str(path))
    finally:
        logger.removeHandler(caplog.handler)
    assert schema.tables[0].column("shape").type == "string"
    assert "places.shape" in caplog.text and str(path) in caplog.text
