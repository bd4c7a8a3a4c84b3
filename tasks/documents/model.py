"""The shape every reader produces: the whole text, its sections and its tables.

One model for Markdown, Word, PDF, HTML, sheets and plain text, so the rag
chunker and the bdd requirement readers never care which format a file was.
Every offset points into `Document.text`: `doc.text[s.start:s.end] == s.text`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SectionKind = Literal["text", "table", "list"]


class Section(BaseModel):
    """A run of text under one heading path, of one kind (prose, a list or a table)."""

    heading_path: list[str] = Field(default_factory=list, description="[] before the first heading.")
    text: str
    start: int
    end: int
    kind: str = "text"
    level: int = Field(default=0, description="Depth of the innermost heading (0: none, or a title).")


class Table(BaseModel):
    """A table kept as rows of cells, for readers that need columns (test-case sheets)."""

    heading_path: list[str] = Field(default_factory=list)
    rows: list[list[str]]
    start: int
    end: int
    name: str = Field(default="", description="The sheet name for spreadsheets, else ''.")
    row_numbers: list[int] = Field(
        default_factory=list,
        description="1-based source row (sheet, CSV) or table row number of each entry of rows.",
    )


class Document(BaseModel):
    """One extracted file."""

    path: str
    format: str
    text: str
    sections: list[Section] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    encoding: str | None = Field(
        default=None, description="Text formats: the encoding the bytes were decoded with (utf-8, cp949, ...)."
    )
    pages: list[tuple[int, int]] = Field(
        default_factory=list,
        description="PDF only: (start, end) offsets in text of each page, in page order.",
    )

    def headings(self) -> list[list[str]]:
        """Every distinct heading path, in document order."""
        seen: list[list[str]] = []
        for section in self.sections:
            if section.heading_path and section.heading_path not in seen:
                seen.append(section.heading_path)
        return seen
