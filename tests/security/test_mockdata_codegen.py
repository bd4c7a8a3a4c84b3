"""Schemas whose names are code: the attacks, tried for real.

A column named `a\"\"\"` + newline + `__import__("os").system("touch MARKER")` +
newline + `Z = r'''`, with a second column `x'''` + newline + `W = \"\"\"` that closes the
raw string and opens one that swallows the rest of the docstring,
once ran its code in `qaflow mockdata generate` and whenever the generated
module ran. Here the attack comes in through each real reader (YAML spec, SQL
DDL, a sample CSV's header, JSON Schema), goes through `qaflow mockdata
codegen` and `generate`, and the generated module is run by itself: the marker
must never appear and every name must arrive as data, unchanged.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from tasks.codegen.literals import UnsafeValue, doc_escape, py_literal
from tasks.codegen.plan import ColumnPlan, TablePlan
from tasks.codegen.render import UnsafeModule, check_module, render_table

POOLS = os.environ.get("QAFLOW_HOME", "") + "/pools"


def attack(marker: Path) -> tuple[str, str]:
    """The two column names: one that leaves the docstring and runs code, one that closes it again."""
    opener = 'a"""\n__import__("os").system("touch ' + str(marker) + '")\nZ = r\'\'\''
    return opener, "x'''\nW = \"\"\""


# Names that broke the module (it exited 0 and did not compile) or that a careless encoder trips on.
AWKWARD = ["\\N", 'x"""', "'''", "\\", "ends\\", "nul\x00byte", "cr\rlf\n", "ls\u2028ps\u2029", "class", "None",
           "1st col", "tab\tbed", "\ud7ff\ufeffbom", "é\u0301", "日本語", "$(rm -rf ~)", "{{ 7*7 }}", "{% raw %}",
           "# comment", "'); import os; ('"]


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_schema(kind: str, folder: Path, table: str, columns: list[str]) -> Path:
    """The same table written as each kind of schema file qaflow reads."""
    if kind == "yaml":
        path = folder / "hostile.yaml"
        doc = {"version": 1, "tables": [{"name": table, "columns": [{"name": c, "type": "string"} for c in columns]}]}
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    elif kind == "sql":
        path = folder / "hostile.sql"
        body = ", ".join(f"{sql_ident(c)} TEXT" for c in columns)
        path.write_text(f"CREATE TABLE {sql_ident(table)} ({body});\n", encoding="utf-8")
    elif kind == "csv":  # the table is named after the file; the header row holds the names
        path = folder / "hostile.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for i in range(6):
                writer.writerow([f"value {i}-{j}" for j in range(len(columns))])
    else:
        path = folder / "hostile.json"
        doc = {"title": table, "type": "object", "properties": {c: {"type": "string"} for c in columns}}
        path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def module_columns(module: Path) -> list[str]:
    """The column names the module's COLUMNS table holds, read as data (not run)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COLUMNS":
            return [c["name"] for c in ast.literal_eval(node.value)]
    raise AssertionError("no COLUMNS in the module")


def run_module(module: Path, cwd: Path, out: Path) -> subprocess.CompletedProcess:
    """The generated module by itself, as a user runs it: `python <table>_generator.py --rows 7 ...`."""
    env = dict(os.environ, QAFLOW_POOL_CACHE=POOLS)
    return subprocess.run([sys.executable, str(module), "--rows", "7", "--out", str(out), "--seed", "1"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_payload_is_a_real_attack_on_naive_rendering(tmp_path):
    """The names below do run code when pasted into a docstring as qaflow used to: the test has teeth."""
    marker = tmp_path / "MARKER"
    opener, closer = attack(marker)
    naive = f'"""Columns:\n    {opener}: text.string\n    {closer}: text.string\nEdit the mapping.\n"""\n'
    (tmp_path / "naive.py").write_text(naive, encoding="utf-8")
    subprocess.run([sys.executable, str(tmp_path / "naive.py")], check=True, timeout=60)
    assert marker.exists()


@pytest.mark.parametrize("kind", ["yaml", "sql", "csv", "json"])
def test_codegen_renders_hostile_names_as_data_and_the_module_runs_nothing_else(kind, tmp_path):
    marker = tmp_path / "MARKER"
    opener, closer = attack(marker)
    columns = [opener, closer, *(n for n in AWKWARD if kind != "csv" or "\x00" not in n)]
    table = 't"""\\N' + "\u2028" + "'''"
    schema = write_schema(kind, tmp_path, table, columns)
    out = tmp_path / "gen"
    result = CliRunner().invoke(app, ["mockdata", "codegen", str(schema), "--out", str(out), "--rows", "7",
                                      "--json"])
    assert result.exit_code == 0, result.output
    (module,) = out.glob("*_generator.py")
    code = module.read_text(encoding="utf-8")
    compile(code, str(module), "exec")
    if kind == "sql":  # the DDL reader reads text with universal newlines: a CR in a name becomes LF
        columns = [c.replace("\r", "\n") for c in columns]
    assert module_columns(module) == columns  # every name arrived as data, byte for byte
    assert not marker.exists()
    done = run_module(module, tmp_path, tmp_path / "rows.parquet")
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert pq.read_table(tmp_path / "rows.parquet").column_names == columns
    mapping = yaml.safe_load((out / "mapping.yaml").read_text(encoding="utf-8"))
    assert [c["name"] for c in mapping["tables"][0]["columns"]] == columns


