"""The generator runtime's source as pasted into a rendered module: only what the module uses.

A rendered `<table>_generator.py` must run with numpy, pyarrow and Faker alone,
so it carries the code of tasks/generator_runtime (kernel, value pools, writer)
instead of importing it. Pasted whole, every module carried every kernel helper
of every generator (`select`, `join_with`, `pattern_width`, ...) whether its
columns used them or not. Here each runtime module is cut into its top-level
statements; a rendered module gets the statements defining a name its own code
(the template's frame and the generator functions of its columns) uses, then
what those statements use, and so on: the reader sees only code that runs.

Names are found with `ast`, over-approximately (a local variable that shares a
runtime function's name keeps that function): keeping too much costs a few
lines, keeping too little a NameError, so the closure errs on the safe side.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from tasks.generator_runtime import kernel, pools, writer

# The runtime modules in the order they are pasted (a later one may use an earlier one's names).
RUNTIME: tuple[tuple[str, ModuleType], ...] = (("kernel", kernel), ("value pools", pools), ("writer", writer))
_RULER = re.compile(r"#\s*-{8,}")  # "# ------------- numpy -> Arrow": a section heading of a runtime module


@dataclass(frozen=True)
class Statement:
    """One top-level statement of a runtime module, with the comment lines just above it."""

    text: str  # from its first comment or code line (the blank lines above it are counted in `blank`)
    defines: frozenset[str]
    uses: frozenset[str]
    heading: bool = False  # a section ruler: kept when a statement of its section is
    blank: int = 0


@cache  # the same three modules for every table: read and parsed once per process
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


def names_in(node: ast.AST | str) -> set[str]:
    """Every plain name read or bound anywhere in `node` (code given as text is parsed first)."""
    tree = ast.parse(node) if isinstance(node, str) else node
    return {sub.id for sub in ast.walk(tree) if isinstance(sub, ast.Name)}


def _defined(node: ast.stmt) -> frozenset[str]:
    """The module-level names a top-level statement binds."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return frozenset({node.name})
    if isinstance(node, ast.Import | ast.ImportFrom):
        return frozenset(alias.asname or alias.name.split(".")[0] for alias in node.names)
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return frozenset(sub.id for target in targets for sub in ast.walk(target) if isinstance(sub, ast.Name))
    return frozenset()  # anything else (an `if` at module level) is kept whatever is used


@cache
def statements(module: ModuleType) -> tuple[Statement, ...]:
    """The pasted source of a runtime module cut into its top-level statements (and section rulers)."""
    text = module_source(module)
    lines = text.splitlines()
    out: list[Statement] = []
    done = 0  # lines[:done] are placed
    for node in ast.parse(text).body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        gap = lines[done:first]
        rulers = [i for i, line in enumerate(gap) if _RULER.fullmatch(line.strip())]
        if rulers:
            cut = rulers[-1] + 1
            out.append(_statement(gap[:cut], frozenset(), frozenset(), heading=True))
            gap = gap[cut:]
        out.append(_statement([*gap, *lines[first:node.end_lineno]], _defined(node), frozenset(names_in(node))))
        done = node.end_lineno
    return tuple(out)


def _statement(lines: list[str], defines: frozenset[str], uses: frozenset[str], heading: bool = False) -> Statement:
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    return Statement("\n".join(lines[blank:]), defines, uses, heading, blank)


def needed(roots: Iterable[str]) -> set[str]:
    """The runtime names that code using `roots` needs, with what they use in turn."""
    defines: dict[str, list[Statement]] = {}
    for _, module in RUNTIME:
        for stmt in statements(module):
            for name in stmt.defines:
                defines.setdefault(name, []).append(stmt)
    todo = [name for name in set(roots) if name in defines]
    found: set[str] = set(todo)
    while todo:
        for stmt in defines[todo.pop()]:
            for name in stmt.uses:
                if name in defines and name not in found:
                    found.add(name)
                    todo.append(name)
    return found


@cache  # per pasted source: a generator function's names are read once per process
def source_names(code: str) -> frozenset[str]:
    """`names_in` of a piece of code given as text."""
    return frozenset(names_in(code))


def runtime_sections(roots: Iterable[str]) -> list[tuple[str, str]]:
    """(label, source) of each runtime module, cut to the statements code using `roots` needs.

    `roots` are the names the rest of the rendered module reads (its frame and its
    generator functions). A statement that binds no name (none today) is always kept.
    """
    keep = needed(roots)
    sections = []
    for label, module in RUNTIME:
        parts: list[str] = []
        heading: Statement | None = None
        blank = 0  # blank lines above what was left out: the next statement kept stands as far apart
        for stmt in statements(module):
            if stmt.heading:
                heading, blank = stmt, 0
            elif not stmt.defines or stmt.defines & keep:
                for kept in (heading, stmt) if heading is not None else (stmt,):
                    parts.append("\n" * max(kept.blank, blank) + kept.text)
                    blank = 0
                heading = None
            else:
                blank = max(blank, stmt.blank)
        sections.append((label, "\n".join(parts).strip("\n") + "\n"))
    return sections
