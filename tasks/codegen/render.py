"""Plan -> a readable, standalone `<table>_generator.py` per table.

The Jinja template writes the frame (CLI, `generate`, `write`); the code inside
comes from qaflow itself, copied with `inspect`: the source of each generator
function used, and of tasks/generator_runtime (kernel, pools, writer) the
definitions those and the frame use (tasks/codegen/runtime_code.py). No text
from the LLM ever reaches the module: the LLM only chose names and parameters,
which appear as literals in the COLUMNS table.

Names and values from a schema are data, never code: the template prints only
`Source` values made by the encoders of tasks/codegen/literals.py (repr'd
literals, escaped docstring text), and every module is compiled and read back
before it is written (`check_module`).
"""

from __future__ import annotations

import ast
import inspect
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from tasks.codegen.checked import passed_before, remember, verdict_key
from tasks.codegen.literals import (
    Source,
    UnsafeValue,
    doc_data,
    doc_escape,
    py_literal,
    shell_word,
    shown,
)
from tasks.codegen.paths import inside, module_file, table_folders, table_slug
from tasks.codegen.plan import Plan, TablePlan
from tasks.codegen.runtime_code import runtime_sections, source_names
from tasks.files import write_atomic
from tasks.generators.registry import get
from tasks.schema.spec import SchemaSpec

DEFAULT_BATCH_SIZE = 131_072
TEMPLATES = Path(__file__).parent / "templates"


def _only_source(value: Any) -> Any:
    """Jinja's `finalize`: every `{{ ... }}` of the module template must be encoded already."""
    if isinstance(value, Source):
        return value
    raise UnsafeValue(f"template value {value!r:.60} was not encoded (use the py, shown or doc filters)")


@cache
def _environment() -> jinja2.Environment:
    """The module template's environment: only encoded `Source` values may be printed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, finalize=_only_source,
        autoescape=False,
    )
    env.filters.update(py=py_literal, shown=shown, shell=shell_word, data=doc_data, text=doc_escape)
    return env


@cache
def _docstring_values() -> jinja2.Environment:
    """The docstring template rendered as the value the docstring must have (to check the source)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False,
    )
    env.filters.update(
        py=repr, shown=lambda v: repr(str(v)), shell=lambda v: shlex.quote(str(v)), text=str,
        data=repr,
    )
    return env


@cache
def _frame_names() -> frozenset[str]:
    """Names the module template's own code reads (CLI, generate, write), to pick the runtime it needs.

    Its Jinja parts are blanked: they print data (repr'd literals) and pasted code, whose
    names are counted from that code itself.
    """
    text = (TEMPLATES / "generator.py.j2").read_text(encoding="utf-8")
    text = re.sub(r"{{.*?}}", "None", re.sub(r"{%.*?%}", "", text))
    return source_names(text)


@cache
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
        params = col.params
        chain = [col.generator]
        while params.get("target") and len(chain) < 16:  # a key into a 1:1 key re-derives through both
            chain.append(params["target"])
            params = params.get("target_params") or {}
        for name in chain:
            if name and name not in names:
                names.append(name)
        if col.generator == "nested.value":  # the leaves inside objects, arrays and oneOfs
            from tasks.codegen.nested_plan import leaf_generators

            names.extend(name for name in leaf_generators(col.params.get("node") or {}) if name not in names)
    return names


def parent_counts(table: TablePlan) -> dict[str, int]:
    """Row counts of the tables this one's foreign keys point into, as the run generates them."""
    counts: dict[str, int] = {}
    for col in table.columns:
        if col.generator == "id.foreign_key" and col.params.get("table") != table.name:
            counts[str(col.params["table"])] = int(col.params.get("rows") or 0)
    return counts


def render_table(table: TablePlan, *, source: str, locale: str = "en_US",
                 batch_size: int = DEFAULT_BATCH_SIZE, pool_cache: str | None = None,
                 module_name: str | None = None) -> str:
    """The Python source of `<table>_generator.py` for one planned table.

    Every value from the schema, the LLM or the command line reaches the module
    through an encoder of tasks/codegen/literals.py; the module is compiled and
    its docstring and data tables are read back and compared with what was
    meant before it is returned (UnsafeModule otherwise, naming the table).
    """
    names = generators_used(table)
    functions: list[Source] = []
    seen: set[str] = set()
    registry_lines: list[tuple[str, Source]] = []
    for name in names:
        gen = get(name)
        for fn in (*gen.helpers, gen.fn):
            if fn.__name__ not in seen:
                seen.add(fn.__name__)
                functions.append(Source(function_source(fn)))
        if not gen.fn.__name__.isidentifier():
            raise UnsafeValue(f"generator {name!r} has no plain function name")
        registry_lines.append((name, Source(gen.fn.__name__)))
    where = f"table {table.name!r}"
    runtime = [col.runtime() for col in table.columns]
    columns = [py_literal(col, f"{where}, column {planned.name!r}", indent="    ")
               for col, planned in zip(runtime, table.columns, strict=True)]
    slug = table_slug(table.name)
    module_name = module_name or module_file(slug)
    order = table.order()
    parent_rows = parent_counts(table)
    facts = {"parent_rows": list(parent_rows.items()),
             "table_name": table.name, "source": str(source), "module_name": module_name,
             "rows": table.rows, "out_name": f"{slug}.parquet", "batch_size": batch_size,
             "columns": [{"name": c.name, "generator": c.generator, "params": c.params, "how": c.how}
                         for c in table.columns]}
    docstring = Source(_environment().get_template("docstring.j2").render(**facts))
    roots = set(_frame_names()).union(*(source_names(code) for code in functions))
    code = _environment().get_template("generator.py.j2").render(
        docstring=docstring, table=table, locale=locale, batch_size=batch_size, pool_cache=pool_cache or "",
        modules=[(Source(label), Source(text)) for label, text in runtime_sections(roots)],
        functions=functions, registry=registry_lines, columns=columns, order=order, parent_rows=parent_rows,
    )
    meant = _docstring_values().get_template("docstring.j2").render(**facts)
    values = {"TABLE": table.name, "LOCALE": locale, "DEFAULT_ROWS": table.rows, "PARENT_ROWS": parent_rows,
              "BATCH_SIZE": batch_size, "COLUMNS": runtime, "ORDER": order,
              "POOL_CACHE": pool_cache or "", "REGISTRY": [name for name, _ in registry_lines]}
    verdict = verdict_key(code, meant, values)
    if not passed_before(verdict):  # the same text, meant to say the same, passed before (tasks/codegen/checked.py)
        check_module(code, table=table.name, module_name=module_name, docstring=meant, values=values)
        remember(verdict)
    return code


