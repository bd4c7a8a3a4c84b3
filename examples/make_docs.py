"""Re-make the Word and PDF documents of the docs corpus (examples/docs/).

    .venv/bin/python -m examples.make_docs

The corpus is about the demo API (examples/demo_api/); the Markdown, HTML, rst and
text pages are written by hand, the .docx and .pdf files come from the content
below, so they can be re-made and reviewed as text. Output is byte-stable (fixed
creation dates), so re-making unchanged documents does not look like a change to
the rag pipeline. Needs python-docx and fpdf2 (the `test` extra).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOCS = Path(__file__).resolve().parent / "docs"
FIXED_DATE = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=dt.UTC)

# A document is a list of blocks: (kind, value). Kinds: title, h1, h2, h3, p, ol, ul, table.
Block = tuple[str, object]

SRS: list[Block] = [
    ("title", "Demo API - Software Requirements Specification"),
    ("p", "Version 1.1, 2026-11-17. Owner: platform team. Reviewers: QA guild."),
    ("h1", "1 Introduction"),
    ("p", "This document states the requirements of the demo API, a small REST service for "
          "users and orders that the qaflow pipelines test against. Each requirement has an "
          "identifier (REQ-n) that scenarios carry as a tag, so that test reports can trace "
          "every result back to the requirement it checks."),
    ("p", "The words shall and must mark mandatory behaviour; should marks a recommendation "
          "that tests report but do not gate on."),
    ("h1", "2 Users"),
    ("h2", "2.1 Creating users"),
    ("p", "REQ-1 The API shall create a user from a name and an email address and answer "
          "201 Created with a Location header that points at the new user."),
    ("ol", ["POST /users with a valid body answers 201.",
            "The Location header is /users/{id} for the id in the response body.",
            "The response body contains id, name, email, age, role and created_at."]),
    ("p", "REQ-2 The API shall store email addresses in lower case and shall reject a second "
          "user with the same address, compared without regard to case, with 409 Conflict."),
    ("ol", ["Creating Ann@Example.com stores ann@example.com.",
            "Creating ANN@example.com afterwards answers 409.",
            "The error detail names the address."]),
    ("p", "REQ-3 The API shall validate user input and answer 422 with one entry per broken "
          "rule, each naming the field in its loc."),
    ("table", [["Field", "Rule", "Status when broken"],
               ["name", "1 to 100 characters, required", "422"],
               ["email", "an address of the form x@y.z, at most 200 characters", "422"],
               ["age", "an integer from 0 to 150, optional", "422"],
               ["role", "admin or member, default member", "422"],
               ["any other field", "not allowed", "422"]]),
    ("h2", "2.2 Reading, changing and deleting users"),
    ("p", "REQ-4 The API shall return a user by id and answer 404 Not Found for an id that "
          "matches no user."),
    ("p", "REQ-5 PUT shall replace all editable fields of a user; PATCH shall change only the "
          "fields sent. Neither shall create a user that does not exist."),
    ("p", "REQ-6 Deleting a user shall delete all orders of that user in the same request "
          "and answer 204 No Content."),
    ("ul", ["After the delete, GET /users/{id} answers 404.",
            "After the delete, GET /orders?user_id={id} lists no orders.",
            "The email address can be used again for a new user."]),
    ("h1", "3 Orders"),
    ("p", "REQ-7 The API shall create an order for an existing user and compute its total as "
          "the sum of quantity times price, rounded to two decimals. An order for a user that "
          "does not exist shall be rejected with 422."),
    ("p", "REQ-8 Every order item shall have a SKU of 1 to 40 characters, a quantity from 1 to "
          "1000 and a price that is not negative. An order shall have 1 to 100 items."),
    ("p", "REQ-9 Shipping a pending order shall answer 202 Accepted with status shipping; the "
          "order shall become shipped within one second. Shipping an order that is not "
          "pending shall answer 409 Conflict."),
    ("h1", "4 Cross-cutting requirements"),
    ("p", "REQ-10 Every endpoint except /health and the OpenAPI document shall require a "
          "bearer token and answer 401 with a WWW-Authenticate header when it is missing or "
          "wrong."),
    ("p", "REQ-11 List endpoints shall be paginated with page (from 1) and size (1 to 100, "
          "default 20) and return items, total, page and size."),
    ("p", "REQ-12 The API should answer every request in less than 200 ms on the shared test "
          "environment when fewer than 10,000 users are stored."),
    ("h1", "5 Traceability"),
    ("table", [["Requirement", "Endpoint pages", "Priority"],
               ["REQ-1 to REQ-3", "create-user", "must"],
               ["REQ-4 to REQ-6", "get-user, replace-user, update-user, delete-user", "must"],
               ["REQ-7, REQ-8", "create-order", "must"],
               ["REQ-9", "ship-order, get-order", "must"],
               ["REQ-10", "authentication", "must"],
               ["REQ-11", "pagination, list-users, list-orders", "must"],
               ["REQ-12", "performance report", "should"]]),
]

TEST_PLAN: list[Block] = [
    ("title", "Test plan: demo API 1.1"),
    ("p", "Prepared by the QA guild for the 1.1.0 release of the demo API. Status: approved "
          "2026-11-12."),
    ("h1", "Scope"),
    ("p", "In scope are all twelve operations of the demo API, the authentication rules, "
          "validation, pagination and the asynchronous shipping of orders. Out of scope are "
          "the reverse proxy, TLS and the Swagger UI page, which belong to the platform team."),
    ("h1", "Approach"),
    ("p", "Tests are Gherkin scenarios run by qaflow against a fresh demo API process per test "
          "module. Scenarios come from three sources:"),
    ("ol", ["smoke scenarios generated from the OpenAPI document, one per operation;",
            "structured test cases from the test-case sheet, translated without an LLM;",
            "prose requirements from the SRS, turned into scenarios by the LLM and reviewed "
            "by a person before they are merged."]),
    ("p", "Every scenario carries the @REQ tag of the requirement it checks."),
    ("h1", "Entry and exit criteria"),
    ("h2", "Entry"),
    ("ul", ["The release candidate is deployed to the shared environment.",
            "The smoke run passes.",
            "The release notes draft lists every change."]),
    ("h2", "Exit"),
    ("ul", ["All must requirements have at least one passing scenario.",
            "No open defect of severity 1 or 2.",
            "Flaky scenarios are below 1% of runs over the last 24 hours."]),
    ("h1", "Schedule"),
    ("table", [["Activity", "Owner", "Start", "End"],
               ["Scenario review", "QA guild", "2026-11-12", "2026-11-13"],
               ["Regression runs", "QA guild", "2026-11-13", "2026-11-16"],
               ["Performance check", "Platform team", "2026-11-14", "2026-11-14"],
               ["Go / no-go", "Release manager", "2026-11-17", "2026-11-17"]]),
    ("h1", "Risks"),
    ("table", [["Risk", "Likelihood", "Mitigation"],
               ["Shipping delay change makes polling scenarios flaky", "medium",
                "poll with at least 10 attempts; no fixed sleeps"],
               ["Shared instance polluted by load tests", "high",
                "every scenario creates its own data; restart before the regression run"],
               ["Lower-case email change breaks clients", "low",
                "release note; scenarios for PUT and PATCH with mixed case"]]),
    ("h1", "Deliverables"),
    ("p", "JUnit XML and Cucumber JSON from every run, the HTML report of the final "
          "regression run, and a one-page summary for the go / no-go meeting."),
]

INCIDENT: list[Block] = [
    ("title", "Post-incident review: shared demo API out of memory"),
    ("p", "Incident QAT-509, 2026-11-17, 14:05 to 14:31 UTC. Severity 3 (test environment "
          "unavailable, no customer impact). Author: Minji Park."),
    ("h1", "Summary"),
    ("p", "The demo API process on the shared test environment was killed by the kernel's "
          "out-of-memory killer after a load test created about two million users against "
          "it. Scheduled bdd runs failed with connection errors for 26 minutes until the "
          "on-call engineer restarted the service."),
    ("h1", "Timeline"),
    ("table", [["Time (UTC)", "Event"],
               ["13:20", "A load-test script starts creating users on the shared instance"],
               ["14:02", "Process memory passes 6 GB"],
               ["14:05", "Out-of-memory kill; the hourly bdd run fails in its first step"],
               ["14:09", "Health-check alert pages the on-call engineer"],
               ["14:24", "Cause found in the proxy access log: 2.1 million POST /users"],
               ["14:31", "Service restarted with the runbook; smoke run passes"]]),
    ("h1", "Root cause"),
    ("p", "The demo API keeps all data in memory by design and has no limit on the number of "
          "users. The shared instance is meant for functional tests that clean up after "
          "themselves; nothing prevented a load test from using it."),
    ("h1", "What went well"),
    ("ul", ["The alert fired within four minutes.",
            "The runbook was correct and the restart took one command."]),
    ("h1", "What went badly"),
    ("ul", ["Nobody was told that a load test would run.",
            "The memory graph showed the climb for 40 minutes, but nothing alerted on it."]),
    ("h1", "Actions"),
    ("table", [["Action", "Owner", "Ticket"],
               ["Alert when demo API memory exceeds 2 GB", "Platform team", "QAT-511"],
               ["Show the user count next to the memory graph", "QA guild", "QAT-512"],
               ["Document that load tests use start_demo_api() on their own machine",
                "QA guild", "QAT-513"]]),
]

REVIEW_NOTES: list[Block] = [
    ("title", "API review meeting: orders endpoints"),
    ("p", "2026-09-22. Present: platform team (3), QA guild (4), payments team (1)."),
    ("h1", "Decisions"),
    ("ol", ["Order ids are UUIDs, user ids stay integers.",
            "Shipping is a sub-resource action, POST /orders/{order_id}/ship, answering 202.",
            "Totals are computed by the service; clients never send them.",
            "An order for an unknown user is a 422, not a 404: the URL exists, the body "
            "refers to something missing.",
            "Deleting a user deletes the user's orders; no soft delete."]),
    ("h1", "Discussion"),
    ("h2", "Status values"),
    ("p", "The payments team asked for a cancelled status. It is added to the schema now so "
          "that clients can handle it, but no endpoint sets it until there is a cancel "
          "operation. QA asked for a note in the docs so that nobody writes a test that waits "
          "for it."),
    ("h2", "Asynchronous shipping"),
    ("p", "Real shipping takes minutes; the demo uses a short delay so that tests exercise "
          "polling without slowing the suite down. The delay was set to 2 seconds and may be "
          "lowered later."),
    ("h2", "Pagination"),
    ("p", "Offset pagination with page and size, as for users. Cursor pagination was "
          "discussed and rejected for the demo: it adds little for in-memory data and "
          "makes the tests harder to read."),
    ("h1", "Open questions"),
    ("ul", ["Should shipping a shipped order be 409 or 200 (idempotent)? Decided later: 409.",
            "Do we need an audit trail for deleted orders? Not for the demo."]),
    ("h1", "Next steps"),
    ("table", [["What", "Who", "When"],
               ["Implement the orders endpoints", "Platform team", "2026-10-01"],
               ["Endpoint pages in the docs folder", "QA guild", "2026-10-03"],
               ["Smoke and negative scenarios", "QA guild", "2026-10-06"]]),
]

SECURITY_REVIEW: list[Block] = [
    ("title", "Security review of the demo API"),
    ("p", "Review date 2026-11-05. Reviewer: security champion of the QA guild. Scope: the "
          "demo API 1.1 source and the shared test environment."),
    ("h1", "Findings"),
    ("h2", "F1 Timing leak in the token check (fixed in 1.1)"),
    ("p", "Version 1.0 compared the bearer token with ==, which returns as soon as a "
          "character differs. The comparison now uses secrets.compare_digest. Severity low: "
          "the service is a test fixture, but the fix is cheap and sets the right example."),
    ("h2", "F2 Single shared token"),
    ("p", "All clients share one token with full rights. Accepted for a test fixture. The "
          "token must be rotated every 90 days and whenever it leaks; the rotation runbook "
          "describes how."),
    ("h2", "F3 No rate limiting"),
    ("p", "Any client with the token can create users without limit, which led to the "
          "out-of-memory incident QAT-509. Mitigated by alerting on memory; a limit is not "
          "planned because load tests should not target the shared instance at all."),
    ("h2", "F4 Secrets in reports"),
    ("p", "qaflow reports include requests and responses of failing steps. The reviewer "
          "checked the HTML report, JUnit XML and Cucumber JSON of a failing run: the token "
          "was redacted everywhere."),
    ("h1", "Summary of findings"),
    ("table", [["Id", "Finding", "Severity", "Status"],
               ["F1", "Timing leak in the token check", "low", "fixed"],
               ["F2", "Single shared token", "info", "accepted"],
               ["F3", "No rate limiting", "medium", "mitigated"],
               ["F4", "Secrets in reports", "info", "verified"]]),
    ("h1", "Recommendations"),
    ("p", "Keep the service bound to 127.0.0.1 behind the proxy. Never run it with a token "
          "that is used anywhere else. Keep the token in the TargetAPI block as a secret "
          "value and out of feature files and Postman environments."),
]

PERFORMANCE_REPORT: list[Block] = [
    ("title", "Demo API performance report"),
    ("p", "Measured 2026-11-14 on the shared test environment (4 vCPU, 8 GB) with version "
          "1.1.0-rc2, one process, HTTP/1.1 keep-alive, 8 concurrent clients on the same "
          "machine."),
    ("h1", "Latency by operation"),
    ("p", "Each operation was called 20,000 times with 1,000 users and 5,000 orders stored. "
          "Figures are milliseconds measured by the client."),
    ("table", [["Operation", "p50 ms", "p95 ms", "p99 ms"],
               ["health", "0.4", "0.7", "1.1"],
               ["list_users (size 20)", "0.9", "1.6", "2.4"],
               ["create_user", "0.8", "1.4", "2.2"],
               ["get_user", "0.6", "1.0", "1.7"],
               ["create_order (3 items)", "1.0", "1.8", "2.9"],
               ["list_orders (size 100)", "3.1", "4.9", "6.8"]]),
    ("h1", "Scaling with stored data"),
    ("p", "List operations filter in memory, so their cost grows with the number of stored "
          "records. With 100,000 orders stored, list_orders with a status filter took 38 ms at "
          "p50. REQ-12 (under 200 ms with fewer than 10,000 users) is met with a wide margin."),
    ("h1", "Throughput"),
    ("p", "One process served about 2,400 requests per second across a mix of reads and "
          "writes before the event loop saturated one core. The bdd runner with 8 concurrent "
          "scenarios used about a third of that."),
    ("h1", "Conclusions"),
    ("ul", ["REQ-12 is met for every operation.",
            "The service is not the bottleneck of the test suite; scenario set-up is.",
            "Memory grows about 1 KB per stored user, which explains incident QAT-509."]),
]

ONBOARDING: list[Block] = [
    ("title", "Onboarding guide for QA engineers"),
    ("p", "Welcome to the QA guild. This guide gets you from a new laptop to running the demo "
          "API test suite, and points you to the documents you will need in your first weeks."),
    ("h1", "Day one"),
    ("ol", ["Clone the qaflow repository and run make install.",
            "Run make test to see the whole suite pass on your machine.",
            "Run make demo: it starts the demo API, runs the bdd pipeline on the example "
            "requirements, indexes this docs folder and answers a question about it.",
            "Open the HTML report that make demo prints and read one passing and one failing "
            "scenario."]),
    ("h1", "Your first week"),
    ("h2", "Learn the API"),
    ("p", "Read the overview, authentication, errors and pagination pages, then the endpoint "
          "pages. Send every request of the getting-started page by hand with curl or "
          "Postman. Ask why when a status code surprises you; the FAQ answers the usual ones."),
    ("h2", "Learn the tools"),
    ("p", "qaflow runs Prefect flows. Open the Prefect UI, find the bdd-hourly deployment and "
          "look at the last run: its task graph, its logs and the table artifact with one row "
          "per scenario. Then run qaflow rag query \"how do I rotate the token\" to see the "
          "docs index answer."),
    ("h2", "Write a scenario"),
    ("p", "Pick a rule from an endpoint page that has no scenario yet, add a row to the "
          "test-case sheet, generate, run and open a merge request. Your buddy reviews it."),
    ("h1", "Who to ask"),
    ("table", [["Topic", "Channel", "People"],
               ["The demo API itself", "#platform-help", "platform team"],
               ["Scenarios, sheets, reports", "#qa-tooling", "QA guild"],
               ["Prefect and schedules", "#qa-tooling", "Daniel Okafor"],
               ["Access and accounts", "IT service desk", "-"]]),
    ("h1", "Ground rules"),
    ("ul", ["Never put a token or password in a feature file, a sheet or a screenshot.",
            "Every scenario creates its own data and cleans up what it can.",
            "Poll for asynchronous results; never add a fixed sleep.",
            "A flaky scenario is a bug: report it, do not just re-run it."]),
]

DOCX_DOCUMENTS: dict[str, list[Block]] = {
    "srs-demo-api.docx": SRS,
    "test-plan-1.1.docx": TEST_PLAN,
    "incident-2026-11-17-oom.docx": INCIDENT,
    "api-review-orders.docx": REVIEW_NOTES,
}
PDF_DOCUMENTS: dict[str, list[Block]] = {
    "security-review.pdf": SECURITY_REVIEW,
    "performance-report.pdf": PERFORMANCE_REPORT,
    "onboarding-guide.pdf": ONBOARDING,
}


def write_docx(blocks: list[Block], path: Path) -> None:
    import docx

    document = docx.Document()
    properties = document.core_properties
    properties.created = properties.modified = FIXED_DATE.replace(tzinfo=None)
    properties.last_printed = FIXED_DATE.replace(tzinfo=None)
    properties.author = properties.last_modified_by = "qaflow examples"
    properties.revision = 1
    for kind, value in blocks:
        if kind == "title":
            document.add_heading(str(value), 0)
            properties.title = str(value)
        elif kind in ("h1", "h2", "h3"):
            document.add_heading(str(value), int(kind[1]))
        elif kind == "p":
            document.add_paragraph(str(value))
        elif kind in ("ol", "ul"):
            style = "List Number" if kind == "ol" else "List Bullet"
            for item in value:  # type: ignore[union-attr]
                document.add_paragraph(str(item), style=style)
        elif kind == "table":
            rows: list[list[str]] = value  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
                    if r == 0:
                        for run in table.cell(r, c).paragraphs[0].runs:
                            run.bold = True
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    tmp = path.with_suffix(".tmp")
    document.save(tmp)
    _fix_zip_dates(tmp)
    tmp.replace(path)


def _fix_zip_dates(path: Path) -> None:
    """Rewrites a .docx with fixed entry dates: zipfile stamps entries with the current time."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)


