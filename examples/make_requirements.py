"""Build the binary example requirement documents (run it after editing it):

    .venv/bin/python -m examples.make_requirements

- examples/requirements/test-cases.xlsx: a test-case workbook as teams keep
  them: a title above the header, English headers on one sheet and Korean on
  another, merged Feature and ID cells, multi-row test cases and one prose row.
- examples/requirements/srs.docx: a small SRS with numbered headings, ids,
  acceptance criteria and a table of API test cases.

Both target the demo API (examples/demo_api) and pass against it; the prose
requirements need an LLM and are listed as such by the offline provider.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent / "requirements"

USERS_HEADER = ["ID", "Feature", "Title", "Given", "Method", "Path", "Headers", "Query", "Body",
                "Expected Status", "Expected Body", "Checks", "Save", "Tags", "Auth"]
# (ID, Title, Given, Method, Path, Headers, Query, Body, Status, Expected body, Checks, Save, Tags, Auth)
USERS_ROWS = [
    ("TC-U1", "Create a user", "", "POST", "/users", "", "",
     '{"name": "Ann", "email": "ann-${uuid}@example.com", "age": 31}', "201",
     '{"id": "#number", "name": "Ann", "role": "member"}',
     "$.email matches ^ann-.*@example\\.com$\n$.created_at type string", "", "smoke", "default"),
    ("TC-U2", "Read back a created user", "", "POST", "/users", "", "",
     '{"name": "Bo", "email": "bo-${uuid}@example.com"}', "201", "", "", "user_id = $.id", "", "default"),
    ("TC-U2", "", "", "GET", "/users/${user_id}", "", "", "", "200", "",
     "$.id == ${user_id}\n$.name == Bo\n$.age type null", "", "", "default"),
    ("TC-U3", "Reject a user without a valid email", "", "POST", "/users", "", "",
     '{"name": "", "email": "not-an-email"}', "422", "", "$.detail type array\n$.detail len 2", "",
     "negative", "default"),
    ("TC-U4", "Refuse requests without a token", "", "GET", "/users", "", "", "", "401", "",
     "$.detail exists", "", "negative security", "none"),
    ("TC-U5", "List users one page at a time", "", "GET", "/users", "Accept: application/json",
     "page=1&size=2", "", "200", "", "$.page == 1\n$.size == 2\n$.items type array", "", "smoke", "default"),
    ("TC-U6", "Deleting a user also deletes their orders",
     "A user with two orders exists; after the user is deleted, listing orders for that user returns none.",
     "", "", "", "", "", "", "", "", "", "", ""),
]

ORDERS_HEADER = ["번호", "기능", "시나리오", "메서드", "경로", "요청", "기대 상태", "검증", "저장", "태그", "인증"]
ORDERS_ROWS = [
    ("ORD-1", "주문 생성 후 조회", "POST", "/users", '{"name": "Cy", "email": "cy-${uuid}@example.com"}',
     "201", "", "uid = $.id", "", "default"),
    ("ORD-1", "", "POST", "/orders", '{"user_id": ${uid}, "items": [{"sku": "A-1", "quantity": 2, "price": 9.5}]}',
     "201", '$.total == 19.0\n$.status == "pending"\n$.status != "shipped"', "order_id = $.id", "smoke", "default"),
    ("ORD-1", "", "GET", "/orders/${order_id}", "", "200", "$.items len 1\n$.user_id == ${uid}", "", "", "default"),
    ("ORD-2", "수량 0 주문은 거부", "POST", "/orders",
     '{"user_id": 1, "items": [{"sku": "A-1", "quantity": 0, "price": 1}]}', "422", "$.detail exists", "",
     "negative", "default"),
    ("ORD-3", "없는 주문은 404", "GET", "/orders/00000000-0000-4000-8000-000000000000", "", "404",
     "$.detail matches not found", "", "negative", "default"),
]


def make_workbook(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    users = wb.active
    users.title = "Users"
    users["A1"] = "Demo API: user test cases (owner: QA team)"
    users["A1"].font = Font(bold=True, size=14)
    users.merge_cells("A1:O1")
    users.append([])
    users.append(USERS_HEADER)  # the header is row 3
    first = users.max_row + 1
    for rid, title, given, method, path_, headers, query, body, status, expected, checks, save, tags, auth in USERS_ROWS:
        users.append([rid, "", title, given, method, path_, headers, query, body, status, expected, checks, save,
                      tags, auth])
    last = users.max_row
    users.cell(first, 2, "Users")
    users.merge_cells(start_row=first, start_column=2, end_row=last, end_column=2)  # Feature merged down
    users.merge_cells(start_row=first + 1, start_column=1, end_row=first + 2, end_column=1)  # TC-U2 spans 2 rows
    users.merge_cells(start_row=first + 1, start_column=3, end_row=first + 2, end_column=3)
    for row in users.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    orders = wb.create_sheet("주문")
    orders["A1"] = "주문 API 테스트 케이스"
    orders.append(ORDERS_HEADER)  # the header is row 2
    first = orders.max_row + 1
    for rid, title, method, path_, body, status, checks, save, tags, auth in ORDERS_ROWS:
        orders.append([rid, "", title, method, path_, body, status, checks, save, tags, auth])
    last = orders.max_row
    orders.cell(first, 2, "주문")
    orders.merge_cells(start_row=first, start_column=2, end_row=last, end_column=2)
    orders.merge_cells(start_row=first, start_column=1, end_row=first + 2, end_column=1)
    orders.merge_cells(start_row=first, start_column=3, end_row=first + 2, end_column=3)
    wb.save(path)


def make_srs(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading("Demo API: Software Requirements Specification", level=0)
    doc.add_heading("1 Introduction", level=1)
    doc.add_paragraph("This document specifies the users and orders service used by the qaflow demo.")
    doc.add_heading("2 Functional requirements", level=1)

    doc.add_heading("REQ-1 Health check", level=2)
    doc.add_paragraph("The service shall report that it is up, without authentication.")
    doc.add_paragraph("Acceptance criteria:")
    for line in ('When I send a GET request to "/health"',
                 "Then the response status should be 200",
                 'And the response JSON at "$.status" should be "ok"'):
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("REQ-2 Unique email addresses", level=2)
    doc.add_paragraph(
        "Two users shall never share an email address. Creating a user with an email that is already "
        "in use (compared without regard to case) shall be refused with status 409 and a message naming the email."
    )

    doc.add_heading("REQ-3 Orders ship asynchronously", level=2)
    doc.add_paragraph(
        "Shipping a pending order shall answer 202 with status shipping; the order shall reach status "
        "shipped within a few seconds. Shipping an order that is not pending shall be refused with 409."
    )

    doc.add_heading("3 API test cases", level=1)
    table = doc.add_table(rows=1, cols=7)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["ID", "Title", "Method", "Path", "Auth", "Expected Status", "Checks"],
                          strict=True):
        cell.text = text
    for values in (
        ("SRS-001", "Unknown user is not found", "GET", "/users/999999", "default", "404", "$.detail matches not found"),
        ("SRS-002", "The OpenAPI document is published", "GET", "/openapi.json", "none", "200",
         "$.openapi matches ^3\\.\n$.paths type object"),
    ):
        row = table.add_row()
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    doc.save(path)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    make_workbook(HERE / "test-cases.xlsx")
    make_srs(HERE / "srs.docx")
    print(f"wrote {HERE / 'test-cases.xlsx'} and {HERE / 'srs.docx'}")


if __name__ == "__main__":
    main()
