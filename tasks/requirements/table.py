"""Rows of a table -> requirements: the part every tabular reader shares.

A table is a list of rows of cell texts; merged cells are already filled by
the reader. The header row may sit anywhere in the first `HEADER_SCAN` rows
(titles, logos and notes often come first). Consecutive rows with the same ID
are the steps of one test case; a row with Method and Path is a request, a row
with only prose is a requirement for the LLM.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.requirements import cells as C
from tasks.requirements.columns import header_map, is_header
from tasks.requirements.ids import clean_id, find_id, stable_id
from tasks.requirements.model import ReadResult, Requirement

HEADER_SCAN = 20


@dataclass
class TableSource:
    """Where a table lives, for ids and error messages."""

    file: str
    label: str  # "sheet 'Users'" or "table 2 under 'Orders API'"
    group: str  # default feature name
    first_row: int = 1  # number of the table's first row in the file (1-based)


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:HEADER_SCAN]):
        mapping = header_map(row)
        if is_header(mapping):
            return index, mapping
    return None


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return "" if value is None else str(value).strip()


def read_table(rows: list[list[str]], where: TableSource, result: ReadResult, *, require_header: bool = True) -> int:
    """Add the table's requirements (and errors) to `result`; returns how many were added."""
    if not any(any(str(c or "").strip() for c in row) for row in rows):
        if require_header:
            result.error("empty sheet", where.label)
        return 0
    found = find_header(rows)
    if found is None:
        if require_header:
            result.error(
                f"no recognisable header row in the first {HEADER_SCAN} rows "
                "(need Method and Path, or a Title/Scenario column; see 'The test-case sheet format' in docs/bdd.md)",
                where.label,
            )
        return 0
    header_index, mapping = found
    fields = {name: mapping.get(name) for name in C_FIELDS}
    cases: list[dict] = []
    current: dict | None = None
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 1):
        row_no = where.first_row + offset
        cells = {name: _cell(row, index) for name, index in fields.items()}
        if not any(cells.values()):
            current = None
            continue
        row_id = cells["id"]
        starts_new = (
            current is None
            or (row_id and row_id != current["id_cell"])
            or (not row_id and fields["id"] is None)
            or (not row_id and cells["title"] and cells["title"] != current["title"])
        )
        if starts_new:
            current = {"id_cell": row_id, "title": cells["title"], "first_row": row_no, "rows": [], "cells": []}
            cases.append(current)
        current["rows"].append(row_no)
        current["cells"].append(cells)
    seen: dict[str, int] = {}
    for case in cases:
        if case["id_cell"] and case["id_cell"] in seen:
            result.warnings.append(
                f"{where.file}: {where.label} row {case['first_row']}: ID {case['id_cell']} was already used at row "
                f"{seen[case['id_cell']]}; read as another test case with the same id"
            )
        seen.setdefault(case["id_cell"], case["first_row"])
    added = 0
    for case in cases:
        requirement = _case_to_requirement(case, where, result)
        if requirement is not None:
            result.requirements.append(requirement)
            added += 1
    return added


C_FIELDS = (
    "id", "feature", "title", "description", "given", "method", "path", "headers", "query", "body",
    "expected_status", "expected_body", "checks", "save", "tags", "auth",
)


def _case_to_requirement(case: dict, where: TableSource, result: ReadResult) -> Requirement | None:
    first = case["cells"][0]
    description = first["description"]
    title = first["title"] or (description.split(". ")[0][:120] if description else "") or case["id_cell"] \
        or f"row {case['first_row']}"
    group = first["feature"] or where.group
    rid = case["id_cell"] and clean_id(case["id_cell"])
    if not rid:
        rid = find_id(title) or stable_id("TC", where.file.rsplit("/", 1)[-1], where.label, group, title)
    rows = []
    prose: list[str] = []
    tags: list[str] = []
    for row_no, cells in zip(case["rows"], case["cells"], strict=True):
        place = f"{where.label} row {row_no}"
        try:
            tags += [t for t in C.parse_tags(cells["tags"]) if t not in tags]
            given = C.lines(cells["given"])
            if cells["method"] or cells["path"]:
                rows.append(C.build_row(cells, f"{where.file} {place}", given))
            else:
                prose += given + [v for k in ("body", "expected_body", "checks") if (v := cells[k])]
        except C.CellError as exc:
            result.error(f"{exc} (test case {rid} skipped)", place)
            return None
    text_parts = [title, description] + [line for cells in case["cells"] for line in C.lines(cells["given"])]
    if not rows and not prose and not first["title"] and not description:
        return None
    source = f"{where.file} {where.label} row {case['first_row']}"
    return Requirement(
        id=rid,
        title=title,
        text="\n".join(dict.fromkeys(p for p in text_parts + prose if p)),
        acceptance_criteria=prose,
        source=source,
        rows=rows,
        group=group,
        kind="sheet",
        tags=tags,
    )
