"""Standalone generator modules for a schema, without a run: `qaflow mockdata codegen`.

The same mapping and templates as a mockdata run (tasks/codegen/mapping.py and
render.py), written to one `.py` file (one table) or a folder (one module per
table), with mapping.yaml beside them to edit and render again. Every module is
rendered and checked before the first one is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from tasks.codegen.mapping import map_schema
from tasks.codegen.paths import module_file, table_folders
from tasks.codegen.render import mapping_text, render_table, write_text
from tasks.paths import POOLS, state_dir
from tasks.schema.spec import SchemaSpec

__all__ = ["CodegenResult", "write_standalone"]


class CodegenResult(BaseModel):
    """What `write_standalone` wrote, and how the columns were mapped."""

    modules: dict[str, str] = Field(description="table -> the module written for it")
    mapping: str = Field(description="mapping.yaml: edit it, then run codegen on it")
    mapped: dict[str, list[str]] = Field(description="table.column names by how they were mapped")
    llm: str
    llm_usage: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


def write_standalone(spec: SchemaSpec, out: Path, *, source: str, rows: int, table: str | None = None,
                     locale: str = "en_US", endpoint: Any = None, null_rate: float | None = None) -> CodegenResult:
    """Map `spec` and write one module per table (or only `table`) to `out`.

    `out` ending in `.py` is one module's file, for a schema of one table or with
    `table` given; otherwise a folder. Folder names are those a run uses.
    """
    plan = map_schema(spec, rows, locale, endpoint, null_rate=null_rate)
    tables = [t for t in plan.tables if table in (None, t.name)]
    single = out.suffix == ".py"
    if not tables or (single and len(tables) > 1):
        raise ValueError(f"{out}: one .py file takes one table; {len(tables)} selected")
    folder = (out.parent if single else out).resolve()
    folders = table_folders(t.name for t in plan.tables)
    pool_cache = str(state_dir(*POOLS))
    rendered = {}
    for t in tables:
        target = out.resolve() if single else folder / module_file(folders[t.name])
        rendered[t.name] = (target, render_table(t, source=source, locale=locale, pool_cache=pool_cache,
                                                 module_name=target.name))
    written = {name: str(write_text(target, code, root=folder)) for name, (target, code) in rendered.items()}
    mapping = write_text(folder / "mapping.yaml", mapping_text(spec, plan), root=folder)
    return CodegenResult(modules=written, mapping=str(mapping), mapped=plan.columns_by_how(),
                         llm=plan.summary.llm_note, llm_usage=plan.summary.llm_usage, warnings=plan.warnings)
