"""Text extraction shared by the rag pipeline and the bdd requirement readers.

`extract(path)` turns Markdown, text, reStructuredText, HTML, Word, PDF, Excel and
CSV files into one `Document`: the whole text, sections under heading paths
(with exact offsets into the text) and tables as rows. `walk(root)` lists a
folder without leaving it through symlinks.
"""

from tasks.documents.errors import DocumentError, UnsupportedDocument
from tasks.documents.extract import extract, format_of, supported
from tasks.documents.model import Document, Section, Table
from tasks.documents.walk import safe_walk, walk

__all__ = [
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
