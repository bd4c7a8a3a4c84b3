"""Word (.docx) with python-docx: heading styles, lists, paragraphs and tables in order.

Headings come from the paragraph style ("Title", "Heading N") or, for custom
styles, from the outline level Word uses for its navigation pane. List items
come from numbering (w:numPr on the paragraph or its style): the numbering part
says whether a level is bulleted or numbered, and items are numbered here as
Word would show them ("1.", "2.", "a."). Tables are read in document order with
merged cells repeated into every grid position they cover.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from tasks.documents.archive import check_package
from tasks.documents.builder import DocumentBuilder
from tasks.documents.errors import DocumentError
from tasks.documents.sheets import _encrypted_or_corrupt

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
LIST_STYLE = re.compile(r"^list\s+(bullet|number|continue)(?:\s+([2-9]))?$", re.IGNORECASE)


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _val(element, path: str) -> str | None:
    found = element.find(path, {"w": W}) if element is not None else None
    return found.get(_q("val")) if found is not None else None


def _letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(97 + remainder) + letters
    return letters


def _roman(number: int) -> str:
    numerals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out


# w:numFmt -> how the item number is written; formats not listed are written as decimals.
NUMBER_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}
UNNUMBERED_FORMATS = frozenset({"bullet", "none"})
LEVEL_PLACEHOLDER = re.compile(r"%([1-9])")


class _Styles:
    """Paragraph styles by id: name, outline level and numbering, following basedOn."""

    def __init__(self, document) -> None:
        self.by_id: dict[str, dict] = {}
        try:
            root = document.styles.element
        except Exception:
            return
        for style in root.iterfind("w:style", {"w": W}):
            style_id = style.get(_q("styleId"))
            if not style_id:
                continue
            num_id = _val(style, "w:pPr/w:numPr/w:numId")
            ilvl = _val(style, "w:pPr/w:numPr/w:ilvl")
            outline = _val(style, "w:pPr/w:outlineLvl")
            self.by_id[style_id] = {
                "name": _val(style, "w:name") or style_id,
                "based_on": _val(style, "w:basedOn"),
                "num": (num_id, ilvl) if num_id is not None else None,
                "outline": int(outline) if outline and outline.isdigit() else None,
            }

    def name(self, style_id: str | None) -> str:
        return self.by_id.get(style_id or "", {}).get("name", style_id or "")

    def inherited(self, style_id: str | None, key: str):
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            value = self.by_id[style_id][key]
            if value is not None:
                return value
            style_id = self.by_id[style_id]["based_on"]
        return None


class _Level(NamedTuple):
    fmt: str      # w:numFmt: decimal, lowerLetter, bullet, none, ...
    start: int    # w:start
    text: str     # w:lvlText, e.g. "%1.%2" or "%1)"
    style: str | None  # w:pStyle: the paragraph style this level belongs to (headings)


def _parse_level(level, ilvl: int) -> _Level:
    start = _val(level, "w:start")
    text = _val(level, "w:lvlText")
    return _Level(
        fmt=_val(level, "w:numFmt") or "decimal",
        start=int(start) if start and start.lstrip("-").isdigit() else 1,
        text=text if text is not None else f"%{ilvl + 1}.",
        style=_val(level, "w:pStyle"),
    )


class _Numbering:
    """Renders list and heading numbers as Word shows them ("3.", "b)", "2.1"), keeping
    Word's running counters: one per list, continued by every w:num that shares its
    abstract definition unless the w:num restarts it with a start override."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}
        self.key_of: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str, dict[int, _Level]] = {}
        for definition in root.iterfind("w:abstractNum", {"w": W}):
            levels = {}
            for level in definition.iterfind("w:lvl", {"w": W}):
                ilvl = int(level.get(_q("ilvl"), "0"))
                levels[ilvl] = _parse_level(level, ilvl)
            abstract[definition.get(_q("abstractNumId"), "")] = levels
        for num in root.iterfind("w:num", {"w": W}):
            num_id = num.get(_q("numId"), "")
            abstract_id = _val(num, "w:abstractNumId") or ""
            levels = dict(abstract.get(abstract_id, {}))
            restarted = False
            for override in num.iterfind("w:lvlOverride", {"w": W}):
                ilvl = int(override.get(_q("ilvl"), "0"))
                replacement = override.find(_q("lvl"))
                if replacement is not None:
                    levels[ilvl] = _parse_level(replacement, ilvl)
                    restarted = True
                start = _val(override, "w:startOverride")
                if start and start.isdigit():
                    base = levels.get(ilvl, _Level("decimal", 1, f"%{ilvl + 1}.", None))
                    levels[ilvl] = base._replace(start=int(start))
                    restarted = True
            self.levels[num_id] = levels
            self.key_of[num_id] = num_id if restarted else f"abstract:{abstract_id}"

    def level_of_style(self, num_id: str, style_id: str | None) -> int | None:
        """The level a heading style is linked to in a multilevel list, if any."""
        for ilvl, level in self.levels.get(num_id, {}).items():
            if style_id and level.style == style_id:
                return ilvl
        return None

    def number(self, num_id: str, ilvl: int, style_name: str) -> str | None:
        """The item's number or marker ("-" for bullets), or None when there is none."""
        if num_id == "0":
            return None
        levels = self.levels.get(num_id)
        if not levels:  # no numbering part, or an unknown list: trust the style's name
            fmt = "decimal" if "number" in style_name.lower() else "bullet"
            levels = {ilvl: _Level(fmt, 1, f"%{ilvl + 1}.", None)}
        level = levels.get(ilvl) or _Level("decimal", 1, f"%{ilvl + 1}.", None)
        if level.fmt == "bullet":
            return "-"
        if level.fmt == "none":
            return None
        counters = self.counters.setdefault(self.key_of.get(num_id, num_id), [])
        while len(counters) <= ilvl:
            counters.append(0)
        counters[ilvl] += 1
        del counters[ilvl + 1:]

        def render(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            at = levels.get(index) or level
            if at.fmt in UNNUMBERED_FORMATS:
                return ""
            value = at.start + counters[index] - 1 if index < len(counters) and counters[index] else at.start
            return NUMBER_FORMATS.get(at.fmt, str)(value)

        return LEVEL_PLACEHOLDER.sub(render, level.text).strip() or None


def _blocks(parent) -> Iterator:
    """Paragraphs and tables of the body in document order, looking inside content controls."""
    for child in parent.iterchildren():
        if child.tag in (_q("p"), _q("tbl")):
            yield child
        elif child.tag == _q("sdt"):
            content = child.find(_q("sdtContent"))
            if content is not None:
                yield from _blocks(content)
        elif child.tag in (_q("ins"), _q("customXml")):
            yield from _blocks(child)


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Elements whose text is not the paragraph's own: the fallback copy of alternate
# content (it repeats the choice), text boxes (floating, out of reading order),
# deleted revisions, and footnote/comment references.
SKIPPED_SUBTREES = frozenset({
    f"{{{MC}}}Fallback", _q("txbxContent"), _q("del"), _q("moveFrom"), _q("pPr"), _q("rPr"),
})
TEXT_OF_TAG = {_q("tab"): "\t", _q("br"): "\n", _q("cr"): "\n", _q("noBreakHyphen"): "-"}


def paragraph_text(element) -> str:
    """The visible text of a w:p as Word shows it with changes accepted: inserted runs
    included (python-docx's Paragraph.text leaves out runs inside w:ins), deleted ones not."""
    parts: list[str] = []

    def visit(node) -> None:
        for child in node:
            tag = child.tag
            if tag == _q("t"):
                parts.append(child.text or "")
            elif tag in TEXT_OF_TAG:
                parts.append(TEXT_OF_TAG[tag])
            elif tag not in SKIPPED_SUBTREES and isinstance(tag, str):
                visit(child)

    visit(element)
    return "".join(parts)


def _cell_text(cell) -> str:
    """A cell's paragraphs, one per line (nested tables' paragraphs included)."""
    return "\n".join(paragraph_text(p) for p in cell._tc.iter(_q("p"))).strip()


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        before = getattr(row, "grid_cols_before", 0) or 0
        after = getattr(row, "grid_cols_after", 0) or 0
        cells = [""] * before + [_cell_text(cell) for cell in row.cells] + [""] * after
        rows.append(cells)
    return rows


def read_docx(path: Path, data: bytes, builder: DocumentBuilder) -> None:
    """Feeds the builder the headings, paragraphs, list items and tables of a .docx."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table as DocxTable

    check_package(path, data, "docx")  # sizes and ratios first: nothing inflates a bomb
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile) as exc:
        raise _encrypted_or_corrupt(path, data, "docx") from exc
    except (KeyError, ValueError) as exc:
        raise DocumentError(path, f"corrupt docx: {exc}") from exc
    styles = _Styles(document)
    numbering = _Numbering(document)
    for element in _blocks(document.element.body):
        if element.tag == _q("tbl"):
            builder.table(_table_rows(DocxTable(element, document)))
            continue
        text = paragraph_text(element).strip()
        if not text:
            continue
        style_id = _val(element, "w:pPr/w:pStyle")
        style_name = styles.name(style_id) if style_id else "Normal"
        num_id, ilvl = _numbering_of(element, style_id, styles)
        level = _heading_level(element, style_id, style_name, styles)
        if level is not None:
            if num_id is not None and level > 0:  # numbered headings: "2.1 Orders"
                if ilvl is None:
                    ilvl = numbering.level_of_style(num_id, style_id) or 0
                number = numbering.number(num_id, ilvl, style_name)
                if number and number != "-":
                    text = f"{number} {text}"
            builder.heading(level, text)
            continue
        list_style = LIST_STYLE.match(style_name)
        if num_id is not None or list_style:
            # "List Bullet 2" nests by its indent, with a list of its own at level 0.
            style_depth = int(list_style.group(2)) - 1 if list_style and list_style.group(2) else 0
            marker = numbering.number(num_id if num_id is not None else f"style:{style_name}",
                                      ilvl or 0, style_name)
            if marker is not None and not (list_style and list_style.group(1).lower() == "continue"):
                builder.list_item(text, marker=marker, depth=ilvl if ilvl else style_depth)
                continue
        builder.paragraph(text)


def _numbering_of(element, style_id: str | None, styles: _Styles) -> tuple[str | None, int | None]:
    """(numId, ilvl) of a paragraph, from its own properties or its style's."""
    num_id = _val(element, "w:pPr/w:numPr/w:numId")
    ilvl = _val(element, "w:pPr/w:numPr/w:ilvl")
    if num_id is None:
        inherited = styles.inherited(style_id, "num")
        if inherited:
            num_id, ilvl = inherited
    return num_id, int(ilvl) if ilvl is not None and ilvl.isdigit() else None


def _heading_level(element, style_id: str | None, style_name: str, styles: _Styles) -> int | None:
    """0 for a Title, N for Heading N, else the outline level (custom heading styles)."""
    if style_name.lower() == "title":
        return 0
    heading = HEADING_STYLE.match(style_name)
    if heading:
        return int(heading.group(1))
    outline = _val(element, "w:pPr/w:outlineLvl")
    level = int(outline) if outline and outline.isdigit() else styles.inherited(style_id, "outline")
    return level + 1 if level is not None and level < 9 else None
