"""One entry point: pick the reader by suffix, read, and build the Document."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from tasks.documents.builder import DocumentBuilder
from tasks.documents.decoding import decode_detected
from tasks.documents.errors import DocumentError, UnsupportedDocument
from tasks.documents.html import read_html
from tasks.documents.limits import ReadLimits
from tasks.documents.markdown import read_markdown
from tasks.documents.model import Document
from tasks.documents.opening import FileStat, read_file
from tasks.documents.rst import read_rst
from tasks.documents.sheets import read_csv
from tasks.documents.text import read_text

TextReader = Callable[[str, DocumentBuilder], None]
FileReader = Callable[[Path, bytes, DocumentBuilder], None]

# suffix -> (format name, reader of decoded text)
TEXT_FORMATS: dict[str, tuple[str, TextReader]] = {
    ".md": ("markdown", read_markdown),
    ".markdown": ("markdown", read_markdown),
    ".mdown": ("markdown", read_markdown),
    ".txt": ("text", read_text),
    ".text": ("text", read_text),
    ".rst": ("rst", read_rst),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".xhtml": ("html", read_html),
    ".csv": ("csv", read_csv),
    ".tsv": ("csv", read_csv),
}

# suffix -> (format name, dotted path of a reader of raw bytes); imported on first use so
# that reading Markdown never pays for python-docx, pypdf or openpyxl.
BINARY_FORMATS: dict[str, tuple[str, str]] = {
    ".docx": ("docx", "tasks.documents.docx.read_docx"),
    ".docm": ("docx", "tasks.documents.docx.read_docx"),
    ".pdf": ("pdf", "tasks.documents.pdf.read_pdf"),
    ".xlsx": ("xlsx", "tasks.documents.sheets.read_xlsx"),
    ".xlsm": ("xlsx", "tasks.documents.sheets.read_xlsx"),
    ".xls": ("xls", "tasks.documents.sheets.read_xls"),
}


def _load(dotted: str) -> FileReader:
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def supported(path: str | Path) -> bool:
    """Whether the suffix is one we read (case-insensitive)."""
    suffix = Path(path).suffix.lower()
    return suffix in TEXT_FORMATS or suffix in BINARY_FORMATS


def format_of(path: str | Path) -> str | None:
    """The format name for a path's suffix, or None."""
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_FORMATS:
        return TEXT_FORMATS[suffix][0]
    if suffix in BINARY_FORMATS:
        return BINARY_FORMATS[suffix][0]
    return None


def extract(path: str | Path, *, max_bytes: int | None = None, root: str | Path | None = None) -> Document:
    """Reads one file into a Document (see `extract_read`)."""
    return extract_read(path, max_bytes=max_bytes, root=root)[0]


def extract_read(
    path: str | Path, *, max_bytes: int | None = None, root: str | Path | None = None
) -> tuple[Document, FileStat]:
    """Reads one file into a Document, and says what exactly was read.

    The file is opened once, without following a link (nor, with `root`, a link
    in any folder between `root` and the file), and its size, mtime and sha256
    come from that descriptor: record those, not an earlier look at the path.
    `max_bytes` caps the file on disk (default: QAFLOW_DOCUMENTS_MAX_FILE_BYTES).

    Raises UnsupportedDocument for links, binary files and unknown suffixes (skip
    them), DocumentError for files that should be readable but are not, or are
    over a limit (report them).
    """
    file_path = Path(path)
    suffix = file_path.suffix.lower()
    if not supported(file_path):
        reason = f"unknown suffix {suffix}" if suffix else "no suffix"
        raise UnsupportedDocument(path, reason)
    if max_bytes is None:
        max_bytes = ReadLimits.from_settings().max_file_bytes
    read = read_file(file_path, root, max_bytes)
    stat, data = read.stat, read.data
    del read
    if suffix in TEXT_FORMATS:
        format_name, text_reader = TEXT_FORMATS[suffix]
        builder = DocumentBuilder(str(path), format_name)
        text, encoding = decode_detected(data, file_path, builder.warnings)
        del data
        text_reader(text, builder)
        document = builder.build()
        document.encoding = encoding
        return document, stat
    format_name, dotted = BINARY_FORMATS[suffix]
    builder = DocumentBuilder(str(path), format_name)
    try:
        _load(dotted)(file_path, data, builder)
    except DocumentError:
        raise
    except Exception as exc:  # a corrupt file surfaces as any error of its library
        raise DocumentError(path, f"cannot read {format_name}: {type(exc).__name__}: {exc}") from exc
    return builder.build(), stat
