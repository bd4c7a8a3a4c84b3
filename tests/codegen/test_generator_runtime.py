"""The generator runtime (tasks/generator_runtime) and what of it a rendered module carries.

The runtime is pasted into every rendered `<table>_generator.py`: it must import
nothing of qaflow, and a module must carry only the runtime definitions its own
code uses, yet every one of those (checked statically over the whole registry,
and by running a module where qaflow cannot be imported).
"""

from __future__ import annotations

import ast
import builtins
import json
import subprocess
import symtable
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tasks import generator_runtime
from tasks.codegen.mapping import map_schema
from tasks.codegen.plan import ColumnPlan, TablePlan
from tasks.codegen.render import render_table
from tasks.codegen.runtime_code import RUNTIME, needed, statements
from tasks.generator_runtime import kernel
from tasks.generators.registry import registry
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec
from tests.codegen.conftest import POOL_CACHE

# Runtime helpers that only some generators use: none of them belongs in a module of plain columns.
SOMETIMES = ("select", "pick_formats", "pattern_fill", "uuid_array", "decimal_array")
THIRD_PARTY = {"numpy", "pyarrow", "faker"}


def _table(name: str, rows: int, *columns: ColumnSpec) -> TablePlan:
    """A table mapped as the pipeline maps it (explicit generators: the spec's choice)."""
    return map_schema(SchemaSpec(source="test", tables=[TableSpec(name=name, columns=list(columns))]), rows).tables[0]


def _plain_table() -> TablePlan:
    """Integers, a choice, a number and dates: generators that need few kernel helpers."""
    return _table(
        "plain", 200,
        ColumnSpec(name="id", type="integer", nullable=False, primary_key=True, generator="id.sequence"),
        ColumnSpec(name="status", nullable=False, generator="choice.enum", params={"values": ["new", "paid", "sent"]}),
        ColumnSpec(name="amount", type="float", generator="numeric.float", params={"min": 0, "max": 100}),
        ColumnSpec(name="day", type="date", generator="temporal.date"),
    )


@pytest.fixture(scope="module")
def plain_module(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "plain_generator.py"
    path.write_text(render_table(_plain_table(), source="test", pool_cache=str(POOL_CACHE)))
    return path


def _top_level_functions(code: str) -> dict[str, ast.AST]:
    return {node.name: node for node in ast.parse(code).body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)}


def _unbound_globals(code: str) -> set[str]:
    """Globals that some function, class or the module body reads but nothing binds (a NameError waiting)."""
    top = symtable.symtable(code, "<rendered>", "exec")
    bound = {sym.get_name() for sym in top.get_symbols() if sym.is_assigned() or sym.is_imported()}
    bound |= set(dir(builtins)) | {"__name__", "__file__", "__doc__"}
    missing: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for sym in table.get_symbols():
            reads_global = sym.is_global() or (table is top and not sym.is_assigned())
            if sym.is_referenced() and reads_global and sym.get_name() not in bound:
                missing.add(sym.get_name())
    return missing


def test_the_runtime_imports_only_the_stdlib_numpy_pyarrow_faker_and_itself():
    folder = Path(generator_runtime.__file__).parent
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):  # lazy imports inside functions too
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                ours = name == "tasks.generator_runtime" or name.startswith("tasks.generator_runtime.")
                assert ours or root in THIRD_PARTY or root in sys.stdlib_module_names, (path.name, name)


def test_a_plain_module_carries_no_kernel_helper_it_does_not_use(plain_module):
    code = plain_module.read_text()
    defined = _top_level_functions(code)
    for name in SOMETIMES:
        assert name not in defined, f"{name} was pasted into a module that never calls it"
    assert {"generate_table", "Batch", "arrow_type", "write_batches", "parquet_options"} <= set(defined)
    assert not {"join_with", "pattern_width", "pattern_capacity"} & set(dir(kernel))  # used by nothing: gone
    # every pasted function or class is used by some other code of the module (or is its entry point)
    tree = ast.parse(code)
    for name, node in defined.items():
        others = [n for n in tree.body if n is not node]
        used = {sub.id for n in others for sub in ast.walk(n) if isinstance(sub, ast.Name)}
        assert name in used or name in ("main",), f"{name} is pasted but nothing calls it"


