"""Test-case sheets: header anywhere in the first rows, every sheet, merged cells,
Korean and English headers, and bad input reported by file, sheet and row."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from tasks.requirements import read_requirements
from tasks.requirements.cells import CellError, parse_checks, parse_saves, parse_status

HEADER = ["ID", "Feature", "Title", "Given", "Method", "Path", "Headers", "Query", "Body",
          "Expected Status", "Expected Body", "Checks", "Save", "Tags", "Auth"]


def workbook(path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    wb.save(path)
    return path


def test_header_below_a_title_merged_cells_and_multi_row_cases(tmp_path: Path) -> None:
    rows = [
        ["Users API test cases"],
        ["owner: QA", None, "version 3"],
        [],
        HEADER,
        ["TC-1", "Users", "Create a user", "", "post", "/users", "X-Trace: abc", "",
         '{"name": "Ann"}', "201", '{"name": "Ann"}', "$.id type integer\nname == Ann", "uid = $.id\nloc = header(Location)",
         "smoke, api", "admin"],
        ["TC-2", None, "Read it back", "", "POST", "/users", "", "", '{"name": "Bo"}', "201", "", "", "uid = id", "", ""],
        [None, None, None, "", "GET", "/users/${uid}", "", "page=1&size=2", "", "200 | 304", "",
         "$.id == ${uid}\n$.tags len 0\n$.name != Ann\n$.email matches ^b", "", "", "Bearer tok-1"],
        ["TC-3", "Orders", "Prose only", "An order can be cancelled while pending", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    path = workbook(tmp_path / "cases.xlsx", {"Main": rows}, {"Main": ["A1:O1", "B5:B7", "A6:A7", "C6:C7"]})
    result = read_requirements(path)
    assert result.errors == []
    by_id = {r.id: r for r in result.requirements}
    assert list(by_id) == ["TC-1", "TC-2", "TC-3"]

    one = by_id["TC-1"]
    assert one.group == "Users" and one.tags == ["smoke", "api"] and one.kind == "sheet"
    assert "sheet 'Main' row 5" in one.source
    row = one.rows[0]
    assert (row.method, row.path, row.auth, row.headers) == ("POST", "/users", "admin", {"X-Trace": "abc"})
    assert row.body == {"name": "Ann"} and row.expected_status == [201] and row.expected_body == {"name": "Ann"}
    assert [(c.path, c.op, c.value) for c in row.checks] == [("$.id", "type", "integer"), ("$.name", "==", "Ann")]
    assert [(s.name, s.path, s.header) for s in row.saves] == [("uid", "$.id", None), ("loc", "", "Location")]

    two = by_id["TC-2"]
    assert two.group == "Users"  # merged Feature cell filled down
    assert [r.method for r in two.rows] == ["POST", "GET"]
    second = two.rows[1]
    assert second.query == [("page", "1"), ("size", "2")] and second.expected_status == [200, 304]
    assert second.headers == {"Authorization": "Bearer tok-1"} and second.auth is None
    assert [c.op for c in second.checks] == ["==", "len", "!=", "matches"]

    prose = by_id["TC-3"]
    assert prose.rows == [] and not prose.executable and prose.group == "Orders"
    assert "cancelled while pending" in prose.text


def test_every_sheet_korean_headers_and_a_csv(tmp_path: Path) -> None:
    korean = [["주문 테스트"], ["번호", "기능", "시나리오", "메서드", "경로", "요청", "기대 상태", "검증", "저장", "태그", "인증"],
              ["K-1", "주문", "주문 생성", "POST", "/orders", '{"user_id": ${uid}}', "201", "$.status == \"pending\"",
               "oid = $.id", "스모크", "default"]]
    english = [HEADER, ["E-1", "", "Health", "", "GET", "/health", "", "", "", "200", "", "", "", "", ""]]
    result = read_requirements(workbook(tmp_path / "two.xlsx", {"English": english, "주문": korean}))
    assert result.errors == []
    assert [r.id for r in result.requirements] == ["E-1", "K-1"]
    k1 = result.requirements[1]
    assert k1.group == "주문" and k1.tags == ["스모크"]
    assert k1.rows[0].body == '{"user_id": ${uid}}'  # JSON once the variable is in: kept as text
    assert k1.rows[0].checks[0].value == "pending"
    assert result.requirements[0].group == "English"  # no Feature cell: the sheet name

    csv_path = tmp_path / "cases.csv"
    csv_path.write_bytes("번호;제목;메서드;경로;기대 상태\nC-1;헬스;GET;/health;200\n".encode("cp949"))
    csv_result = read_requirements(csv_path)
    assert csv_result.errors == []
    assert [(r.id, r.title, r.rows[0].path) for r in csv_result.requirements] == [("C-1", "헬스", "/health")]


def test_an_old_xls_workbook_with_merged_cells(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Legacy")
    sheet.write(0, 0, "old sheet")
    for col, name in enumerate(["ID", "Feature", "Title", "Method", "Path", "Expected Status"]):
        sheet.write(2, col, name)
    sheet.write_merge(3, 4, 1, 1, "Health")  # Feature merged over two rows
    for row, values in ((3, ["X-1", None, "Up", "GET", "/health", 200]), (4, ["X-2", None, "Docs", "GET", "/docs", 200])):
        for col, value in enumerate(values):
            if value is not None:
                sheet.write(row, col, value)
    book.save(str(tmp_path / "legacy.xls"))
    result = read_requirements(tmp_path / "legacy.xls")
    assert result.errors == []
    assert [(r.id, r.group, r.rows[0].expected_status) for r in result.requirements] == [
        ("X-1", "Health", [200]), ("X-2", "Health", [200])]
    assert "sheet 'Legacy' row 4" in result.requirements[0].source


def test_rows_without_ids_get_stable_ids(tmp_path: Path) -> None:
    header = ["Title", "Method", "Path", "Expected Status"]
    first = read_requirements(workbook(tmp_path / "a.xlsx", {"S": [header, ["Health", "GET", "/health", "200"]]}))
    shifted = read_requirements(workbook(tmp_path / "a.xlsx", {"S": [header, ["Other", "GET", "/x", "200"],
                                                                   ["Health", "GET", "/health", "200"]]}))
    assert first.requirements[0].id == shifted.requirements[1].id
    assert first.requirements[0].id.startswith("TC-health-")


def test_bad_cells_name_file_sheet_and_row_and_the_rest_goes_on(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["B-1", "", "Bad body", "", "POST", "/users", "", "", '{"name": ', "201", "", "", "", "", ""],
        ["B-2", "", "Bad method", "", "FETCH", "/users", "", "", "", "200", "", "", "", "", ""],
        ["B-3", "", "Bad check", "", "GET", "/users", "", "", "", "200", "", "$.a ~= 1", "", "", ""],
        ["B-4", "", "Bad status", "", "GET", "/users", "", "", "", "OK", "", "", "", "", ""],
        ["G-1", "", "Good", "", "GET", "/health", "", "", "", "200", "", "", "", "", ""],
    ]
    path = workbook(tmp_path / "bad.xlsx", {"Cases": rows, "Empty": [], "Notes": [["just"], ["some notes"]]})
    result = read_requirements(path)
    assert [r.id for r in result.requirements] == ["G-1"]
    messages = [str(e) for e in result.errors]
    assert any("sheet 'Cases' row 2" in m and "column Body: invalid JSON" in m for m in messages), messages
    assert any("sheet 'Cases' row 3" in m and "unknown HTTP method 'FETCH'" in m for m in messages)
    assert any("sheet 'Cases' row 4" in m and "column Checks" in m for m in messages)
    assert any("sheet 'Cases' row 5" in m and "Expected Status" in m for m in messages)
    assert any("sheet 'Empty'" in m and "empty sheet" in m for m in messages)
    assert any("sheet 'Notes'" in m and "no recognisable header" in m for m in messages)
    assert all(m.startswith(str(path)) for m in messages)


def test_corrupt_and_password_protected_workbooks(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip file")
    result = read_requirements(corrupt)
    assert result.requirements == [] and len(result.errors) == 1
    assert str(corrupt) in str(result.errors[0]) and "not a readable .xlsx" in str(result.errors[0])

    # Excel saves an encrypted workbook as an OLE2 compound file, whatever the suffix
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    result = read_requirements(locked)
    assert "password-protected" in str(result.errors[0])

    broken_xls = tmp_path / "old.xls"
    broken_xls.write_bytes(b"\x00\x01garbage")
    assert "not a readable .xls" in str(read_requirements(broken_xls).errors[0])


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    assert "no such file" in str(read_requirements(tmp_path / "nope.xlsx").errors[0])
    odd = tmp_path / "cases.bin"
    odd.write_bytes(b"\x00")
    assert "unsupported requirement file type .bin" in str(read_requirements(odd).errors[0])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("$.a == 1", ("$.a", "==", 1)),
        ("a.b == hello world", ("$.a.b", "==", "hello world")),
        ('$.a != "x"', ("$.a", "!=", "x")),
        ("$.a exists", ("$.a", "exists", None)),
        ("$.a matches ^\\d+$", ("$.a", "matches", "^\\d+$")),
        ("$.a type null", ("$.a", "type", "null")),
        ("$.items len 3", ("$.items", "len", 3)),
        ("$[0].id == ${uid}", ("$[0].id", "==", "${uid}")),
    ],
)
def test_check_lines(line: str, expected: tuple) -> None:
    check = parse_checks(line)[0]
    assert (check.path, check.op, check.value) == expected


@pytest.mark.parametrize("line", ["$.a", "$.a == ", "$.a type float", "$.a len many", "$.a matches ([", "$.a ~ 1"])
def test_bad_check_lines(line: str) -> None:
    with pytest.raises(CellError, match="Checks"):
        parse_checks(line)


def test_saves_and_statuses() -> None:
    assert [(s.name, s.path) for s in parse_saves("id = $.id\ntoken=data.token")] == [("id", "$.id"), ("token", "$.data.token")]
    with pytest.raises(CellError, match="Save"):
        parse_saves("just a path")
    assert parse_status("200, 201") == [200, 201] and parse_status("204.0") == [204]
    with pytest.raises(CellError):
        parse_status("999")


def test_a_requirement_list_with_descriptions(tmp_path: Path) -> None:
    rows = [["요구사항 ID", "설명"], ["R-1", "Users can reset their password. A mail is sent."],
            ["R-2", "Admins can list users."], ["R-1", "Listed twice by mistake."]]
    result = read_requirements(workbook(tmp_path / "list.xlsx", {"Reqs": rows}))
    assert result.errors == []
    assert [(r.id, r.title, r.executable) for r in result.requirements] == [
        ("R-1", "Users can reset their password", False), ("R-2", "Admins can list users.", False),
        ("R-1", "Listed twice by mistake.", False)]
    assert "A mail is sent." in result.requirements[0].text
    assert "row 4: ID R-1 was already used at row 2" in result.warnings[0]
