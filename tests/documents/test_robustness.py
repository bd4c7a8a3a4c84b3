"""Any mix of markup, however broken, reads without an error and keeps exact offsets."""

from __future__ import annotations

import random

import pytest

from tasks.documents.builder import DocumentBuilder
from tasks.documents.html import read_html
from tasks.documents.markdown import read_markdown
from tasks.documents.rst import read_rst
from tasks.documents.text import read_text
from tests.documents.offsets import assert_consistent

MARKDOWN = ["# H", "## H2 ##", "text line", "", "", "- item", "  - sub", "1. num", "```", "~~~",
            "| a | b |", "|---|---|", "a | b", "---", "===", "> quote", "* * *", "    indented",
            "<!-- c -->", "---\ntitle: x\n---", "|", "\t- tab item", "#", "#hashtag", "   ", "1) x"]
RST = ["Title", "=====", "-----", "", "text", "* item", "#. auto", "+---+---+", "| a | b |",
       "+===+===+", "===  ===", ".. note::", "   indented", "::", "para::", "~~~~~", "(1) x"]
HTML = ["<h1>", "</h1>", "<p>", "</p>", "text", "<ul>", "<li>", "</li>", "</ul>", "<ol>", "</ol>",
        "<table>", "<tr>", "<td rowspan=3>", "<td colspan=2>", "</td>", "</tr>", "</table>",
        "<pre>", "</pre>", "<br>", "<script>", "</script>", "<h3>x</h3>", "&amp;", "<div>", "\n"]

CASES = [("markdown", MARKDOWN, read_markdown, "\n"), ("rst", RST, read_rst, "\n"),
         ("html", HTML, read_html, ""), ("text", MARKDOWN, read_text, "\n")]


@pytest.mark.parametrize(("name", "pieces", "reader", "separator"), CASES, ids=[c[0] for c in CASES])
def test_random_markup_keeps_offsets(name, pieces, reader, separator) -> None:
    rng = random.Random(name)
    for _ in range(400):
        text = separator.join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        builder = DocumentBuilder("fuzz", name)
        reader(text, builder)
        document = builder.build()
        try:
            assert_consistent(document)
        except AssertionError as exc:
            raise AssertionError(f"{name} input {text!r}: {exc}") from exc
