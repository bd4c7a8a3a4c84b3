"""Assembles a Document from reader events, keeping every offset exact.

Readers only say what they saw (a heading, a paragraph, a list item, a table);
the builder lays the text out in one Markdown-like style and records where each
section and table landed, so offsets are right by construction in every format.

Layout of `Document.text`: blocks separated by one blank line; headings as
`#`-lines; list items one per line; tables as `a | b | c` rows.
"""

from __future__ import annotations

from tasks.documents.model import Document, Section, Table

BLOCK_SEPARATOR = "\n\n"


def clean_cell(value: str) -> str:
    """A cell as it reads on one line of a text table."""
    return " ".join(value.split()).replace("|", "\\|")


def table_text(rows: list[list[str]]) -> str:
    """Rows rendered `a | b | c`, one per line."""
    lines = []
    for row in rows:
        cells = [clean_cell(cell) for cell in row]
        while len(cells) > 1 and not cells[-1]:
            cells.pop()
        lines.append(" | ".join(cells).rstrip())
    return "\n".join(lines)


class DocumentBuilder:
    """Collects blocks under the current heading path and builds the Document."""

    def __init__(self, path: str, format: str) -> None:
        self.path = path
        self.format = format
        self.warnings: list[str] = []
        self._parts: list[str] = []
        self._length = 0
        self._stack: list[tuple[int, str]] = []
        self._sections: list[Section] = []
        self._tables: list[Table] = []
        self._open: dict | None = None
        self._pages: list[tuple[int, int]] = []
        self._page_start: int | None = None

    # -- layout ---------------------------------------------------------------

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def _start_block(self) -> int:
        if self._length:
            self._append(BLOCK_SEPARATOR)
        if self._page_start == -1:
            self._page_start = self._length
        return self._length

    def _close(self) -> None:
        if self._open is not None:
            fields = dict(self._open)
            fields["text"] = "".join(fields.pop("pieces"))  # joined once: no quadratic growth
            self._sections.append(Section.model_construct(**fields))  # built valid: skip validation
            self._open = None

    @property
    def heading_path(self) -> list[str]:
        return [title for _, title in self._stack]

    @property
    def level(self) -> int:
        return self._stack[-1][0] if self._stack else 0

    @property
    def offset(self) -> int:
        return self._length

    # -- events ---------------------------------------------------------------

    def heading(self, level: int, title: str) -> None:
        """A heading: ends the open section and moves the heading path."""
        title = " ".join(title.split())
        if not title:
            return
        self._close()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        self._start_block()
        self._append("#" * max(level, 1) + " " + title)

    def _block(self, kind: str, text: str, joiner: str = BLOCK_SEPARATOR) -> tuple[int, int]:
        text = text.strip("\n")
        if not text.strip():
            return (self._length, self._length)
        if self._open is not None and self._open["kind"] == kind and kind != "table":
            self._append(joiner)
            start = self._length
            if self._page_start == -1:
                self._page_start = start
            self._append(text)
            self._open["pieces"].extend((joiner, text))
            self._open["end"] = self._length
            return (start, self._length)
        self._close()
        start = self._start_block()
        self._append(text)
        self._open = {
            "heading_path": self.heading_path, "pieces": [text], "start": start,
            "end": self._length, "kind": kind, "level": self.level,
        }
        return (start, self._length)

    def paragraph(self, text: str) -> None:
        """Prose; consecutive paragraphs share one section, a blank line apart."""
        lines = [line.rstrip() for line in text.strip("\n").split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        self._block("text", "\n".join(lines))

    def code(self, text: str) -> None:
        """A code or literal block: kept verbatim as text, never parsed for headings."""
        self._block("text", text.rstrip())

    def list_item(self, text: str, marker: str = "-", depth: int = 0) -> None:
        """One item; consecutive items form one list section, one item per line."""
        text = " ".join(text.split())
        if text:
            self._block("list", "  " * depth + f"{marker} {text}", joiner="\n")

    def end_list(self) -> None:
        """Ends a list, so the next list under the same heading starts its own section."""
        if self._open is not None and self._open["kind"] == "list":
            self._close()

    def table(self, rows: list[list[str]], *, name: str = "", row_numbers: list[int] | None = None) -> None:
        """A table: its own section (text rows) and a structured Table."""
        rows = [[cell.strip() for cell in row] for row in rows]
        rows = [row for row in rows if any(row)] if row_numbers is None else rows
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        start, end = self._block("table", table_text(rows))
        self._tables.append(Table.model_construct(
            heading_path=self.heading_path, rows=rows, start=start, end=end, name=name,
            row_numbers=row_numbers if row_numbers is not None else list(range(1, len(rows) + 1)),
        ))

    def begin_page(self) -> None:
        """Starts a page (PDF): its range begins where its first block lands."""
        self.end_page()
        self._page_start = -1

    def end_page(self) -> None:
        if self._page_start is not None:
            start = self._length if self._page_start < 0 else self._page_start
            self._pages.append((start, self._length))
            self._page_start = None

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def build(self) -> Document:
        self._close()
        self.end_page()
        return Document(
            path=self.path, format=self.format, text="".join(self._parts),
            sections=self._sections, tables=self._tables, warnings=self.warnings,
            pages=self._pages,
        )
