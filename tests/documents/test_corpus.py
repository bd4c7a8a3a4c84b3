"""The bundled docs corpus (examples/docs/): every file reads cleanly, and the Word and
PDF files are exactly what examples/make_docs.py makes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from examples.make_docs import DOCS, make_all
from tasks.documents import extract, walk
from tests.documents.offsets import assert_consistent


def test_every_corpus_document_extracts_with_headings_and_no_warnings() -> None:
    files, skipped = walk(DOCS)
    assert skipped == []
    assert 30 <= len(files) <= 40
    formats: Counter[str] = Counter()
    for path in files:
        doc = extract(path)
        formats[doc.format] += 1
        assert doc.warnings == [], path
        assert doc.headings() or doc.format == "text", f"{path} has no headings"
        assert len(doc.text.split()) >= 150, f"{path} is too short to be realistic"
        assert_consistent(doc)
    assert formats["markdown"] >= 20
    assert formats["docx"] >= 3 and formats["pdf"] >= 3
    assert formats["html"] == formats["rst"] == formats["text"] == 1
    assert sum(p.stat().st_size for p in files) < 2 * 1024 * 1024


def test_committed_word_and_pdf_files_match_the_generator(tmp_path: Path) -> None:
    # Compared by extracted text, not bytes: a new python-docx or fpdf2 may lay the bytes
    # out differently without changing a word.
    made = make_all(tmp_path)
    assert sorted(p.name for p in made) == sorted(
        p.name for p in DOCS.iterdir() if p.suffix in (".docx", ".pdf"))
    for path in made:
        committed = DOCS / path.name
        assert extract(committed).text == extract(path).text, (
            f"{committed} differs from what examples/make_docs.py makes: re-run it"
        )
