"""Word: Title and Heading styles, numbered and bulleted lists, tables in order, merged cells."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from tasks.documents import DocumentError, extract
from tests.documents.offsets import assert_consistent


def _outline(paragraph, level: int) -> None:
    """Give a paragraph an outline level directly, as custom heading styles do."""
    ppr = paragraph._p.get_or_add_pPr()
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    ppr.append(outline)


def make_srs(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Demo API - Software Requirements", 0)
    document.add_paragraph("Version 1.2, owned by the platform team.")
    document.add_heading("1 Users", 1)
    document.add_paragraph("REQ-1 The API shall create a user from a name and an email.")
    document.add_paragraph("REQ-2 The API shall reject a duplicate email with 409.")
    document.add_paragraph("Acceptance criteria:")
    document.add_paragraph("POST /users returns 201 and a Location header", style="List Number")
    document.add_paragraph("the email is stored in lower case", style="List Number")
    document.add_paragraph("a missing name gives 422", style="List Bullet")
    document.add_paragraph("the error names the field", style="List Bullet 2")
    document.add_heading("1.1 Validation", 2)
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for row, values in enumerate([
        ("Field", "Rule", "Rule"),
        ("name", "1-100 characters", "required"),
        ("email", "must contain @", "required"),
        ("age", "0-150", "optional"),
    ]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    header = table.cell(0, 1).merge(table.cell(0, 2))
    header.text = "Rule"
    required = table.cell(1, 2).merge(table.cell(2, 2))
    required.text = "required"
    document.add_paragraph("FR-3.1 Ages outside 0-150 are rejected.")
    custom = document.add_paragraph("2 Orders")
    _outline(custom, 0)  # a custom heading: outline level 0 = level 1
    run = document.add_paragraph("Orders belong to a user.").add_run()
    run.add_break(WD_BREAK.LINE)
    document.add_paragraph("create the order", style="List Number")
    document.add_paragraph("ship it", style="List Number")
    document.save(path)
    return path


def test_docx_headings_lists_and_tables_in_document_order(tmp_path: Path) -> None:
    doc = extract(make_srs(tmp_path / "srs.docx"))
    assert doc.format == "docx"
    title = "Demo API - Software Requirements"
    assert doc.headings() == [
        [title],
        [title, "1 Users"],
        [title, "1 Users", "1.1 Validation"],
        [title, "2 Orders"],
    ]
    assert doc.sections[0].text == "Version 1.2, owned by the platform team."
    assert doc.sections[0].level == 0
    users = doc.sections[1]
    assert users.heading_path == [title, "1 Users"] and users.level == 1
    assert users.text.split("\n\n") == [
        "REQ-1 The API shall create a user from a name and an email.",
        "REQ-2 The API shall reject a duplicate email with 409.",
        "Acceptance criteria:",
    ]
    assert doc.sections[2].kind == "list"
    assert doc.sections[2].text == (
        "1. POST /users returns 201 and a Location header\n"
        "2. the email is stored in lower case\n"
        "- a missing name gives 422\n"
        "  - the error names the field"
    )
    kinds = [(s.heading_path[-1], s.kind) for s in doc.sections]
    assert kinds[3:] == [("1.1 Validation", "table"), ("1.1 Validation", "text"),
                         ("2 Orders", "text"), ("2 Orders", "list")]
    assert doc.tables[0].rows == [
        ["Field", "Rule", "Rule"],
        ["name", "1-100 characters", "required"],
        ["email", "must contain @", "required"],
        ["age", "0-150", "optional"],
    ]
    assert doc.tables[0].heading_path == [title, "1 Users", "1.1 Validation"]
    assert doc.sections[3].text.startswith("Field | Rule | Rule\nname | 1-100 characters | required")
    # Numbering continues across the document as Word shows it (one List Number list).
    assert doc.sections[-1].text == "3. create the order\n4. ship it"
    assert_consistent(doc)


def test_numbering_restarts_per_list_definition(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Steps", 1)
    first = [document.add_paragraph(text) for text in ("a", "b")]
    document.add_paragraph("between")
    second = [document.add_paragraph(text) for text in ("c", "d")]
    numbering = document.part.numbering_part.element
    # Two w:num entries over two decimal abstract definitions: two lists, each from 1.
    for number, paragraphs in ((101, first), (102, second)):
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(number))
        level = OxmlElement("w:lvl")
        level.set(qn("w:ilvl"), "0")
        for tag, value in (("w:start", "1"), ("w:numFmt", "lowerLetter")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            level.append(child)
        abstract.append(level)
        numbering.insert(0, abstract)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(number))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(number))
        num.append(ref)
        numbering.append(num)
        for paragraph in paragraphs:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = number
    path = tmp_path / "steps.docx"
    document.save(path)
    doc = extract(path)
    assert [s.text for s in doc.sections] == ["a. a\nb. b", "between", "a. c\nb. d"]


def test_corrupt_and_encrypted_docx_name_the_file(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(make_srs(tmp_path / "ok.docx").read_bytes()[:2000])
    with pytest.raises(DocumentError, match=r"truncated\.docx: corrupt docx"):
        extract(truncated)
    encrypted = tmp_path / "locked.docx"
    # Office encrypts to an OLE compound file holding an "EncryptedPackage" stream.
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
                          + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    with pytest.raises(DocumentError, match=r"locked\.docx: password-protected docx"):
        extract(encrypted)
    not_word = tmp_path / "zip.docx"
    import zipfile

    with zipfile.ZipFile(not_word, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    with pytest.raises(DocumentError, match=r"zip\.docx: "):
        extract(not_word)


def _run(text: str, deleted: bool = False):
    run = OxmlElement("w:r")
    t = OxmlElement("w:delText" if deleted else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def test_tracked_changes_read_as_accepted_and_tabs_and_breaks_kept(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("REQ-20 Order limits", 1)
    paragraph = document.add_paragraph("An order holds at most ")
    deleted = OxmlElement("w:del")
    deleted.set(qn("w:id"), "1")
    deleted.set(qn("w:author"), "reviewer")
    deleted.append(_run("50", deleted=True))
    inserted = OxmlElement("w:ins")
    inserted.set(qn("w:id"), "2")
    inserted.set(qn("w:author"), "reviewer")
    inserted.append(_run("100"))
    paragraph._p.append(deleted)
    paragraph._p.append(inserted)
    paragraph._p.append(_run(" items."))
    cells = document.add_table(rows=1, cols=2).rows[0].cells
    cells[0].text = "limit"
    cells[1].paragraphs[0].add_run("100\tper order").add_break()
    cells[1].add_paragraph("(was 50)")
    path = tmp_path / "tracked.docx"
    document.save(path)
    doc = extract(path)
    assert doc.sections[0].text == "An order holds at most 100 items."
    assert doc.tables[0].rows == [["limit", "100\tper order\n\n(was 50)"]]
    assert doc.sections[1].text == "limit | 100 per order (was 50)"


def _abstract_num(number: int, levels: list[tuple[str, str, str | None]]):
    """w:abstractNum with one w:lvl per (numFmt, lvlText, pStyle)."""
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(number))
    for ilvl, (fmt, text, style) in enumerate(levels):
        level = OxmlElement("w:lvl")
        level.set(qn("w:ilvl"), str(ilvl))
        for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:pStyle", style), ("w:lvlText", text)):
            if value is not None:
                child = OxmlElement(tag)
                child.set(qn("w:val"), value)
                level.append(child)
        abstract.append(level)
    return abstract


def _num(number: int):
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(number))
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), str(number))
    num.append(ref)
    return num


def _number(element, num_id: int, ilvl: int | None) -> None:
    """Number a w:p or a w:style (both carry w:pPr/w:numPr)."""
    num_pr = element.get_or_add_pPr().get_or_add_numPr()
    if ilvl is not None:
        num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


def test_numbered_headings_and_multilevel_lists_render_word_numbers(tmp_path: Path) -> None:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, _abstract_num(201, [("decimal", "%1", "Heading1"), ("decimal", "%1.%2", "Heading2")]))
    numbering.insert(0, _abstract_num(202, [("decimal", "%1.", None), ("decimal", "%1.%2.", None),
                                            ("lowerRoman", "(%3)", None)]))
    numbering.append(_num(201))
    numbering.append(_num(202))
    # The multilevel heading list hangs off the heading styles, as Word's "1 / 1.1" lists do.
    for style_name in ("Heading 1", "Heading 2"):
        _number(document.styles[style_name].element, 201, None)
    document.add_heading("Introduction", 1)
    document.add_heading("Scope", 2)
    document.add_heading("Definitions", 2)
    document.add_heading("Orders", 1)
    document.add_heading("Creating orders", 2)
    for text, ilvl in (("validate", 0), ("items", 1), ("prices", 1), ("not negative", 2), ("store", 0)):
        _number(document.add_paragraph(text)._p, 202, ilvl)
    path = tmp_path / "numbered.docx"
    document.save(path)
    doc = extract(path)
    assert [s.heading_path for s in doc.sections] == [["2 Orders", "2.1 Creating orders"]]
    assert "# 1 Introduction\n\n## 1.1 Scope\n\n## 1.2 Definitions\n\n# 2 Orders" in doc.text
    assert doc.sections[0].text == "1. validate\n  1.1. items\n  1.2. prices\n    (i) not negative\n2. store"
