"""Markdown: ATX and setext headings, fenced code, GFM tables, lists, paragraphs.

A line-based reader, not a full CommonMark parser: it needs headings for the
heading path, fences so that `# comment` in code is never a heading, and tables
as rows. Inline markup stays in the text (links carry meaning); heading titles
are cleaned so the heading path reads as plain words.

Site-generator markup is not content and would be embedded and searched as if
it were: MkDocs/Pandoc attribute lists (`## Files { #request-files }`), HTML
tags (`<div class="termy">`, `<font color=...>` in terminal captures) and
entities, admonition markers (`!!! note "Title"`, `??? tip`, `/// warning |
Title`, whose indented bodies are dedented), and FastAPI-style include lines
(`{* ../src/app.py hl[3] *}`) are removed before the blocks are read; an
admonition's title stays as a line of text. Fenced code keeps its text, less
presentational tags (font, span, b, ...) outside html/xml fences.
"""

from __future__ import annotations

import html
import re

from tasks.documents.builder import DocumentBuilder

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_1 = re.compile(r"^ {0,3}=+[ \t]*$")
SETEXT_2 = re.compile(r"^ {0,3}-+[ \t]*$")
FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$")
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
BLOCKQUOTE = re.compile(r"^ {0,3}> ?")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)

INLINE_CLEANUPS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),     # [text](url), ![alt](src)
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),      # [text][ref]
    (re.compile(r"`([^`]*)`"), r"\1"),                   # `code`
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),             # **strong**
    (re.compile(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])"), r"\2"),  # *em*
    (re.compile(r"<[^>]+>"), ""),                        # inline HTML tags
]


_ATTR = r"(?:[#.][\w:-]+|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+))"
ATTRIBUTE_LIST = re.compile(rf"[ \t]*\{{[ \t]*:?[ \t]*{_ATTR}(?:[ \t]+{_ATTR})*[ \t]*\}}")
HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s+[^<>]*?)?/?>")
PRESENTATIONAL_TAG = re.compile(
    r"</?(?:font|span|b|i|u|em|strong|small|big|mark|kbd|code|sup|sub|br|a|div|p|pre)\b[^<>]*/?>", re.I
)
MARKUP_FENCES = frozenset({"html", "htm", "xml", "svg", "xhtml", "jinja", "jinja2", "vue", "jsx", "tsx"})
ADMONITION = re.compile(r"""^(\s*)(?:!!!|\?\?\?\+?)[ \t]*[\w-]+(?:[ \t]+[\w-]+)*(?:[ \t]+"([^"]*)")?[ \t]*$""")
BLOCK_OPEN = re.compile(r"^(\s*)/{3,}[ \t]*[\w-]+(?:[ \t]*\|[ \t]*(.*?))?(?:[ \t]+\{.*\})?[ \t]*$")
BLOCK_CLOSE = re.compile(r"^\s*/{3,}[ \t]*$")
INCLUDE_LINE = re.compile(r"^\s*\{\*.*\*\}\s*$")


def strip_markup(text: str) -> str:
    """A line of prose without attribute lists, HTML tags and entities."""
    if "{" in text:
        text = ATTRIBUTE_LIST.sub("", text)
    if "<" in text:
        text = HTML_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def clean_markup(lines: list[str]) -> list[str]:
    """The lines with site-generator markup removed (see the module docstring)."""
    out: list[str] = []
    fence: str | None = None  # the open fence's marker
    fence_keeps_tags = False
    bodies: list[int] = []  # indentation of the admonition bodies we are in
    for line in lines:
        if bodies and line.strip():
            indent = len(line) - len(line.lstrip(" "))
            while bodies and indent < bodies[-1]:
                bodies.pop()
            if bodies:
                line = line[bodies[-1]:]
        opened = FENCE.match(line)
        if fence is not None:
            closing = line.strip()
            if closing.startswith(fence) and not closing.strip(fence[0]):
                fence = None
            elif not fence_keeps_tags and "<" in line:
                line = PRESENTATIONAL_TAG.sub("", line)
            out.append(line)
            continue
        if opened and not (opened.group(2)[0] == "`" and "`" in opened.group(3)):
            fence = opened.group(2)
            fence_keeps_tags = opened.group(3).strip().lower().lstrip("{.").split(" ")[0] in MARKUP_FENCES
            out.append(line)
            continue
        admonition = ADMONITION.match(line) or BLOCK_OPEN.match(line)
        if admonition:
            indent = len(admonition.group(1))
            if line.lstrip().startswith(("!!!", "???")):
                bodies.append((bodies[-1] if bodies else 0) + indent + 4)
            out.append(admonition.group(1) + strip_markup(admonition.group(2) or ""))
            continue
        if BLOCK_CLOSE.match(line) or INCLUDE_LINE.match(line):
            out.append("")
            continue
        stripped = strip_markup(line)
        out.append("" if line.strip() and not stripped.strip() else stripped)
    return out


