"""reStructuredText: section titles by their adornments, lists, literal blocks, grid tables.

RST has no fixed heading levels: the first adornment style met is level 1, the
next new one level 2, and so on (an overlined style differs from the same
character underlined only). Directives and literal blocks stay as text.
"""

from __future__ import annotations

import re

from tasks.documents.builder import DocumentBuilder

ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
LIST_ITEM = re.compile(r"^(\s*)([-*+•]|#\.|\d{1,9}[.)]|\(\d{1,9}\))[ \t]+(.*)$")
GRID_BORDER = re.compile(r"^\s*\+[-=+:]+\+\s*$")
SIMPLE_TABLE_BORDER = re.compile(r"^\s*=+(\s+=+)+\s*$")


def _adornment(line: str) -> str | None:
    match = ADORNMENT.match(line)
    return match.group(1) if match else None


def _grid_rows(block: list[str]) -> list[list[str]]:
    """Rows of a grid table; the lines between two borders make one row."""
    rows: list[list[str]] = []
    current: list[list[str]] = []
    for line in block:
        if GRID_BORDER.match(line):
            if current:
                rows.append([" ".join(" ".join(parts).split()) for parts in zip(*current, strict=False)])
                current = []
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        current.append(cells)
    if current:
        rows.append([" ".join(" ".join(parts).split()) for parts in zip(*current, strict=False)])
    return rows


def _simple_rows(block: list[str]) -> list[list[str]]:
    """Rows of a simple table: column spans come from the first === border."""
    border = block[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    rows = []
    for line in block[1:]:
        if SIMPLE_TABLE_BORDER.match(line) or not line.strip():
            continue
        cells = []
        for number, (start, _end) in enumerate(spans):
            stop = spans[number + 1][0] if number + 1 < len(spans) else len(line)
            cells.append(line[start:stop].strip())
        rows.append(cells)
    return rows


def read_rst(text: str, builder: DocumentBuilder) -> None:
    """Feeds the builder the blocks of a reStructuredText document."""
    lines = text.split("\n")
    styles: list[tuple[str, bool]] = []
    paragraph: list[str] = []
    count = len(lines)
    auto_number = 0  # the running number of `#.` items

    def level_of(char: str, overlined: bool) -> int:
        if (char, overlined) not in styles:
            styles.append((char, overlined))
        return styles.index((char, overlined)) + 1

    def flush() -> bool:
        """Writes the pending paragraph; True when it announces a literal block (`::`)."""
        if not paragraph:
            return False
        joined = "\n".join(line.strip() for line in paragraph)
        paragraph.clear()
        literal = joined.endswith("::")
        if literal:
            head = joined[:-2]
            joined = head.rstrip() if not head or head[-1].isspace() else head + ":"
        builder.paragraph(joined)
        return literal

    index = 0
    while index < count:
        line = lines[index]
        char = _adornment(line)
        # Overline + title + underline.
        if char and index + 2 < count and lines[index + 1].strip() \
                and _adornment(lines[index + 2]) == char:
            flush()
            builder.end_list()
            builder.heading(level_of(char, True), lines[index + 1].strip())
            index += 3
            continue
        # Title + underline at least as long as the title.
        if line.strip() and not char and index + 1 < count and not paragraph:
            under = _adornment(lines[index + 1])
            if under and not line.startswith((" ", "\t")):
                flush()
                builder.end_list()
                builder.heading(level_of(under, False), line.strip())
                index += 2
                continue
        if GRID_BORDER.match(line) or SIMPLE_TABLE_BORDER.match(line):
            flush()
            builder.end_list()
            block = [line]
            index += 1
            grid = bool(GRID_BORDER.match(line))
            while index < count and lines[index].strip():
                block.append(lines[index])
                index += 1
            builder.table(_grid_rows(block) if grid else _simple_rows(block))
            continue
        if not line.strip():
            if index + 1 < count and not LIST_ITEM.match(lines[index + 1]):
                auto_number = 0
            literal = flush()
            index += 1
            if literal:
                index = _literal_block(lines, index, builder)
            continue
        if char:  # a transition
            flush()
            builder.end_list()
            index += 1
            continue
        listed = LIST_ITEM.match(line)
        if listed and not paragraph:
            marker = listed.group(2)
            marker = "-" if marker in "-*+•" else marker.strip("()").rstrip(".)") + "."
            depth = len(listed.group(1).expandtabs(4)) // 2
            text_lines = [listed.group(3).strip()]
            index += 1
            indent = len(listed.group(1)) + len(listed.group(2)) + 1
            while index < count and lines[index].strip() and not LIST_ITEM.match(lines[index]) \
                    and len(lines[index]) - len(lines[index].lstrip()) >= indent:
                text_lines.append(lines[index].strip())
                index += 1
            if marker == "#.":
                auto_number += 1
                marker = f"{auto_number}."
            builder.list_item(" ".join(text_lines), marker=marker, depth=depth)
            continue
        auto_number = 0
        if line.lstrip().startswith(".. ") and not paragraph:
            flush()
            builder.end_list()
            block = [line.rstrip()]
            index += 1
            while index < count and (not lines[index].strip() or lines[index].startswith((" ", "\t"))):
                block.append(lines[index].rstrip())
                index += 1
            directive = "\n".join(block).strip()
            if not directive.startswith(".. _") and not directive.startswith(".. |"):
                builder.code(directive)
            continue
        paragraph.append(line)
        index += 1
    flush()


def _literal_block(lines: list[str], index: int, builder: DocumentBuilder) -> int:
    """An indented literal block after `::`, kept verbatim."""
    block: list[str] = []
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith((" ", "\t"))):
        block.append(lines[index].rstrip())
        index += 1
    if any(line.strip() for line in block):
        builder.code("\n".join(block).strip("\n"))
    return index