@pytest.mark.usefixtures("prefect_api")
@pytest.mark.parametrize("kind", ["yaml", "sql", "csv", "json"])
def test_generate_with_hostile_names_runs_nothing_and_writes_the_names_as_data(kind, tmp_path):
    marker = tmp_path / "MARKER"
    opener, closer = attack(marker)
    schema = write_schema(kind, tmp_path, "people", [opener, closer, "class", "\\N"])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["mockdata", "generate", str(schema), "--rows", "50", "--out", str(out),
                                      "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    table = summary["tables"][0]
    assert pq.read_table(Path(table["files"][0]).parent).column_names == [opener, closer, "class", "\\N"]
    (module,) = (out / "generators").glob("*_generator.py")
    done = run_module(module, tmp_path, tmp_path / "again.parquet")
    assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_non_finite_numbers_are_dropped_with_a_warning_naming_the_column(tmp_path):
    doc = {"title": "t", "type": "object", "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 1e999},
        "n": {"type": "integer", "exclusiveMaximum": 1e999},
        "level": {"type": "string", "enum": ["a", "b"], "x-enum-weights": [1, 1e999]}}}
    schema = tmp_path / "inf.json"
    schema.write_text(json.dumps(doc).replace("Infinity", "1e999"), encoding="utf-8")
    assert "1e999" in schema.read_text()
    out = tmp_path / "gen"
    result = CliRunner().invoke(app, ["mockdata", "codegen", str(schema), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert any(w.startswith("t.score: max inf is not a finite number") for w in warnings), warnings
    assert any(w.startswith("t.n: max inf") for w in warnings), warnings
    assert any(w.startswith("t.level: enum_weights") for w in warnings), warnings
    (module,) = out.glob("*_generator.py")
    compile(module.read_text(encoding="utf-8"), str(module), "exec")
    done = run_module(module, tmp_path, tmp_path / "rows.parquet")
    assert done.returncode == 0, done.stderr
    assert pq.read_table(tmp_path / "rows.parquet").num_rows == 7


@pytest.mark.parametrize("kind,text", [
    # z: an INT's own type range bounds it, so its infinite CHECK bound is never used
    ("sql", "CREATE TABLE t (x FLOAT CHECK (x < 1e999), y FLOAT DEFAULT 1e999 CHECK (y >= -1e999), "
            "z INT CHECK (z < 1e999));\n"),
    ("yaml", "version: 1\ntables:\n  - name: t\n    columns:\n"
             "      - {name: x, type: float, min: .nan, max: .inf}\n"
             "      - {name: y, type: float, generator: numeric.float, params: {max: .inf}}\n"),
])
def test_infinite_bounds_from_ddl_and_yaml_are_dropped(kind, text, tmp_path):
    schema = tmp_path / f"inf.{kind}"
    schema.write_text(text, encoding="utf-8")
    out = tmp_path / "gen"
    result = CliRunner().invoke(app, ["mockdata", "codegen", str(schema), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert any(w.startswith("t.x:") and "not a finite number" in w for w in warnings), warnings
    assert any(w.startswith("t.y:") and "not a finite number" in w for w in warnings), warnings
    (module,) = out.glob("*_generator.py")
    assert run_module(module, tmp_path, tmp_path / "rows.parquet").returncode == 0


def _plan(**params) -> TablePlan:
    return TablePlan(name="t", rows=10, columns=[
        ColumnPlan(name="n", type="float", generator="numeric.float", params=params, arrow="float64")])


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_non_finite_parameter_is_refused_at_render_naming_the_column(value):
    with pytest.raises(UnsafeValue, match=r"table 't', column 'n'\['params'\]\['max'\]: .* not a finite number"):
        render_table(_plan(min=0.0, max=value), source="s.yaml")


def test_only_plain_data_becomes_a_literal():
    class Sneaky(str):
        def __repr__(self) -> str:
            return "__import__('os').system('touch x')"

    with pytest.raises(UnsafeValue, match="not plain data"):
        py_literal({"name": Sneaky("a")}, "column 'a'")
    with pytest.raises(UnsafeValue, match="not plain data"):
        py_literal([object()], "column 'b'")
    assert py_literal('a"""\n\\N\x00\u2028', "c") == repr('a"""\n\\N\x00\u2028')


def test_docstring_text_cannot_end_the_docstring_or_break_the_line():
    for text in ['"""', '\\"""', '\\', "a\nb", "a\rb", "\u2028", "\x00", "\ud800"]:
        escaped = doc_escape(text)
        assert escaped.isprintable()
        assert ast.literal_eval('"""' + escaped + '"""') == text


def test_a_module_that_does_not_compile_or_says_something_else_is_refused():
    table = TablePlan(name="t", rows=10, columns=[ColumnPlan(name="c", type="string", generator="text.string",
                                                             params={"min_length": 8, "max_length": 16})])
    code = render_table(table, source="s.yaml", module_name="t_generator.py")
    doc = ast.get_docstring(ast.parse(code), clean=False)
    values = {"TABLE": "t", "COLUMNS": [table.columns[0].runtime()]}
    check_module(code, table="t", module_name="t_generator.py", docstring=doc, values=values)
    broken = code.replace("TABLE = 't'", "TABLE = 't\n'")
    with pytest.raises(UnsafeModule, match=r"table 't' \('t_generator.py'\): the rendered module does not compile"):
        check_module(broken, table="t", module_name="t_generator.py", docstring=doc, values=values)
    renamed = code.replace("{'name': 'c',", "{'name': 'd',")
    with pytest.raises(UnsafeModule, match="COLUMNS does not hold the values"):
        check_module(renamed, table="t", module_name="t_generator.py", docstring=doc, values=values)
    redoc = code.replace("Mock rows for table", "Rows for table", 1)
    with pytest.raises(UnsafeModule, match="docstring is not the text that was meant"):
        check_module(redoc, table="t", module_name="t_generator.py", docstring=doc, values=values)
