"""Plain text: no headings, only paragraphs separated by blank lines."""

from __future__ import annotations

import re

from tasks.documents.builder import DocumentBuilder

BLANK_LINES = re.compile(r"\n[ \t]*\n")


def read_text(text: str, builder: DocumentBuilder) -> None:
    """Feeds the builder one paragraph per blank-line-separated block."""
    for block in BLANK_LINES.split(text):
        if block.strip():
            builder.paragraph(block)
