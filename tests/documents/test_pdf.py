"""PDF: page text, headings by font size, simple tables, encrypted and corrupt files."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfWriter

from tasks.documents import DocumentError, extract
from tests.documents.offsets import assert_consistent

BODY = ("Orders are created with POST /orders. The body names the user and at least one "
        "item; each item has a SKU, a quantity between 1 and 1000 and a price that is not "
        "negative. The total is computed by the service, never sent by the client.")


def make_guide(path: Path) -> Path:
    pdf = FPDF()
    pdf.set_title("Orders guide")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, "Orders guide", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Creating orders", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, BODY, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.multi_cell(0, 6, "REQ-7 An order for an unknown user is rejected with 422.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Order status", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(col_widths=(40, 40, 100)) as table:
        for values in (("Status", "Next", "Meaning"), ("pending", "shipping", "created, not shipped"),
                       ("shipping", "shipped", "on its way"), ("shipped", "-", "delivered")):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Deleting orders", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "DELETE /orders/{id} answers 204 and the order is gone.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for item in ("1. Delete the order.", "2. Read it back: the answer is 404 Not Found, and the "
                 "order is not listed for its user any more, whatever its status was."):
        pdf.multi_cell(0, 6, item, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 6, "- deleting twice answers 404", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_pdf_headings_paragraphs_tables_and_pages(tmp_path: Path) -> None:
    doc = extract(make_guide(tmp_path / "guide.pdf"))
    assert doc.format == "pdf"
    assert doc.warnings == []
    assert doc.headings() == [
        ["Orders guide", "Creating orders"],
        ["Orders guide", "Order status"],
        ["Orders guide", "Deleting orders"],
    ]
    creating = doc.sections[0]
    assert creating.level == 2
    paragraphs = creating.text.split("\n\n")
    assert len(paragraphs) == 2
    assert " ".join(paragraphs[0].split()) == BODY
    assert paragraphs[1] == "REQ-7 An order for an unknown user is rejected with 422."
    assert doc.tables[0].rows == [
        ["Status", "Next", "Meaning"],
        ["pending", "shipping", "created, not shipped"],
        ["shipping", "shipped", "on its way"],
        ["shipped", "-", "delivered"],
    ]
    assert doc.tables[0].heading_path == ["Orders guide", "Order status"]
    assert len(doc.pages) == 2
    start, end = doc.pages[1]
    assert doc.text[start:end].startswith(
        "## Deleting orders\n\nDELETE /orders/{id} answers 204 and the order is gone.\n\n")
    steps = [s for s in doc.sections if s.kind == "list"]
    assert [s.text for s in steps] == [
        "1. Delete the order.\n2. Read it back: the answer is 404 Not Found, and the order is not "
        "listed for its user any more, whatever its status was.\n- deleting twice answers 404"
    ]
    assert doc.text[start:end].endswith("- deleting twice answers 404")
    assert_consistent(doc)


def test_password_protected_pdf_is_a_document_error_naming_the_file(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=make_guide(tmp_path / "guide.pdf"))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-256")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(DocumentError) as caught:
        extract(locked)
    assert str(caught.value) == f"{locked}: password-protected PDF"


def test_pdf_with_an_empty_user_password_opens(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=make_guide(tmp_path / "guide.pdf"))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    restricted = tmp_path / "restricted.pdf"
    with restricted.open("wb") as handle:
        writer.write(handle)
    assert "Order status" in extract(restricted).text


def test_corrupt_pdf_is_a_document_error_naming_the_file(tmp_path: Path) -> None:
    good = make_guide(tmp_path / "guide.pdf").read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(good[:400])
    with pytest.raises(DocumentError, match=r"broken\.pdf: "):
        extract(broken)
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"this is not a pdf at all\n" * 20)
    with pytest.raises(DocumentError, match=r"garbage\.pdf: corrupt PDF"):
        extract(garbage)


def test_a_pdf_without_a_text_layer_says_so(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # a drawing only, as a scan would be an image
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    doc = extract(path)
    assert doc.sections == []
    assert doc.warnings == [f"{path}: 1 of 1 page(s) have no text layer (scanned?)"]


class _Report(FPDF):
    """A report with a running header and a page-number footer on every page."""

    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, "Demo API - internal", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, f"Page {self.page_no()} of 4", align="C")


def test_running_headers_and_footers_are_dropped_and_wrapped_headings_joined(tmp_path: Path) -> None:
    pdf = _Report()
    for number in range(1, 5):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        title = (f"Chapter {number}: what the demo API does with orders that are shipped, "
                 "deleted or never paid for")
        pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")  # wraps over two lines
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, f"Body text of chapter {number}. " * 5, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "report.pdf"
    pdf.output(str(path))
    doc = extract(path)
    assert "Demo API - internal" not in doc.text
    assert "Page 2 of 4" not in doc.text
    assert [path[-1] for path in doc.headings()] == [
        f"Chapter {n}: what the demo API does with orders that are shipped, deleted or never paid for"
        for n in range(1, 5)
    ]
    assert all(s.text.startswith("Body text of chapter") for s in doc.sections)
    assert_consistent(doc)


def test_two_page_documents_keep_their_first_lines(tmp_path: Path) -> None:
    pdf = _Report()
    for _ in range(2):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, "Same opening line on both pages.", new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "short.pdf"
    pdf.output(str(path))
    assert extract(path).text.count("Demo API - internal") == 2  # too few pages to call it a header


def test_a_two_column_page_reads_column_by_column_not_as_a_table(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Release overview", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    left = " ".join(f"Left sentence {i} is about orders and users." for i in range(80))
    right = " ".join(f"Right sentence {i} is about tokens and pages." for i in range(60))
    with pdf.text_columns(ncols=2, gutter=10) as columns:
        columns.write(text=left + "\n\n" + right)
    path = tmp_path / "columns.pdf"
    pdf.output(str(path))
    doc = extract(path)
    assert doc.tables == []
    assert doc.headings() == [["Release overview"]]
    flat = " ".join(doc.text.split())
    order = [flat.index(f"Left sentence {i} ") for i in range(80)]
    assert order == sorted(order)  # the left column is read top to bottom, whole
    assert flat.index("Left sentence 79 ") < flat.index("Right sentence 0 ")
