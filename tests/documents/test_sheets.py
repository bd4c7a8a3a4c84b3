"""Spreadsheets and CSV: a heading per sheet, text rows, Tables with source row numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from tasks.documents import DocumentError, extract
from tests.documents.offsets import assert_consistent


def make_cases(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Users"
    sheet.append(["Demo API test cases", None, None, None, None])
    sheet.append([])
    sheet.append(["ID", "Feature", "Method", "Path", "Expected Status", "Checks"])
    sheet.append(["TC-1", "Users", "POST", "/users", 201, "$.id exists\n$.role == \"member\""])
    sheet.append(["TC-2", None, "GET", "/users/1", 200.0, None])
    sheet.append(["TC-3", None, "DELETE", "/users/1", 204, None])
    sheet.merge_cells("B4:B6")  # one feature over three rows
    orders = workbook.create_sheet("Orders | 주문")
    orders.append(["번호", "제목", "메서드", "작성일", "활성"])
    orders.append(["TC-10", "주문 생성", "POST", dt.datetime(2026, 11, 20), True])
    orders.append(["TC-11", "합계 계산", "GET", dt.datetime(2026, 11, 21, 9, 30), False])
    orders["F2"] = "=1+1"  # a formula with no cached value (never opened in Excel)
    workbook.create_sheet("Empty")
    workbook.save(path)
    return path


def test_xlsx_every_sheet_merged_cells_and_row_numbers(tmp_path: Path) -> None:
    path = make_cases(tmp_path / "cases.xlsx")
    doc = extract(path)
    assert doc.format == "xlsx"
    assert doc.headings() == [["Users"], ["Orders | 주문"]]
    assert "# Empty" in doc.text
    assert doc.warnings == [f"{path}: sheet 'Empty' is empty"]
    users, orders = doc.tables
    assert users.name == "Users" and users.heading_path == ["Users"]
    assert users.row_numbers == [1, 3, 4, 5, 6]  # the blank row 2 is left out, numbers kept
    assert users.rows[1] == ["ID", "Feature", "Method", "Path", "Expected Status", "Checks"]
    assert [row[1] for row in users.rows[2:]] == ["Users", "Users", "Users"]
    assert [row[4] for row in users.rows[2:]] == ["201", "200", "204"]
    assert users.rows[2][5] == '$.id exists\n$.role == "member"'  # cell lines kept in the Table
    assert users.rows[0] == ["Demo API test cases", "", "", "", "", ""]
    section = next(s for s in doc.sections if s.heading_path == ["Users"])
    lines = section.text.split("\n")
    assert lines[0] == "Demo API test cases"
    assert lines[2] == 'TC-1 | Users | POST | /users | 201 | $.id exists $.role == "member"'
    assert orders.rows == [
        ["번호", "제목", "메서드", "작성일", "활성"],
        ["TC-10", "주문 생성", "POST", "2026-11-20", "TRUE"],  # F2's formula has no cached value
        ["TC-11", "합계 계산", "GET", "2026-11-21 09:30:00", "FALSE"],
    ]
    assert "Orders \\| 주문" not in doc.text  # headings are not table cells
    assert_consistent(doc)


def test_csv_delimiters_quotes_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        'id;title;body\n'
        'TC-1;create user;"{""name"": ""Ann""; ""age"": 3}"\n'
        '\n'
        'TC-2;"multi\nline";{}\n'
        'TC-3;last;\n',
        encoding="utf-8",
    )
    doc = extract(path)
    assert doc.format == "csv"
    table = doc.tables[0]
    assert table.rows == [
        ["id", "title", "body"],
        ["TC-1", "create user", '{"name": "Ann"; "age": 3}'],
        ["TC-2", "multi\nline", "{}"],
        ["TC-3", "last", ""],
    ]
    assert table.row_numbers == [1, 2, 5, 6]  # physical line where each record ends
    assert doc.sections[0].kind == "table" and doc.sections[0].heading_path == []
    assert doc.sections[0].text.split("\n")[2] == "TC-2 | multi line | {}"
    assert_consistent(doc)


def test_tsv_and_a_single_column_csv(tmp_path: Path) -> None:
    tsv = tmp_path / "export.tsv"
    tsv.write_text("a\tb\n1\t2\n")
    assert extract(tsv).tables[0].rows == [["a", "b"], ["1", "2"]]
    single = tmp_path / "ids.csv"
    single.write_text("id\nTC-1\nTC-2\n")
    assert extract(single).tables[0].rows == [["id"], ["TC-1"], ["TC-2"]]


def test_corrupt_xlsx_is_a_document_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(make_cases(tmp_path / "ok.xlsx").read_bytes()[:1500])
    with pytest.raises(DocumentError, match=r"broken\.xlsx: corrupt xlsx"):
        extract(path)


def test_legacy_xls_with_merged_cells_dates_and_booleans(tmp_path: Path) -> None:
    import xlwt

    workbook = xlwt.Workbook()
    cases = workbook.add_sheet("Cases")
    for column, title in enumerate(["ID", "Feature", "Method", "Expected Status", "Due", "Smoke"]):
        cases.write(0, column, title)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for row, (case, method, status) in enumerate([("TC-1", "GET", 200), ("TC-2", "POST", 201)], start=2):
        cases.write(row, 0, case)
        cases.write(row, 2, method)
        cases.write(row, 3, status)
        cases.write(row, 4, dt.date(2026, 12, row), date_style)
        cases.write(row, 5, row == 2)
    cases.write_merge(2, 3, 1, 1, "Users")
    workbook.add_sheet("Notes").write(0, 0, "only prose here")
    path = tmp_path / "legacy.xls"
    workbook.save(str(path))

    doc = extract(path)
    assert doc.format == "xls"
    assert doc.headings() == [["Cases"], ["Notes"]]
    cases_table, notes = doc.tables
    assert cases_table.row_numbers == [1, 3, 4]
    assert cases_table.rows[1:] == [
        ["TC-1", "Users", "GET", "200", "2026-12-02", "TRUE"],
        ["TC-2", "Users", "POST", "201", "2026-12-03", "FALSE"],
    ]
    assert notes.rows == [["only prose here"]] and notes.name == "Notes"
    assert_consistent(doc)


def test_corrupt_xls_and_encrypted_xlsx_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(DocumentError, match=r"broken\.xls: "):
        extract(broken)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
                       + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    with pytest.raises(DocumentError, match=r"locked\.xlsx: password-protected xlsx"):
        extract(locked)


def test_csv_cell_larger_than_the_csv_module_default(tmp_path: Path) -> None:
    body = '{""items"": [' + ",".join(['{""sku"": ""A""}'] * 20000) + "]}"
    path = tmp_path / "big-body.csv"
    path.write_text(f'id,body\nTC-1,"{body}"\n')
    rows = extract(path).tables[0].rows
    assert len(rows[1][1]) > 200_000 and rows[1][1].startswith('{"items": [{"sku": "A"}')
