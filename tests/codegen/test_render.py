"""The rendered modules: standalone (numpy, pyarrow, faker only), runnable by themselves,
reproducible to the byte, shard-invariant, and free of any text the LLM wrote as code.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.codegen.mapping import map_schema
from tasks.codegen.render import render_plan, render_table
from tasks.rows.run import load_generator
from tasks.schema import read_schema_file
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec
from tasks.settings import project_root
from tests.codegen.conftest import POOL_CACHE

SHOP = project_root() / "examples" / "schemas" / "shop.sql"
ALLOWED = {"numpy", "pyarrow", "faker", "__future__", "argparse", "json", "os", "re", "sys", "time", "zlib",
           "collections", "pickle", "unicodedata", "importlib", "pathlib", "resource"}


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, Path]:
    plan = map_schema(read_schema_file(SHOP), {"customers": 3000, "products": 100, "orders": 5000,
                                               "order_items": 8000})
    return render_plan(plan, tmp_path_factory.mktemp("gen"), batch_size=1024, pool_cache=str(POOL_CACHE))


def _run(module: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, str(module), *args], capture_output=True, text=True, check=False,
                          cwd=module.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_modules_import_only_numpy_pyarrow_faker_and_the_stdlib(modules):
    for path in modules.values():
        tree = ast.parse(path.read_text())
        roots = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots.add((node.module or "").split(".")[0])
        assert roots <= ALLOWED, (path.name, roots - ALLOWED)
        assert "tasks" not in roots and "qaflow" not in roots


def test_module_runs_by_itself_in_a_subprocess_without_pandas(modules, tmp_path):
    module = modules["customers"]
    out = tmp_path / "customers.parquet"
    done = subprocess.run([sys.executable, "-X", "importtime", str(module), "--rows", "2500", "--out", str(out),
                           "--seed", "5"], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert " pandas" not in done.stderr  # the pa.array(numpy) trap would import it
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["rows"] == 2500 and info["path"] == str(out)
    table = pq.read_table(out)
    assert table.num_rows == 2500 and table.column_names[:4] == ["id", "first_name", "last_name", "email"]
    assert table.schema.field("balance").type == pa.decimal128(10, 2)
    assert table.column("id").to_pylist() == list(range(1, 2501))
    assert not list(tmp_path.glob(".*tmp"))


def test_same_seed_gives_byte_identical_files_and_shards_equal_one_run(modules, tmp_path):
    module = modules["orders"]
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    _run(module, "--rows", "5000", "--seed", "11", "--out", str(a))
    _run(module, "--rows", "5000", "--seed", "11", "--out", str(b))
    assert a.read_bytes() == b.read_bytes()
    parts = []
    for start, rows in ((0, 3072), (3072, 1928)):
        part = tmp_path / f"part-{start}.parquet"
        _run(module, "--rows", str(rows), "--start-row", str(start), "--total-rows", "5000", "--seed", "11",
             "--out", str(part))
        parts.append(pq.read_table(part))
    assert pa.concat_tables(parts).equals(pq.read_table(a))


def test_generate_is_importable_and_streams_batches(modules):
    module = load_generator(modules["customers"])
    batches = list(module.generate(2500, seed=1, start_row=0))
    assert [b.num_rows for b in batches] == [1024, 1024, 452]
    assert batches[0].schema == module.schema()


def test_csv_and_jsonl_outputs(modules, tmp_path):
    module = modules["orders"]
    _run(module, "--rows", "300", "--out", str(tmp_path / "o.csv"))
    _run(module, "--rows", "300", "--out", str(tmp_path / "o.jsonl"))
    lines = (tmp_path / "o.csv").read_text().splitlines()
    assert len(lines) == 301 and lines[0].startswith('"id","customer_id","order_number"')
    rows = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert len(rows) == 300 and len(rows[0]["order_number"]) == 36
    assert rows[0]["ordered_at"][:2] == "20"


def test_llm_parameters_are_literals_never_code(tmp_path):
    nasty = "'); import os; os.system('touch /tmp/pwned') #"
    table = TableSpec(name="t", columns=[ColumnSpec(name="code", generator="text.pattern",
                                                    params={"pattern": nasty})])
    plan = map_schema(SchemaSpec(source="x", tables=[table]), 5)
    code = render_table(plan.tables[0], source="x", pool_cache=str(POOL_CACHE))
    tree = ast.parse(code)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "os" in imported  # the module's own import, and no other place runs os.system
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "system"]
    assert calls == []
    path = tmp_path / "t_generator.py"
    path.write_text(code)
    module = load_generator(path)
    value = next(module.generate(1, seed=0)).column(0)[0].as_py()
    assert "import os" in value  # the text became data
