"""The table model every schema reader produces and every generator consumes.

One shape for DDL, JSON Schema, sample files and qaflow's YAML spec, so the
mapping and codegen stages never care where a schema came from.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ColumnType = Literal[
    "string", "integer", "float", "decimal", "boolean", "date", "datetime", "time",
    "uuid", "json", "binary", "array", "object",
]


class ForeignKey(BaseModel):
    """A column that must hold an existing key of another table."""

    table: str
    column: str


class ColumnSpec(BaseModel):
    """One column: its type and every constraint a generator must respect."""

    name: str
    type: ColumnType = "string"
    nullable: bool = True
    null_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of NULLs to generate.")
    unique: bool = False
    primary_key: bool = False
    autoincrement: bool = Field(
        default=False,
        description="Values come from a sequence (SERIAL, AUTO_INCREMENT, IDENTITY): 1, 2, 3, ...",
    )
    min: float | int | str | None = Field(default=None, description="Lower bound (number, date or datetime).")
    max: float | int | str | None = Field(default=None, description="Upper bound (number, date or datetime).")
    min_length: int | None = None
    max_length: int | None = None
    precision: int | None = Field(default=None, description="DECIMAL precision (digits).")
    scale: int | None = Field(default=None, description="DECIMAL scale (digits after the point).")
    enum: list[Any] | None = None
    enum_weights: list[float] | None = None
    pattern: str | None = Field(default=None, description="Regex or qaflow pattern (# digit, ? letter).")
    format: str | None = Field(default=None, description="email, uuid, date, date-time, uri, ipv4, ...")
    default: Any = None
    foreign_key: ForeignKey | None = None
    description: str | None = None
    source_type: str | None = Field(default=None, description="The type as the schema wrote it.")
    timezone: str | None = Field(
        default=None, description="datetime/time with a time zone (SQL timestamptz): the zone values are in, e.g. UTC.")
    generator: str | None = Field(default=None, description="Registry name, when already mapped.")
    params: dict[str, Any] = Field(default_factory=dict, description="Generator parameters.")
    # Nested shapes (JSON Schema objects, arrays, oneOf/anyOf; SQL arrays): see tasks/generators/nested.py.
    omit_null: bool = Field(
        default=False,
        description="A NULL means the property is absent: JSON output leaves it out (optional, not nullable).",
    )
    items: ColumnSpec | None = Field(default=None, description="type array: the schema of each element.")
    prefix_items: list[ColumnSpec] | None = Field(
        default=None, description="type array: the schemas of the first elements, by position (a tuple).")
    contains: ColumnSpec | None = Field(default=None, description="type array: at least one element is this.")
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=0)
    unique_items: bool = False
    fields: list[ColumnSpec] | None = Field(default=None, description="type object: its properties, in order.")
    variants: list[ColumnSpec] | None = Field(
        default=None, description="oneOf/anyOf: the branches; each row is one of them.")
    variant_weights: list[float] | None = None


ColumnSpec.model_rebuild()


class TableSpec(BaseModel):
    """A table: ordered columns and its key."""

    name: str
    columns: list[ColumnSpec]
    primary_key: list[str] = Field(default_factory=list)
    unique_keys: list[list[str]] = Field(
        default_factory=list, description="Multi-column UNIQUE constraints, column names in key order.")
    row_order: list[list[str]] = Field(
        default_factory=list,
        description="[earlier, later] column pairs a CHECK orders within a row (CHECK (a < b) -> [a, b]).")
    description: str | None = None

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def parents(self) -> set[str]:
        """Tables this one references through foreign keys (itself excluded)."""
        return {c.foreign_key.table for c in self.columns if c.foreign_key and c.foreign_key.table != self.name}


class SchemaSpec(BaseModel):
    """All tables read from one schema file, in the order the file gave them."""

    source: str
    tables: list[TableSpec]
    warnings: list[str] = Field(
        default_factory=list,
        description="What the reader could only approximate (e.g. an unsupported type), by table.column.",
    )

    def table(self, name: str) -> TableSpec:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"schema {self.source} has no table {name!r}")
