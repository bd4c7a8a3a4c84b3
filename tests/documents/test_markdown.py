"""Markdown: heading paths from ATX and setext headings, fences, tables, lists."""

from __future__ import annotations

from pathlib import Path

from tasks.documents import extract
from tests.documents.offsets import assert_consistent

PAGE = """\
---
title: Orders API
owner: platform-team
---
Orders API
==========

The orders endpoints create, list and ship orders for a **user**.
See [authentication](auth.md) first.

Second paragraph of the overview.

## Create an order

Send `POST /orders` with a JSON body:

```bash
# Not a heading: a comment in a shell snippet
curl -X POST http://localhost:8000/orders \\
  -H "Authorization: Bearer demo-token"
```

~~~
## still code
~~~

| Field    | Type   | Required |
|----------|:------:|---------:|
| user_id  | int    | yes      |
| items    | array  | yes      |
| note     | a \\| b |          |

Validation rules:

- `quantity` is at least 1
  and at most 1000
- `price` is not negative
  1. prices are in EUR
  2. two decimals

Errors
------

1. 401 without a token
2. 422 for a bad body

### Error body ###

A JSON object with `detail`.

#### [Examples](#examples) with `code`

* * *

Last words.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_heading_paths_follow_atx_and_setext_headings(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "orders.md", PAGE))
    assert doc.format == "markdown"
    assert doc.headings() == [
        ["Orders API"],
        ["Orders API", "Create an order"],
        ["Orders API", "Errors"],
        ["Orders API", "Errors", "Error body"],
        ["Orders API", "Errors", "Error body", "Examples with code"],
    ]
    first = doc.sections[0]
    assert first.heading_path == ["Orders API"] and first.level == 1
    assert first.text.startswith("The orders endpoints create")
    assert "Second paragraph of the overview." in first.text
    assert "\n\n" in first.text  # paragraphs a blank line apart
    assert doc.text.startswith("# Orders API\n\n")
    assert "## Create an order" in doc.text
    assert "title: Orders API" not in doc.text  # front matter is metadata
    assert_consistent(doc)


def test_fenced_code_is_text_and_never_a_heading(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "orders.md", PAGE))
    code = [s for s in doc.sections if "curl -X POST" in s.text]
    assert len(code) == 1
    assert code[0].heading_path == ["Orders API", "Create an order"]
    assert "# Not a heading: a comment in a shell snippet" in code[0].text
    assert "## still code" in doc.text
    flat = {title for path in doc.headings() for title in path}
    assert not any("Not a heading" in title or "still code" in title for title in flat)


def test_tables_become_rows_and_a_table_section(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "orders.md", PAGE))
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.heading_path == ["Orders API", "Create an order"]
    assert table.rows == [
        ["Field", "Type", "Required"],
        ["user_id", "int", "yes"],
        ["items", "array", "yes"],
        ["note", "a | b", ""],
    ]
    section = next(s for s in doc.sections if s.kind == "table")
    assert section.text.split("\n")[:2] == ["Field | Type | Required", "user_id | int | yes"]
    assert_consistent(doc)


def test_lists_keep_markers_and_nesting(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "orders.md", PAGE))
    lists = [s for s in doc.sections if s.kind == "list"]
    assert lists[0].text == (
        "- `quantity` is at least 1 and at most 1000\n"
        "- `price` is not negative\n"
        "  1. prices are in EUR\n"
        "  2. two decimals"
    )
    assert lists[1].heading_path == ["Orders API", "Errors"]
    assert lists[1].text == "1. 401 without a token\n2. 422 for a bad body"
    assert doc.sections[-1].text == "Last words."


def test_text_before_the_first_heading_has_an_empty_path(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "notes.markdown", "Intro line.\n\n# Title\n\nBody.\n"))
    assert [(s.heading_path, s.text, s.level) for s in doc.sections] == [
        ([], "Intro line.", 0), (["Title"], "Body.", 1),
    ]


def test_skipped_levels_and_siblings_pop_the_path(tmp_path: Path) -> None:
    text = "# A\n\n### A.x\n\ndeep\n\n## B\n\nb\n\n# C\n\nc\n"
    doc = extract(write(tmp_path, "levels.md", text))
    assert [(s.heading_path, s.level) for s in doc.sections] == [
        (["A", "A.x"], 3), (["A", "B"], 2), (["C"], 1),
    ]


def test_a_pipe_in_prose_followed_by_a_rule_is_a_setext_heading_not_a_table(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "pipes.md", "either a | b\n---\n\nbody\n"))
    assert doc.tables == []
    assert doc.sections[0].heading_path == ["either a | b"]


def test_crlf_line_ends_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes(b"# Title\r\n\r\nline one\r\nline two\r\n")
    doc = extract(path)
    assert doc.sections[0].text == "line one\nline two"
    assert "\r" not in doc.text


def test_loose_lists_tables_without_outer_pipes_and_closing_hashes(tmp_path: Path) -> None:
    text = (
        "## Status codes ##\n\n"
        "Code | Meaning\n"
        "--- | ---\n"
        "401 | no token\n"
        "404 | unknown id\n\n"
        "1. first step\n\n"
        "2. second step\n\n"
        "   more about the second step\n\n"
        "After the list.\n"
    )
    doc = extract(write(tmp_path, "loose.md", text))
    assert doc.headings() == [["Status codes"]]
    assert doc.tables[0].rows == [["Code", "Meaning"], ["401", "no token"], ["404", "unknown id"]]
    lists = [s for s in doc.sections if s.kind == "list"]
    assert [s.text for s in lists] == ["1. first step\n2. second step more about the second step"]
    assert doc.sections[-1].text == "After the list."
    assert_consistent(doc)


def test_a_page_opening_with_a_rule_is_not_front_matter(tmp_path: Path) -> None:
    doc = extract(write(tmp_path, "rule.md", "---\nNot metadata, a sentence.\n---\n\nBody text.\n"))
    assert doc.sections[0].heading_path == ["Not metadata, a sentence."]
    assert doc.sections[0].text == "Body text."
    yaml = extract(write(tmp_path, "yaml.md", '---\ntitle: "Orders"\ntags:\n  - api\n---\nBody.\n'))
    assert yaml.text == "Body."
