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


class _Numbering:
    """Resolves (numId, ilvl) to a format and keeps Word's running counters."""

    def __init__(self, document) -> None:
        self.formats: dict[tuple[str, int], tuple[str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        self.abstract_of: dict[str, str] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, int]]] = {}
        for definition in root.iterfind("w:abstractNum", {"w": W}):
            levels = {}
            for level in definition.iterfind("w:lvl", {"w": W}):
                ilvl = int(level.get(_q("ilvl"), "0"))
                start = _val(level, "w:start")
                levels[ilvl] = (_val(level, "w:numFmt") or "decimal",
                                int(start) if start and start.lstrip("-").isdigit() else 1)
            abstract[definition.get(_q("abstractNumId"), "")] = levels
        for num in root.iterfind("w:num", {"w": W}):
            num_id = num.get(_q("numId"), "")
            abstract_id = _val(num, "w:abstractNumId") or ""
            self.abstract_of[num_id] = abstract_id
            for ilvl, (fmt, start) in abstract.get(abstract_id, {}).items():
                self.formats[(num_id, ilvl)] = (fmt, start)
            for override in num.iterfind("w:lvlOverride", {"w": W}):
                ilvl = int(override.get(_q("ilvl"), "0"))
                start = _val(override, "w:startOverride")
                if start and start.isdigit() and (num_id, ilvl) in self.formats:
                    self.formats[(num_id, ilvl)] = (self.formats[(num_id, ilvl)][0], int(start))

    def marker(self, num_id: str, ilvl: int, style_name: str) -> str | None:
        """The item's marker ("-", "3.", "b."), or None when the numbering is switched off."""
        if num_id == "0":
            return None
        fmt, start = self.formats.get((num_id, ilvl), (None, 1))
        if fmt is None:  # no numbering part: trust the style's name
            fmt = "decimal" if "number" in style_name.lower() else "bullet"
        if fmt in UNNUMBERED_FORMATS:
            return "-"
        # Word counts per abstract list, so two w:num sharing one definition continue.
        key = self.abstract_of.get(num_id, num_id)
        counters = self.counters.setdefault(key, [])
        while len(counters) <= ilvl:
            counters.append(0)
        counters[ilvl] += 1
        del counters[ilvl + 1:]
        number = start + counters[ilvl] - 1
        return NUMBER_FORMATS.get(fmt, str)(number) + "."


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
        heading = HEADING_STYLE.match(style_name)
        if style_name.lower() == "title":
            builder.heading(0, text)
            continue
        if heading:
            builder.heading(int(heading.group(1)), text)
            continue
        outline = _val(element, "w:pPr/w:outlineLvl")
        outline_level = int(outline) if outline and outline.isdigit() else styles.inherited(style_id, "outline")
        if outline_level is not None and outline_level < 9:
            builder.heading(outline_level + 1, text)
            continue
        num_id = _val(element, "w:pPr/w:numPr/w:numId")
        ilvl_text = _val(element, "w:pPr/w:numPr/w:ilvl")
        if num_id is None:
            inherited = styles.inherited(style_id, "num")
            if inherited:
                num_id, ilvl_text = inherited
        list_style = LIST_STYLE.match(style_name)
        if num_id is not None or list_style:
            ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else 0
            if list_style and list_style.group(2) and not ilvl:
                ilvl = int(list_style.group(2)) - 1
            if num_id is not None:
                marker = numbering.marker(num_id, ilvl, style_name)
            else:
                marker = numbering.marker(f"style:{style_name}", ilvl, style_name)
            if marker is not None and not (list_style and list_style.group(1).lower() == "continue"):
                builder.list_item(text, marker=marker, depth=ilvl)
                continue
        builder.paragraph(text)
