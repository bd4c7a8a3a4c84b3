"""Plan -> a readable, standalone `<table>_generator.py` per table.

The Jinja template writes the frame (CLI, `generate`, `write`); the code inside
comes from the registry itself: the kernel, the pools, the writer and the
source of each generator function used, copied with `inspect`. No text from
the LLM ever reaches the module: the LLM only chose names and parameters,
which appear as literals in the COLUMNS table.
"""

from __future__ import annotations

import ast
import inspect
import os
import pprint
from functools import cache
from pathlib import Path
from types import ModuleType

import jinja2
from prefect import task

from tasks.codegen import kernel, pools
from tasks.codegen.plan import Plan, TablePlan
from tasks.codegen.registry import get
from tasks.rows import writer
from tasks.schema.spec import SchemaSpec

DEFAULT_BATCH_SIZE = 131_072
TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )


def module_source(module: ModuleType) -> str:
    """A module's code without its docstring, `__future__` import and imports of qaflow itself."""
    text = inspect.getsource(module)
    tree = ast.parse(text)
    drop: set[int] = set()
    for node in tree.body:
        is_doc = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        is_ours = isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tasks"
        if is_doc or is_future or is_ours:
            drop.update(range(node.lineno, node.end_lineno + 1))
    lines = text.splitlines()
    kept = [line for number, line in enumerate(lines, start=1) if number not in drop]
    return "\n".join(kept).strip() + "\n"


def function_source(fn) -> str:
    """A function's source without its decorator (the registry is the template's business)."""
    text = inspect.getsource(fn)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def "))
    return "\n".join(lines[start:]).rstrip() + "\n"


def generators_used(table: TablePlan) -> list[str]:
    """Registry names the table needs, foreign-key targets included, in first-use order."""
    names: list[str] = []
    for col in table.columns:
        for name in (col.generator, col.params.get("target") if col.generator == "id.foreign_key" else None):
            if name and name not in names:
                names.append(name)
    return names


def render_table(table: TablePlan, *, source: str, locale: str = "en_US",
                 batch_size: int = DEFAULT_BATCH_SIZE, pool_cache: str | None = None,
                 module_name: str | None = None) -> str:
    """The Python source of `<table>_generator.py` for one planned table."""
    names = generators_used(table)
    functions: list[str] = []
    seen: set[str] = set()
    registry_lines: list[tuple[str, str]] = []
    for name in names:
        gen = get(name)
        for fn in (*gen.helpers, gen.fn):
            if fn.__name__ not in seen:
                seen.add(fn.__name__)
                functions.append(function_source(fn))
        registry_lines.append((name, gen.fn.__name__))
    columns = [pprint.pformat(col.runtime(), width=96, sort_dicts=False).replace("\n", "\n    ")
               for col in table.columns]
    return _environment().get_template("generator.py.j2").render(
        table=table, source=source, locale=locale, batch_size=batch_size,
        pool_cache=pool_cache or "", module_name=module_name or f"{table.name}_generator.py",
        modules=[("kernel", module_source(kernel)), ("value pools", module_source(pools)),
                 ("writer", module_source(writer))],
        functions=functions, registry=registry_lines, columns=columns, order=table.order(),
    )


def write_text(path: Path, text: str) -> Path:
    """Write a file under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def render_plan(plan: Plan, out_dir: Path, *, batch_size: int = DEFAULT_BATCH_SIZE,
                pool_cache: str | None = None) -> dict[str, Path]:
    """One module per table under `out_dir`; returns table -> module path."""
    paths = {}
    for table in plan.tables:
        name = f"{table.name}_generator.py"
        code = render_table(table, source=plan.source, locale=plan.locale, batch_size=batch_size,
                            pool_cache=pool_cache, module_name=name)
        paths[table.name] = write_text(Path(out_dir) / name, code)
    return paths


def mapping_spec(schema: SchemaSpec, plan: Plan) -> SchemaSpec:
    """The schema with each column's generator and parameters filled in: the editable mapping.

    Derived parameters (a foreign key's parent row count and key generator) are
    left out; they are recomputed from the parent on every run.
    """
    tables = []
    for table in schema.tables:
        planned = plan.table(table.name)
        columns = []
        for col in table.columns:
            chosen = planned.column(col.name)
            params = dict(chosen.params)
            if chosen.generator == "id.foreign_key":
                params = {k: v for k, v in params.items() if k not in ("rows", "target", "target_params")}
            columns.append(col.model_copy(update={"generator": chosen.generator, "params": params}))
        tables.append(table.model_copy(update={"columns": columns}))
    return schema.model_copy(update={"tables": tables})


@task(name="render-generators")
def render_generators(plan: Plan, schema: SchemaSpec, out_dir: str, batch_size: int = DEFAULT_BATCH_SIZE,
                      pool_cache: str | None = None) -> dict[str, str]:
    """Write `<table>_generator.py` for every table and `mapping.yaml` beside them."""
    from tasks.schema.yamlspec import dump_yaml_spec

    paths = render_plan(plan, Path(out_dir), batch_size=batch_size, pool_cache=pool_cache)
    write_text(Path(out_dir) / "mapping.yaml", dump_yaml_spec(mapping_spec(schema, plan)))
    return {name: str(path) for name, path in paths.items()}