def write_pdf(blocks: list[Block], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_author("qaflow examples")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    sizes = {"title": 20, "h1": 15, "h2": 12.5, "h3": 11.5}
    for kind, value in blocks:
        if kind in sizes:
            if kind == "title":
                pdf.set_title(str(value))
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", sizes[kind])
            pdf.multi_cell(0, sizes[kind] * 0.55, str(value), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "p":
            pdf.set_font("Helvetica", "", 10.5)
            pdf.multi_cell(0, 5.5, str(value), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind in ("ol", "ul"):
            pdf.set_font("Helvetica", "", 10.5)
            for number, item in enumerate(value, start=1):  # type: ignore[arg-type]
                marker = f"{number}." if kind == "ol" else "-"
                pdf.multi_cell(0, 5.5, f"{marker} {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "table":
            pdf.set_font("Helvetica", "", 9.5)
            with pdf.table(line_height=5.5, first_row_as_headings=True) as table:
                for row in value:  # type: ignore[union-attr]
                    cells = table.row()
                    for cell in row:
                        cells.cell(cell)
            pdf.ln(3)
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    tmp = path.with_suffix(".tmp")
    pdf.output(str(tmp))
    tmp.replace(path)


def make_all(out_dir: Path = DOCS) -> list[Path]:
    """Writes every .docx and .pdf of the corpus into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, blocks in DOCX_DOCUMENTS.items():
        write_docx(blocks, out_dir / name)
        written.append(out_dir / name)
    for name, blocks in PDF_DOCUMENTS.items():
        write_pdf(blocks, out_dir / name)
        written.append(out_dir / name)
    return written


def main() -> None:
    for path in make_all():
        print(path)


if __name__ == "__main__":
    main()
