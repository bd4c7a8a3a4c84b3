"""Text extraction shared by the rag pipeline and the bdd requirement readers.

`extract(path)` turns a file into one `Document`: the whole text (headings as
Markdown `#` lines, blocks a blank line apart, tables as `a | b | c` rows),
`sections` under heading paths with exact offsets (`doc.text[s.start:s.end] ==
s.text`), and `tables` as rows of cells. `walk(root)` lists a folder without
leaving it through symlinks.

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

from tasks.documents.decoding import MAX_BYTES
from tasks.documents.errors import DocumentError, UnsupportedDocument
from tasks.documents.extract import extract, format_of, supported
from tasks.documents.model import Document, Section, Table
from tasks.documents.walk import safe_walk, walk

__all__ = [
    "MAX_BYTES",
    "Document",
    "DocumentError",
    "Section",
    "Table",
    "UnsupportedDocument",
    "extract",
    "format_of",
    "safe_walk",
    "supported",
    "walk",
]
