"""Word, Markdown, text and PDF requirements: ids, acceptance criteria, tables of
test cases, stable ids for documents without ids, and unreadable files."""

from __future__ import annotations

from pathlib import Path

import docx

from tasks.requirements import read_requirements


def make_srs(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Shop SRS", level=0)
    document.add_heading("1 Scope", level=1)
    document.add_paragraph("Introductory text that is not a requirement.")
    document.add_heading("2 Requirements", level=1)
    document.add_heading("REQ-12 Create an order", level=2)
    document.add_paragraph("The system shall create an order for an existing user.")
    document.add_paragraph("Acceptance criteria:")
    document.add_paragraph("An order without items is refused with 422", style="List Number")
    document.add_paragraph("The total is computed by the server", style="List Number")
    document.add_paragraph("FR-3.1: Orders can be listed per user. The list is paged.")
    document.add_paragraph("SRS-001 Shipping is asynchronous.", style="List Bullet")
    document.add_heading("3 Test cases", level=1)
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["번호", "제목", "메서드", "경로"], strict=True):
        cell.text = text
    row = table.add_row().cells
    for cell, text in zip(row, ["T-1", "헬스 체크", "GET", "/health"], strict=True):
        cell.text = text
    document.save(path)
    return path


def test_docx_ids_criteria_and_test_case_tables(tmp_path: Path) -> None:
    result = read_requirements(make_srs(tmp_path / "srs.docx"))
    assert result.errors == []
    by_id = {r.id: r for r in result.requirements}
    assert set(by_id) == {"REQ-12", "FR-3.1", "SRS-001", "T-1"}
    order = by_id["REQ-12"]
    assert order.title == "Create an order"
    assert "create an order for an existing user" in order.text
    assert order.acceptance_criteria == ["An order without items is refused with 422", "The total is computed by the server"]
    assert "REQ-12 Create an order" in order.source and order.kind == "document" and not order.executable
    assert by_id["FR-3.1"].title == "Orders can be listed per user"
    assert by_id["SRS-001"].text == "Shipping is asynchronous."
    table_case = by_id["T-1"]
    assert table_case.executable and table_case.rows[0].path == "/health" and "table 1" in table_case.source


def test_markdown_without_ids_gets_stable_ids_from_headings(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\n## Login\n\nUsers log in with email and password.\n\n## Logout\n\nSessions end.\n")
    first = {r.title: r.id for r in read_requirements(path).requirements}
    path.write_text("# Notes\n\n## Signup\n\nNew users sign up.\n\n## Login\n\nUsers log in with email and password.\n\n"
                    "## Logout\n\nSessions end.\n")
    second = {r.title: r.id for r in read_requirements(path).requirements}
    assert first["Login"] == second["Login"] and first["Logout"] == second["Logout"]
    assert set(second) == {"Signup", "Login", "Logout"}  # a heading without text is no requirement
    assert first["Login"].startswith("DOC-login-")


def test_markdown_criteria_with_steps_tables_and_doc_strings(tmp_path: Path) -> None:
    path = tmp_path / "api.md"
    path.write_text(
        "# API\n\n## REQ-5 Create\n\nCreating works.\n\n"
        "```gherkin\n"
        'When I send a POST request to "/users" with body:\n'
        '  """json\n  {"name": "Ann"}\n  """\n'
        "Then the response status should be 201\n"
        "```\n"
    )
    requirement = read_requirements(path).requirements[0]
    assert requirement.id == "REQ-5"
    assert requirement.acceptance_criteria[0].startswith('When I send a POST request to "/users" with body:\n"""')
    assert requirement.acceptance_criteria[1] == "Then the response status should be 201"


def test_text_and_pdf(tmp_path: Path) -> None:
    from fpdf import FPDF

    text = tmp_path / "reqs.txt"
    text.write_text("REQ-1: The API answers health checks.\n\nREQ-2: Unknown users get 404.\n")
    assert [r.id for r in read_requirements(text).requirements] == ["REQ-1", "REQ-2"]

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in ("REQ-7: Users can be deleted by an admin.", "", "REQ-8: Deleting a user removes their orders."):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "reqs.pdf"))
    result = read_requirements(tmp_path / "reqs.pdf")
    assert result.errors == []
    assert {r.id for r in result.requirements} == {"REQ-7", "REQ-8"}


def test_corrupt_docx_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04broken")
    result = read_requirements(path)
    assert result.requirements == [] and str(path) in str(result.errors[0])