class UnsafeModule(UnsafeValue):
    """A rendered module that does not compile or does not say what was meant; never written."""


def check_module(code: str, *, table: str, module_name: str, docstring: str, values: dict[str, Any]) -> None:
    """Compile a rendered module and read back its docstring and data tables (UnsafeModule if off).

    The docstring must be exactly the text that was meant and each data table
    (TABLE, LOCALE, COLUMNS, ...) must evaluate to the value that was rendered:
    a name that broke out of its string would change one of them.
    """
    where = f"table {table!r} ({module_name!r})"
    try:
        tree = compile(code, "<rendered module>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        compile(tree, "<rendered module>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = f" at line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise UnsafeModule(f"{where}: the rendered module does not compile{line}: "
                           f"{getattr(exc, 'msg', None) or exc}; nothing was written") from None
    if ast.get_docstring(tree, clean=False) != docstring:
        raise UnsafeModule(f"{where}: the rendered docstring is not the text that was meant; nothing was written")
    found: dict[str, Any] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        name, value = node.targets[0].id, node.value
        if name not in values:
            continue
        try:
            if name == "POOL_CACHE":  # os.environ.get("QAFLOW_POOL_CACHE", <literal>)
                found[name] = ast.literal_eval(value.args[1])
            elif name == "REGISTRY":  # {<literal>: function, ...}
                found[name] = [ast.literal_eval(key) for key in value.keys]
            else:
                found[name] = ast.literal_eval(value)
        except (ValueError, TypeError, AttributeError, IndexError, SyntaxError):
            raise UnsafeModule(f"{where}: {name} is not plain data; nothing was written") from None
    for name, expected in values.items():
        if name not in found or found[name] != expected:
            raise UnsafeModule(f"{where}: {name} does not hold the values that were rendered; nothing was written")


def write_text(path: Path, text: str, *, root: Path | None = None) -> Path:
    """Write a file whole or not at all (tasks.files.write_atomic), only inside `root` when given."""
    return write_atomic(inside(root, path) if root is not None else path, text)


def render_plan(plan: Plan, out_dir: Path, *, batch_size: int = DEFAULT_BATCH_SIZE,
                pool_cache: str | None = None) -> dict[str, Path]:
    """One module per table under `out_dir` (named by the table's safe folder name); table -> path.

    Every module is rendered and checked before the first one is written.
    """
    folders = table_folders(t.name for t in plan.tables)
    codes = {}
    for table in plan.tables:
        name = module_file(folders[table.name])
        codes[table.name] = (name, render_table(table, source=plan.source, locale=plan.locale,
                                                batch_size=batch_size, pool_cache=pool_cache, module_name=name))
    out_dir = Path(out_dir)
    return {table: write_text(out_dir / name, code, root=out_dir) for table, (name, code) in codes.items()}


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
            update = {"generator": chosen.generator, "params": params}
            if chosen.nullable and chosen.null_rate:
                update["null_rate"] = chosen.null_rate  # the NULLs it got, so a re-run gets the same
            columns.append(col.model_copy(update=update))
        tables.append(table.model_copy(update={"columns": columns}))
    return schema.model_copy(update={"tables": tables})


def write_generators(plan: Plan, schema: SchemaSpec, out_dir: str, batch_size: int = DEFAULT_BATCH_SIZE,
                     pool_cache: str | None = None) -> dict[str, str]:
    """Write `<table>_generator.py` for every table and `mapping.yaml` beside them."""
    paths = render_plan(plan, Path(out_dir), batch_size=batch_size, pool_cache=pool_cache)
    write_text(Path(out_dir) / "mapping.yaml", mapping_text(schema, plan), root=Path(out_dir))
    return {name: str(path) for name, path in paths.items()}


def mapping_text(schema: SchemaSpec, plan: Plan) -> str:
    """mapping.yaml: the editable spec, headed by what each column got and why (as YAML comments)."""
    from tasks.schema.yamlspec import dump_yaml_spec

    def line(text: str) -> str:  # one comment line of printable text, whatever the names hold
        text = " ".join(str(text).split())
        return "".join(ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                       for ch in text)

    notes = ["# what each column got and why (how: heuristic / spec / llm / fallback):"]
    for table in plan.tables:
        for col in table.columns:
            nulls = f", NULL {col.null_rate:.0%}" if col.null_rate else ""
            notes.append("#   " + line(f"{table.name}.{col.name}: {col.generator} [{col.how}{nulls}] {col.reason}"))
    lines = dump_yaml_spec(mapping_spec(schema, plan)).split("\n")
    head = next(i for i, text in enumerate(lines) if not text.startswith("#"))
    return "\n".join([*lines[:head], *notes, *lines[head:]])