def plain_inline(text: str) -> str:
    """A heading title without Markdown inline markup, attribute lists and entities."""
    text = ATTRIBUTE_LIST.sub("", text)
    for pattern, replacement in INLINE_CLEANUPS:
        text = pattern.sub(replacement, text)
    return " ".join(html.unescape(text).split())


def split_row(line: str) -> list[str]:
    """Cells of a GFM table row; `\\|` stays a literal bar inside a cell."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [plain_cell.replace("\\|", "|").strip() for plain_cell in cells]


def is_delimiter_of(candidate: str, header: str) -> bool:
    """Whether `candidate` is the |---|:--:| row under the table header `header`."""
    if "-" not in candidate or not TABLE_DELIMITER.match(candidate):
        return False
    return len(split_row(candidate)) == len(split_row(header))


FRONT_MATTER_LINE = re.compile(r"^(?:[\w\"'][\w .\"'-]*:(?:\s|$)|\s+\S|-\s|#|\s*$)")


def strip_front_matter(lines: list[str]) -> list[str]:
    """YAML front matter is metadata for site generators, not content. Only a block whose
    lines read as YAML counts, so a page that opens with a rule keeps its text."""
    if lines and lines[0].strip() == "---":
        for index in range(1, min(len(lines), 200)):
            if lines[index].strip() in ("---", "..."):
                return lines[index + 1:] if index > 1 else lines
            if not FRONT_MATTER_LINE.match(lines[index]):
                return lines
    return lines


def read_markdown(text: str, builder: DocumentBuilder) -> None:
    """Feeds the builder the blocks of a Markdown text."""
    text = HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = clean_markup(strip_front_matter(text.split("\n")))
    paragraph: list[str] = []
    item: list[str] | None = None  # [marker, depth, text...] of the list item being read

    def flush_paragraph() -> None:
        if paragraph:
            builder.paragraph("\n".join(line.strip() for line in paragraph))
            paragraph.clear()

    def flush_item() -> None:
        nonlocal item
        if item is not None:
            builder.list_item(" ".join(item[2:]), marker=item[0], depth=int(item[1]))
            item = None

    def flush_all() -> None:
        flush_paragraph()
        flush_item()

    index = 0
    count = len(lines)
    while index < count:
        line = lines[index]
        stripped = line.strip()

        fence = FENCE.match(line)
        if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(3)):
            flush_all()
            builder.end_list()
            marker = fence.group(2)
            block = [line.strip()]
            index += 1
            while index < count:
                closing = lines[index].strip()
                block.append(lines[index].rstrip())
                index += 1
                if closing.startswith(marker[0] * len(marker)) and not closing.strip(marker[0]):
                    break
            builder.code("\n".join(block))
            continue

        if not stripped:
            flush_paragraph()
            if item is not None:
                # A blank line inside a list: the list goes on if the next item or an
                # indented continuation follows.
                following = lines[index + 1] if index + 1 < count else ""
                if not (LIST_ITEM.match(following) or following.startswith(("  ", "\t"))):
                    flush_item()
                    builder.end_list()
            index += 1
            continue

        if paragraph and item is None and SETEXT_1.match(line):
            builder.heading(1, plain_inline(" ".join(p.strip() for p in paragraph)))
            paragraph.clear()
            index += 1
            continue
        if paragraph and item is None and SETEXT_2.match(line):
            builder.heading(2, plain_inline(" ".join(p.strip() for p in paragraph)))
            paragraph.clear()
            index += 1
            continue

        atx = ATX.match(line)
        if atx:
            flush_all()
            builder.end_list()
            builder.heading(len(atx.group(1)), plain_inline(atx.group(2) or ""))
            index += 1
            continue

        if THEMATIC_BREAK.match(line):
            flush_all()
            builder.end_list()
            index += 1
            continue

        if "|" in line and index + 1 < count and is_delimiter_of(lines[index + 1], line):
            flush_all()
            builder.end_list()
            rows = [split_row(line)]
            index += 2
            while index < count and lines[index].strip() and "|" in lines[index]:
                rows.append(split_row(lines[index]))
                index += 1
            builder.table(rows)
            continue

        listed = LIST_ITEM.match(line)
        if listed:
            flush_all()
            marker = listed.group(2)
            marker = "-" if marker in "-*+" else marker[:-1] + "."
            depth = len(listed.group(1).expandtabs(4)) // 2
            item = [marker, str(depth), listed.group(3).strip()]
            index += 1
            continue

        quote = BLOCKQUOTE.match(line)
        if quote:
            line = line[quote.end():]
            if not line.strip():
                flush_paragraph()
                index += 1
                continue

        if item is not None:
            item.append(line.strip())
        else:
            paragraph.append(line)
        index += 1

    flush_all()
