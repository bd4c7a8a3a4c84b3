"""Word, Markdown, text and PDF documents -> requirements, through tasks/documents.

Extraction (headings, paragraphs, lists, tables) is the documents layer's job;
this module only decides where a requirement starts and what belongs to it:

- a heading or a paragraph/list item that starts with an id (REQ-12, FR-3.1,
  SRS-001) starts a requirement; the list items and Given/When/Then lines
  after it are its acceptance criteria;
- in a document with no ids at all, each headed section is a requirement with
  a stable id derived from its heading path;
- a table whose header names test-case columns is read like a sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tasks.requirements.columns import header_map, is_header
from tasks.requirements.ids import ID_PATTERN, find_id, stable_id
from tasks.requirements.model import ReadResult, Requirement, RequirementError
from tasks.requirements.table import TableSource, read_table

_LEADING_ID = re.compile(r"^\s*[\[(]?" + ID_PATTERN.pattern + r"[\])]?\s*[:.)\-–—]?\s*", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)]|[a-z][.)]|\(\w+\))\s+")
_GHERKIN = re.compile(r"^\s*(?:Given|When|Then|And|But)\s", re.I)
_CRITERIA_HEADING = re.compile(r"acceptance|criteria|인수\s*조건|수용\s*기준|완료\s*조건|검증\s*기준", re.I)


@dataclass
class _Draft:
    id: str
    title: str
    heading_path: list[str]
    text: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    collecting_criteria: bool = False


def _items(kind: str, text: str) -> list[str]:
    """A section's text -> paragraphs or list items (bullets and numbering removed)."""
    if kind == "list":
        items: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            if _BULLET.match(line) or not items:
                items.append(_BULLET.sub("", line, count=1).strip())
            else:
                items[-1] += " " + line.strip()
        return items
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("```")]
        if not lines:
            continue
        steps = _gherkin_steps(lines)
        if steps:
            blocks += steps
        elif all(_BULLET.match(ln) for ln in lines):
            blocks += [_BULLET.sub("", ln, count=1) for ln in lines]
        else:
            blocks.append(" ".join(lines))
    return blocks


def _gherkin_steps(lines: list[str]) -> list[str] | None:
    """Given/When/Then lines with their tables and doc strings, one item per step; else None."""
    if not lines or not _GHERKIN.match(lines[0]):
        return None
    steps: list[str] = []
    in_doc = False
    for line in lines:
        if line.startswith('"""'):
            in_doc = not in_doc
            steps[-1] += "\n" + line
        elif in_doc or line.startswith("|"):
            steps[-1] += "\n" + line
        elif _GHERKIN.match(line):
            steps.append(line)
        else:
            return None
    return steps


def _title(text: str) -> str:
    first = re.split(r"(?<=[.!?。])\s", text.strip(), maxsplit=1)[0]
    return first[:120].rstrip(" .:") or text[:120]


def requirements_from_document(document, result: ReadResult) -> None:  # document: tasks.documents.Document
    path = document.path
    stem = Path(path).stem
    has_ids = bool(ID_PATTERN.search(document.text))
    drafts: list[_Draft] = []
    current: _Draft | None = None
    last_path: list[str] | None = None
    for section in document.sections:
        if section.kind == "table":
            continue
        heading_path = list(section.heading_path)
        heading = heading_path[-1] if heading_path else ""
        if heading_path != last_path:
            last_path = heading_path
            heading_id = find_id(heading)
            if heading_id and _LEADING_ID.match(heading):
                current = _Draft(heading_id, _LEADING_ID.sub("", heading, count=1) or heading, heading_path)
                drafts.append(current)
            elif current and heading_path[:-1] == current.heading_path and _CRITERIA_HEADING.search(heading):
                current.collecting_criteria = True
            elif not has_ids and heading_path:
                current = _Draft(stable_id("DOC", stem, *heading_path), heading, heading_path)
                drafts.append(current)
            elif current is not None and heading_path[: len(current.heading_path)] != current.heading_path:
                current = None
        for item in _items(section.kind, section.text):
            leading = _LEADING_ID.match(item)
            if leading:
                rest = item[leading.end():].strip() or item
                current = _Draft(find_id(item) or item, _title(rest), heading_path, text=[rest])
                drafts.append(current)
                continue
            if current is None:
                continue
            if _CRITERIA_HEADING.search(item) and item.rstrip().endswith(":"):
                current.collecting_criteria = True
            elif current.collecting_criteria or section.kind == "list" or _GHERKIN.match(item):
                current.criteria.append(item)
            else:
                current.text.append(item)
    seen: set[str] = set()
    for draft in drafts:
        if draft.id in seen:
            result.warnings.append(f"{path}: requirement id {draft.id} appears twice; the second is renamed")
            draft.id = stable_id(draft.id, stem, *draft.heading_path, draft.title)
        seen.add(draft.id)
        if not draft.text and not draft.criteria:
            continue
        group = draft.heading_path[0] if draft.heading_path else stem
        result.requirements.append(Requirement(
            id=draft.id,
            title=draft.title,
            text="\n".join(draft.text) or draft.title,
            acceptance_criteria=draft.criteria,
            source=f"{path} § {' > '.join(draft.heading_path) or 'top'}",
            group=group,
            kind="document",
        ))


def read_prose(path: Path) -> ReadResult:
    from tasks.documents import DocumentError, extract

    try:
        document = extract(path)
    except DocumentError as exc:
        raise RequirementError(str(exc)) from None
    result = ReadResult(path=str(path), warnings=list(document.warnings))
    for index, table in enumerate(document.tables, start=1):
        if not any(is_header(header_map(row)) for row in table.rows[:5]):
            continue
        heading = table.heading_path[-1] if table.heading_path else ""
        label = f"table {index}" + (f" under '{heading}'" if heading else "")
        group = table.heading_path[0] if table.heading_path else path.stem
        read_table(table.rows, TableSource(file=str(path), label=label, group=group), result, require_header=False)
    requirements_from_document(document, result)
    return result
