"""Text extraction shared by the rag pipeline and the bdd requirement readers.

`extract(path)` turns a file into one `Document`: the whole text (headings as
Markdown `#` lines, blocks a blank line apart, tables as `a | b | c` rows),
`sections` under heading paths with exact offsets (`doc.text[s.start:s.end] ==
s.text`), and `tables` as rows of cells. `walk(root)` lists a folder and never
follows a symlink; `extract_read(path, root=...)` opens a file once, with
O_NOFOLLOW down from `root`, and returns the size, mtime and sha256 of the bytes
it read. Limits (`ReadLimits`, QAFLOW_DOCUMENTS_MAX_*): file size, Office
packages measured before they are inflated (unpacked size, ratio, members), PDF
pages and decoded content.

    format     suffixes            headings from                 also
    markdown   .md .markdown       ATX and setext headings       fences, GFM tables, lists
    text       .txt .text          (none)                        paragraphs
    rst        .rst                title adornments              grid/simple tables, lists
    html       .html .htm          h1-h6                         lists, pre, tables (spans filled)
    docx       .docx .docm         Title, Heading N, outline     Word numbering, tables (merges filled)
    pdf        .pdf                font size (larger = higher)   column tables, lists, pages
    xlsx/xls   .xlsx .xlsm .xls    one per sheet                 rows with sheet row numbers
    csv        .csv .tsv           (none)                        one table, record line numbers

Errors: `UnsupportedDocument` (binary, unknown suffix: skip with the reason) and
`DocumentError` (corrupt, encrypted, too large, unreadable: report it); both
name the file. Not read: Word headers, footers, footnotes, comments and text
boxes; PDF text without a text layer (no OCR) and headings set in bold at body
size; an HTML page's declared charset (text is UTF-8, else replaced with a
warning).
"""

from tasks.documents.archive import check_package
from tasks.documents.decoding import MAX_BYTES
from tasks.documents.errors import DocumentError, UnsupportedDocument
from tasks.documents.extract import extract, extract_read, format_of, supported
from tasks.documents.limits import ReadLimits
from tasks.documents.model import Document, Section, Table
from tasks.documents.opening import FileStat, hash_file, open_file, read_file, stat_file
from tasks.documents.walk import Scan, safe_walk, scan, walk

__all__ = [
    "MAX_BYTES",
    "Document",
    "DocumentError",
    "FileStat",
    "ReadLimits",
    "Scan",
    "Section",
    "Table",
    "UnsupportedDocument",
    "check_package",
    "extract",
    "extract_read",
    "format_of",
    "hash_file",
    "open_file",
    "read_file",
    "safe_walk",
    "scan",
    "stat_file",
    "supported",
    "walk",
]
