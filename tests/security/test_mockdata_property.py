"""Property: whatever the names and values, a rendered module is the template plus data.

For random Unicode table and column names, enum values, patterns, defaults,
comments, source paths and locales (random text mixed with the fragments that
break careless encoders), the rendered generator module compiles, its syntax
tree equals that of the same plan with every string replaced by a harmless one
(so input changed nothing but the contents of string literals), and run by
itself it writes the columns under their exact names and creates no marker.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.codegen.plan import ColumnPlan, TablePlan
from tasks.codegen.render import render_table
from tasks.generators.registry import get

WORK = Path(tempfile.mkdtemp(prefix="qaflow-property-"))
MARKER = WORK / "MARKER"
FRAGMENTS = ['"""', "'''", '"', "'", "\\", "\\N", "\\N{BULLET}", "\\x00", "\n", "\r", "\r\n", "\x00", "\u2028",
             "\u2029", "\x0b", "\x0c", "\x85", "\ufeff", "#", "{{", "}}", "{%", "%}", "class", "None", "import os",
             f'__import__("os").system("touch {MARKER}")', f"\n__import__('os').system('touch {MARKER}')\n",
             'a"""\nZ = r\'\'\'', "x'''\nW = \"\"\"", "$(touch x)", "`id`", "; rm -rf ~"]

piece = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=8), st.sampled_from(FRAGMENTS))
text = st.lists(piece, min_size=1, max_size=4).map("".join)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def columns(draw) -> list[tuple[str, dict]]:
    """(generator, params) per column: strings, enums of any scalar kind, constants (defaults), patterns."""
    kinds = draw(st.lists(st.sampled_from(["string", "enum", "constant", "pattern"]), min_size=1, max_size=5))
    out = []
    for kind in kinds:
        if kind == "string":
            out.append(("text.string", {"min_length": 1, "max_length": 6}))
        elif kind == "pattern":
            out.append(("text.pattern", {"pattern": draw(text) + "#"}))
        else:
            values = draw(st.one_of(st.lists(text, min_size=1, max_size=4),
                                    st.lists(st.integers(-2**40, 2**40), min_size=1, max_size=4),
                                    st.lists(finite, min_size=1, max_size=4), st.lists(st.booleans(), min_size=1,
                                                                                       max_size=2)))
            if kind == "constant":
                out.append(("choice.constant", {"values": values[:1]}))
            else:
                weights = draw(st.none() | st.lists(st.floats(0.1, 10), min_size=len(values), max_size=len(values)))
                out.append(("choice.enum", {"values": values, "weights": weights}))
    return out


def plan(table: str, names: list[str], cols: list[tuple[str, dict]], reasons: list[str]) -> TablePlan:
    return TablePlan(name=table, rows=5, columns=[
        ColumnPlan(name=name, type="string", generator=gen, params=params, arrow=get(gen).arrow_type(params),
                   how="llm", reason=reason)
        for name, (gen, params), reason in zip(names, cols, reasons, strict=True)])


def harmless(value):
    """The same data with every string replaced by one plain word."""
    if isinstance(value, str):
        return "s"
    if isinstance(value, list):
        return [harmless(v) for v in value]
    if isinstance(value, dict):
        return {k: harmless(v) for k, v in value.items()}
    return value


def shape(code: str) -> str:
    """The module's syntax tree with the contents of every string literal blanked."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree, include_attributes=False)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=text, data=st.data(), source=text, locale=text, pool_cache=text, module_name=text)
def test_rendered_modules_hold_input_only_as_data(table, data, source, locale, pool_cache, module_name):
    cols = data.draw(columns())
    names = data.draw(st.lists(text, min_size=len(cols), max_size=len(cols), unique=True))
    reasons = data.draw(st.lists(text, min_size=len(cols), max_size=len(cols)))
    hostile = plan(table, names, cols, reasons)
    code = render_table(hostile, source=source, locale=locale, pool_cache=pool_cache, module_name=module_name)
    compile(code, "generated.py", "exec")
    benign = plan("t", [f"c{i}" for i in range(len(cols))], [(g, harmless(p)) for g, p in cols],
                  ["r"] * len(cols))
    reference = render_table(benign, source="s", locale="en_US", pool_cache="", module_name="m.py")
    assert shape(code) == shape(reference)  # input changed nothing but what string literals hold

    folder = Path(tempfile.mkdtemp(dir=WORK))
    module = folder / "generated.py"
    module.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(module), "--rows", "5", "--out", str(folder / "rows.parquet"),
                           "--locale", "en_US", "--pool-cache", ""], cwd=folder, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not MARKER.exists()
    assert pq.read_schema(folder / "rows.parquet").names == names
