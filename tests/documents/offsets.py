"""The invariants every Document must keep, whatever its format."""

from __future__ import annotations

from tasks.documents import Document


def assert_consistent(doc: Document) -> None:
    """Offsets point at the text they claim; sections are in order and do not overlap."""
    previous_end = 0
    for section in doc.sections:
        assert doc.text[section.start:section.end] == section.text, section
        assert section.start >= previous_end, "sections overlap or are out of order"
        assert section.text.strip(), "empty section"
        assert section.kind in ("text", "table", "list")
        previous_end = section.end
    for table in doc.tables:
        rendered = doc.text[table.start:table.end]
        assert rendered.count("\n") == len(table.rows) - 1
        assert any(s.kind == "table" and s.start == table.start and s.end == table.end for s in doc.sections)
        assert len(table.row_numbers) == len(table.rows)
        assert len({len(row) for row in table.rows}) == 1, "rows are padded to one width"
    for start, end in doc.pages:
        assert 0 <= start <= end <= len(doc.text)
