"""What a load did, table by table: small pydantic models a flow can return."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class TableLoad(BaseModel):
    """One table: loaded, failed (the database refused a row) or skipped (a parent failed)."""

    name: str
    status: Literal["loaded", "failed", "skipped"]
    rows: int = 0
    seconds: float = 0.0
    rows_per_s: float = 0.0
    method: str = ""
    error: str | None = None
    constraint: str | None = Field(default=None, description="The constraint the database named.")
    offending_row: dict[str, Any] | None = None


class LoadSummary(BaseModel):
    """A load of an output folder into a database (never holds the password)."""

    out_dir: str
    database: str = Field(description="postgresql://user@host:port/db, without the password")
    created: list[str] = Field(default_factory=list, description="Tables --create made.")
    truncated: bool = False
    tables: list[TableLoad] = Field(default_factory=list)
    sequences: list[str] = Field(default_factory=list, description="Sequences set past the loaded keys.")
    rows: int = 0
    seconds: float = 0.0
    rows_per_s: float = 0.0
    peak_rss_mib: float = Field(default=0.0, description="Peak resident memory of the loading process, MiB.")
    warnings: list[str] = Field(default_factory=list)

    @property
    def loaded(self) -> list[str]:
        return [t.name for t in self.tables if t.status == "loaded"]

    @property
    def not_loaded(self) -> list[str]:
        return [t.name for t in self.tables if t.status != "loaded"]

    @property
    def ok(self) -> bool:
        return not self.not_loaded