def test_a_module_that_needs_a_helper_gets_it_with_what_it_uses(tmp_path):
    table = _table("codes", 50,
                   ColumnSpec(name="code", nullable=False, generator="text.pattern",
                              params={"pattern": "(AB|CD)-[0-9]{3}", "syntax": "regex"}),
                   ColumnSpec(name="phone", generator="person.phone"))
    code = render_table(table, source="test", pool_cache=str(POOL_CACHE))
    defined = _top_level_functions(code)
    assert "select" in defined and "pick_formats" in defined  # the alternation's branches; phone formats
    assert {"pattern_fill", "fixed_strings", "pattern_matrix"} <= set(defined)  # what pick_formats calls
    assert not _unbound_globals(code)
    path = tmp_path / "codes_generator.py"
    path.write_text(code)
    info = _run_standalone(path, "--rows", "50", "--out", str(tmp_path / "codes.parquet"))
    texts = pq.read_table(tmp_path / "codes.parquet").column("code").to_pylist()
    assert info["rows"] == 50 and all(t[:3] in ("AB-", "CD-") and t[3:].isdigit() for t in texts)


def test_every_generator_of_the_registry_gets_all_the_runtime_it_reads():
    """One module with a column per registry generator: nothing any function reads is left unbound."""
    columns = []
    for i, (name, gen) in enumerate(sorted(registry().items())):
        params = dict(gen.params)
        if name == "id.foreign_key":
            params.update(table="parent", rows=10)
        columns.append(ColumnPlan(name=f"c{i}", type="text", generator=name, params=params))
    code = render_table(TablePlan(name="every", rows=10, columns=columns), source="test")
    assert not _unbound_globals(code)
    # ... and the runtime holds no dead code: each definition serves a generator or the module's frame
    runtime = {name for _, module in RUNTIME for stmt in statements(module) for name in stmt.defines}
    rest = [node for node in ast.parse(code).body if not _binds(node) & runtime]
    unused = runtime - needed({sub.id for node in rest for sub in ast.walk(node) if isinstance(sub, ast.Name)})
    assert unused == {"FORMATS"}  # suffixes by format: read by qaflow's shards, not by a module


def _binds(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {alias.asname or alias.name.split(".")[0] for alias in node.names}
    if isinstance(node, ast.Assign):
        return {sub.id for target in node.targets for sub in ast.walk(target) if isinstance(sub, ast.Name)}
    return set()


def test_unbound_globals_finds_a_missing_helper():
    """The static check above can fail: a module missing a runtime function is caught."""
    code = "import numpy as np\n\n\ndef gen(b, p):\n    return select(np.zeros(3), [])\n"
    assert _unbound_globals(code) == {"select"}


_NO_QAFLOW = """\
import runpy, sys

class NoQaflow:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tasks", "flows", "blocks"):
            raise ImportError(f"a standalone module imported {name}")
        return None

sys.meta_path.insert(0, NoQaflow())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _run_standalone(module: Path, *args: str) -> dict:
    """Run a rendered module as a script in a process where importing qaflow fails."""
    done = subprocess.run([sys.executable, "-c", _NO_QAFLOW, str(module), *args], capture_output=True,
                          text=True, check=False, cwd=module.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1]) if "--help" not in args else {"help": done.stdout}


def test_a_plain_module_runs_standalone_help_and_a_small_generation(plain_module, tmp_path):
    shown = _run_standalone(plain_module, "--help")["help"]
    assert "Generate mock rows for table plain." in shown and "--rows" in shown
    out = tmp_path / "plain.parquet"
    info = _run_standalone(plain_module, "--rows", "200", "--out", str(out), "--seed", "3")
    table = pq.read_table(out)
    assert info["rows"] == 200 and info["peak_rss_mib"] > 0 and table.num_rows == 200
    assert table.column("id").to_pylist() == list(range(1, 201))
    assert set(table.column("status").to_pylist()) <= {"new", "paid", "sent"}
