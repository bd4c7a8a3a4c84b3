"""PDF with pypdf: text per page, headings by font size, simple tables by column gaps.

PDF has no paragraphs or headings, only glyphs at positions. pypdf's layout mode
keeps the positions (columns as runs of spaces, vertical gaps as blank lines);
a second pass with a text visitor records each text run's font size, so lines
set larger than the body text become headings, the largest size level 1. Lines
that split into the same number of columns, one after another, become a table.
Good enough for generated reports and exported specs; scanned pages (no text
layer) are reported, not OCRed.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections import Counter
from pathlib import Path

from tasks.documents.builder import DocumentBuilder
from tasks.documents.errors import DocumentError
from tasks.documents.limits import ReadLimits

COLUMN_GAP = re.compile(r"\s{3,}")
LIST_ITEM = re.compile(r"^([-•*▪◦]|\d{1,3}[.)]|[a-z][.)])\s+(\S.*)$")
HEADING_RATIO = 1.15      # a line this much larger than the body text is a heading
MAX_HEADING_CHARS = 150
MAX_HEADING_LEVELS = 6
MARGIN_LINES = 2          # lines at the top and bottom of a page that may be header/footer
REPEATED_SHARE = 0.6      # ... and are, when they repeat on this share of pages (3 at least)
DIGITS = re.compile(r"\d+")
MULTI_COLUMN_MIN_LINES = 6  # a page is set in columns when this many lines, and
MULTI_COLUMN_SHARE = 0.4    # this share of its lines, hold two runs of prose side by side


def _open(path: Path, data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted with an empty user password (only editing is
            # restricted): those open; anything else needs a password we do not have.
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise DocumentError(path, f"encrypted PDF needs a crypto library: {exc}") from exc
            if not opened:
                raise DocumentError(path, "password-protected PDF")
        len(reader.pages)
    except FileNotDecryptedError as exc:
        raise DocumentError(path, "password-protected PDF") from exc
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(path, f"corrupt PDF: {exc}") from exc
    return reader


def _runs(page) -> list[tuple[str, float]]:
    """Every text run on the page with its rendered font size, in content order."""
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size) -> None:
        if not text.strip():
            return
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text, round((font_size or 0) * (scale or 1), 1), round(y, 1)))

    page.extract_text(visitor_text=visit)
    # Runs on one line in one size form one candidate line (a heading set in two runs).
    merged: list[tuple[str, float]] = []
    last: tuple[float, float] | None = None
    for text, size, y in runs:
        if merged and last == (size, y):
            merged[-1] = (merged[-1][0] + text, size)
        else:
            merged.append((text, size))
        last = (size, y)
    return merged


def _norm(text: str) -> str:
    return " ".join(text.split())


def _pypdf_limits(limits: ReadLimits):
    """pypdf's own decompression limits, lowered to ours for this thread while a PDF is read."""
    try:
        from pypdf import apply_configuration
    except ImportError:  # an older pypdf: our page and content budgets still hold
        return contextlib.nullcontext()
    cap = min(limits.max_pdf_decoded_bytes, 75_000_000)
    return apply_configuration(
        maximum_declared_stream_length=cap,
        array_based_stream_maximum_output_length=cap,
        zlib_maximum_output_length=cap,
        lzw_maximum_output_length=cap,
        run_length_maximum_output_length=cap,
        brotli_maximum_output_length=cap,
        jbig2_maximum_output_length=cap,
        image_maximum_buffer_size=cap,
    )


def _stream_key(stream) -> object:
    ref = getattr(stream, "indirect_reference", None)
    return (ref.idnum, ref.generation) if ref is not None else id(stream)


