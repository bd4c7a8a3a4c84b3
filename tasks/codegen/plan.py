"""What codegen renders: each table's columns bound to registry generators.

A plan is the validated result of mapping (heuristics, the LLM or a YAML spec);
it is small, JSON-serialisable and the only input of the template.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

How = Literal["spec", "heuristic", "llm", "fallback"]


class ColumnPlan(BaseModel):
    """One column and the generator that fills it."""

    name: str
    type: str = Field(description="The schema's column type (ColumnSpec.type).")
    generator: str
    params: dict[str, Any] = Field(default_factory=dict)
    arrow: str = Field(default="string", description="Short Arrow type the generator emits.")
    null_rate: float = 0.0
    nullable: bool = True
    unique: bool = False
    suffix: bool = Field(default=False, description="Append a per-row unique suffix (unique strings).")
    max_length: int | None = None
    low_cardinality: bool = False
    omit_null: bool = Field(default=False, description="A NULL means absent: JSON output leaves the property out.")
    how: How = "heuristic"
    reason: str = ""
    bounds: list[int] | None = Field(default=None, description="The SQL integer type's [min, max] (checked).")

    def runtime(self) -> dict[str, Any]:
        """The column as the rendered module's COLUMNS table holds it."""
        return {
            "name": self.name, "generator": self.generator, "params": self.params,
            "type": self.arrow, "null_rate": self.null_rate, "nullable": self.nullable,
            "suffix": self.suffix, "max_length": self.max_length,
            "low_cardinality": self.low_cardinality, "unique": self.unique,
            **({"omit_null": True} if self.omit_null else {}),
        }


class TablePlan(BaseModel):
    """A table's columns, its row count and the tables it draws keys from."""

    name: str
    rows: int
    columns: list[ColumnPlan]
    parents: list[str] = Field(default_factory=list)

    def column(self, name: str) -> ColumnPlan:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def order(self) -> list[int]:
        """Column positions so that a column comes after the columns its generator reads."""
        from tasks.generators.registry import get

        position = {c.name: i for i, c in enumerate(self.columns)}
        needs: dict[int, set[int]] = {}
        for i, col in enumerate(self.columns):
            gen = get(col.generator)
            needs[i] = {position[col.params[d]] for d in gen.depends
                        if col.params.get(d) in position and position[col.params[d]] != i}
        done: list[int] = []
        seen: set[int] = set()

        def visit(i: int, path: tuple[int, ...]) -> None:
            if i in seen:
                return
            if i in path:
                names = " -> ".join(self.columns[j].name for j in (*path, i))
                raise ValueError(f"table {self.name}: columns depend on each other in a cycle: {names}")
            for j in sorted(needs[i]):
                visit(j, (*path, i))
            seen.add(i)
            done.append(i)

        for i in range(len(self.columns)):
            visit(i, ())
        return done


class MappingSummary(BaseModel):
    """How many columns each way of mapping placed, and the LLM's part."""

    heuristic: int = 0
    llm: int = 0
    spec: int = 0
    fallback: int = 0
    llm_calls: int = 0
    llm_note: str = ""
    llm_usage: dict[str, int] = Field(default_factory=dict, description="LLMUsage numbers of this mapping.")


class Plan(BaseModel):
    """All tables of a schema in foreign-key order (parents first)."""

    source: str
    locale: str = "en_US"
    tables: list[TablePlan]
    summary: MappingSummary = Field(default_factory=MappingSummary)
    warnings: list[str] = Field(default_factory=list)

    def table(self, name: str) -> TablePlan:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"plan has no table {name!r}")

    def columns_by_how(self) -> dict[str, list[str]]:
        """`table.column` names grouped by how they were mapped."""
        out: dict[str, list[str]] = {"spec": [], "heuristic": [], "llm": [], "fallback": []}
        for table in self.tables:
            for col in table.columns:
                out[col.how].append(f"{table.name}.{col.name}")
        return out
