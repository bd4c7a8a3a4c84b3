"""The YAML spec is checked when it is read: generators, their params and their fit to the column type.

Each mistake is an error naming the file, line and column, raised by the reader
(before any Prefect run), and `--json` prints it as JSON on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasks.schema import read_schema_file
from tasks.schema.errors import SchemaError

SPEC = """\
version: 1
tables:
  - name: people
    columns:
      - name: id
        type: integer
        generator: id.sequence
      - name: nick
        type: string
        generator: {generator}
        params:
          {param}: 12
"""


def _error(tmp_path: Path, generator: str = "text.string", param: str = "max_length") -> SchemaError:
    path = tmp_path / "mapping.yaml"
    path.write_text(SPEC.format(generator=generator, param=param), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        read_schema_file(path)
    return err.value


def test_a_good_spec_reads(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(SPEC.format(generator="text.string", param="max_length"), encoding="utf-8")
    assert read_schema_file(path).tables[0].column("nick").params == {"max_length": 12}


def test_unknown_generator_names_line_column_and_the_nearest(tmp_path: Path) -> None:
    error = _error(tmp_path, generator="text.strng")
    assert (error.line, error.column) == (10, 9)
    assert error.pointer == "tables[0].columns[1].generator"
    assert "unknown generator 'text.strng'" in str(error) and "'text.string'" in str(error)
    assert str(error).startswith(f"{tmp_path / 'mapping.yaml'}:10:9 at tables[0].columns[1].generator:")


def test_unknown_param_is_an_error_not_ignored(tmp_path: Path) -> None:
    error = _error(tmp_path, param="max_lenght")
    assert (error.line, error.column) == (12, 11)
    assert "has no param 'max_lenght'" in str(error) and "did you mean 'max_length'" in str(error)


def test_generator_that_does_not_fit_the_type(tmp_path: Path) -> None:
    error = _error(tmp_path, generator="numeric.integer", param="max")
    assert error.line == 10 and "numeric.integer" in str(error) and "string column" in str(error)


def test_nested_columns_are_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text("version: 1\ntables:\n  - name: t\n    columns:\n      - name: tags\n        type: array\n"
                    "        items:\n          name: item\n          tpye: string\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"unknown key 'tpye'.*did you mean 'type'") as err:
        read_schema_file(path)
    assert (err.value.line, err.value.column) == (9, 11)


def test_cli_json_prints_the_error_as_json(tmp_path: Path) -> None:
    from flows.cli import app

    path = tmp_path / "mapping.yaml"
    path.write_text(SPEC.format(generator="text.strng", param="max_length"), encoding="utf-8")
    result = CliRunner().invoke(app, ["mockdata", "generate", str(path), "--rows", "5",
                                      "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert (error["line"], error["column"], error["pointer"]) == (10, 9, "tables[0].columns[1].generator")
    assert error["file"].endswith("mapping.yaml") and "unknown generator" in error["reason"]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # nothing ran


def test_unique_keys_and_row_order_round_trip_and_are_checked(tmp_path: Path) -> None:
    from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec
    from tasks.schema.yamlspec import dump_yaml_spec, load_yaml_spec

    table = TableSpec(name="t", columns=[ColumnSpec(name="a"), ColumnSpec(name="b")],
                      unique_keys=[["a", "b"]], row_order=[["a", "b"]])
    text = dump_yaml_spec(SchemaSpec(source="x", tables=[table]))
    assert load_yaml_spec(text).tables == [table]
    with pytest.raises(SchemaError, match="no column 'c' for its unique_keys"):
        load_yaml_spec(text.replace("- [a, b]\n    row_order", "- [a, c]\n    row_order"))