def _content_bytes(page, seen: set[object]) -> int:
    """Decoded size of what text extraction will decode on this page: its content
    streams and the form XObjects its resources reach (each stream counted once per
    file; pypdf keeps the decoded data, so extraction does not decode them again)."""
    total = 0
    pending: list = []
    contents = page.get("/Contents")
    if contents is not None:
        contents = contents.get_object()
        pending.extend(contents if isinstance(contents, list) else [contents])
    resources = [page.get("/Resources")]
    while pending or resources:
        if resources:
            found = resources.pop()
            found = found.get_object() if found is not None else None
            xobjects = found.get("/XObject") if hasattr(found, "get") else None
            xobjects = xobjects.get_object() if xobjects is not None else None
            if hasattr(xobjects, "values"):
                pending.extend(x for x in xobjects.values())
            continue
        stream = pending.pop().get_object()
        key = _stream_key(stream)
        if key in seen or not hasattr(stream, "get_data"):
            continue
        seen.add(key)
        if stream.get("/Subtype") not in (None, "/Form"):
            continue  # images are not decoded for text
        total += len(stream.get_data())
        if stream.get("/Subtype") == "/Form":
            resources.append(stream.get("/Resources"))
    return total


def read_pdf(path: Path, data: bytes, builder: DocumentBuilder) -> None:
    """Feeds the builder each page's headings, paragraphs and simple tables.

    Bounded: at most `max_pdf_pages` pages, at most `max_pdf_decoded_bytes` of
    decoded page content over the whole file, and pypdf's per-stream
    decompression limits lowered to the same figure.
    """
    limits = ReadLimits.from_settings()
    with _pypdf_limits(limits):
        _read_pdf(path, data, builder, limits)


def _read_pdf(path: Path, data: bytes, builder: DocumentBuilder, limits: ReadLimits) -> None:
    reader = _open(path, data)
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise DocumentError(path, f"PDF has {count:,} pages (limit {limits.max_pdf_pages:,})")
    pages: list[tuple[str, list[tuple[str, float]]]] = []
    failed: list[str] = []
    decoded = 0
    seen: set[object] = set()
    for number, page in enumerate(reader.pages, start=1):
        try:
            decoded += _content_bytes(page, seen)
        except Exception as exc:  # a stream over pypdf's limits, or a broken one: that page only
            failed.append(f"page {number}: {type(exc).__name__}: {exc}")
            pages.append(("", []))
            continue
        if decoded > limits.max_pdf_decoded_bytes:
            raise DocumentError(
                path,
                f"PDF page content inflates past {limits.max_pdf_decoded_bytes:,} bytes "
                f"(at page {number} of {count:,})",
            )
        try:
            try:
                text = page.extract_text(extraction_mode="layout")
                if _looks_multi_column(text):
                    # Layout mode sets columns side by side on one line; the content
                    # stream's own order reads them one after the other.
                    text = page.extract_text()
            except Exception:  # layout mode is the pickier one; plain mode still has the text
                text = page.extract_text()
            pages.append((text or "", _runs(page)))
        except Exception as exc:
            failed.append(f"page {number}: {type(exc).__name__}: {exc}")
            pages.append(("", []))
    if failed and len(failed) == len(pages):
        raise DocumentError(path, "cannot extract text: " + "; ".join(failed[:3]))
    for message in failed:
        builder.warn(f"{path}: {message}")

    sizes: Counter[float] = Counter()
    for _, runs in pages:
        for text, size in runs:
            sizes[size] += len(text.strip())
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    heading_sizes: dict[str, float] = {}
    for _, runs in pages:
        for text, size in runs:
            line = _norm(text)
            if body and size >= body * HEADING_RATIO and 0 < len(line) <= MAX_HEADING_CHARS:
                heading_sizes.setdefault(line, size)
    ranked = sorted(set(heading_sizes.values()), reverse=True)[:MAX_HEADING_LEVELS]
    level_of = {size: ranked.index(size) + 1 for size in ranked}

    repeated = _repeated_margins([text for text, _ in pages])
    empty_pages = 0
    for text, _ in pages:
        builder.begin_page()
        if not text.strip():
            empty_pages += 1
            continue
        _read_page(_drop_margins(text, repeated, heading_sizes), builder, heading_sizes, level_of)
    builder.end_page()
    if empty_pages:
        builder.warn(f"{path}: {empty_pages} of {len(pages)} page(s) have no text layer (scanned?)")


def _is_prose(cell: str) -> bool:
    return len(cell) >= 20 and cell.count(" ") >= 3


def _looks_multi_column(text: str) -> bool:
    """A page set in two or more text columns, not a table: most lines split into cells
    that are all running prose."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    columned = sum(
        1 for line in lines
        if len(cells := COLUMN_GAP.split(line)) >= 2 and all(_is_prose(cell) for cell in cells)
    )
    return columned >= MULTI_COLUMN_MIN_LINES and columned >= MULTI_COLUMN_SHARE * len(lines)


def _margin_key(line: str) -> str:
    """A header/footer line with its numbers blanked: "Page 3 of 9" ~ "Page 4 of 9"."""
    return DIGITS.sub("#", _norm(line))


def _margins(text: str) -> list[str]:
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) <= 2 * MARGIN_LINES:
        return lines
    return lines[:MARGIN_LINES] + lines[-MARGIN_LINES:]


def _repeated_margins(texts: list[str]) -> set[str]:
    """Keys of lines repeated at the top or bottom of most pages: running headers,
    footers and page numbers, which are noise in every chunk they land in."""
    if len(texts) < 3:
        return set()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({_margin_key(line) for line in _margins(text)})
    needed = max(3, REPEATED_SHARE * len(texts))
    return {key for key, count in counts.items() if count >= needed}


def _drop_margins(text: str, repeated: set[str], headings: dict[str, float]) -> str:
    """The page without its repeated margin lines; a line set as a heading stays (a chapter
    title at the top of every page is content, and its number changes)."""
    if not repeated:
        return text
    lines = text.split("\n")
    filled = [index for index, line in enumerate(lines) if line.strip()]
    margin = set(filled[:MARGIN_LINES] + filled[-MARGIN_LINES:])
    return "\n".join(line for index, line in enumerate(lines)
                     if not (index in margin and _margin_key(line) in repeated
                             and _norm(line) not in headings))


def _read_page(text: str, builder: DocumentBuilder, heading_sizes: dict[str, float],
               level_of: dict[float, int]) -> None:
    paragraph: list[str] = []
    table: list[list[str]] = []
    item: list[str] = []  # marker, then the lines of the list item being read
    heading: list = []  # [level, title] of a heading that may go on on the next line

    def flush_heading() -> None:
        if heading:
            builder.heading(heading[0], heading[1])
            heading.clear()

    def flush_paragraph() -> None:
        if item:
            builder.list_item(" ".join(item[1:]), marker=item[0])
            item.clear()
        if paragraph:
            builder.paragraph("\n".join(paragraph))
            paragraph.clear()

    def flush_table() -> None:
        if len(table) >= 2:
            builder.table([row[:] for row in table])
        elif table:  # one row alone is not a table: keep it as a line of text
            paragraph.append("  ".join(table[0]))
        table.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            flush_heading()
            # Layout mode puts blank lines between widely spaced table rows: a table
            # ends at the next line that is not a row, not at a gap.
            if not table:
                flush_paragraph()
            continue
        size = heading_sizes.get(_norm(line))
        if size is not None and size in level_of:
            flush_table()
            flush_paragraph()
            if heading and heading[0] == level_of[size]:
                heading[1] += " " + _norm(line)  # a heading wrapped over two lines
            else:
                flush_heading()
                heading[:] = [level_of[size], _norm(line)]
            continue
        flush_heading()
        cells = COLUMN_GAP.split(line)
        if len(cells) >= 2:
            if table and len(table[0]) != len(cells):
                flush_table()
            if not table:
                flush_paragraph()
            table.append(cells)
            continue
        if table:
            flush_table()
        listed = LIST_ITEM.match(line)
        if listed:
            flush_paragraph()
            marker = listed.group(1)
            item.extend(["-" if not marker[0].isalnum() else marker.rstrip(".)") + ".", listed.group(2)])
        elif item:
            item.append(_norm(line))  # a wrapped list item goes on
        else:
            paragraph.append(_norm(line))
    flush_heading()
    flush_table()
    flush_paragraph()
