"""Plain text and the decoding rules every text format shares."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tasks.documents import DocumentError, UnsupportedDocument, extract, supported
from tests.documents.offsets import assert_consistent

RUNBOOK = """\
Runbook: the demo API does not start

Check the port first. The service listens on 127.0.0.1:8000 unless
DEMO_API_PORT says otherwise.

Then check the token. Requests without "Authorization: Bearer <token>"
get 401; the token comes from DEMO_API_TOKEN.
""" + "   \n" + "# this line is not a heading in a .txt file\n"


def test_text_is_paragraphs_without_headings(tmp_path: Path) -> None:
    path = tmp_path / "runbook.txt"
    path.write_text(RUNBOOK, encoding="utf-8")
    doc = extract(path)
    assert doc.format == "text"
    assert doc.warnings == []
    assert [s.heading_path for s in doc.sections] == [[]]
    paragraphs = doc.sections[0].text.split("\n\n")
    assert paragraphs[0] == "Runbook: the demo API does not start"
    assert paragraphs[1].startswith("Check the port first.") and "\n" in paragraphs[1]
    assert paragraphs[-1] == "# this line is not a heading in a .txt file"
    assert len(paragraphs) == 4  # the whitespace-only line still separates paragraphs
    assert_consistent(doc)


def test_utf8_bom_is_dropped_and_korean_text_survives(tmp_path: Path) -> None:
    path = tmp_path / "요구사항.md"
    path.write_bytes(codecs.BOM_UTF8 + "# 주문 API\n\n주문을 생성한다.\n".encode())
    doc = extract(path)
    assert doc.text == "# 주문 API\n\n주문을 생성한다."
    assert doc.sections[0].heading_path == ["주문 API"]
    assert doc.warnings == []


def test_utf16_with_bom_is_decoded_not_called_binary(tmp_path: Path) -> None:
    path = tmp_path / "exported.txt"
    path.write_bytes("Exported from Notepad.\n\nSecond paragraph.".encode("utf-16"))
    doc = extract(path)
    assert doc.sections[0].text == "Exported from Notepad.\n\nSecond paragraph."


def test_undecodable_bytes_are_replaced_with_a_warning_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    # UTF-8 text ("Größe – geprüft": 4 non-ASCII characters) damaged by two stray
    # Latin-1 "é" bytes and a 0xFF: more good UTF-8 than bad bytes, so it stays UTF-8
    # (a legacy code page would garble the good text) with the bad bytes replaced.
    # (A file with no valid UTF-8 beyond ASCII is decoded by detection
    # instead, tests/documents/test_encodings.py.)
    path.write_bytes("Größe – geprüft: ".encode() + b"\xe9\xe9 shipped\n\nok \xff end\n")
    doc = extract(path)
    assert doc.text.startswith("Größe – geprüft: ")
    assert "\ufffd" in doc.text and "shipped" in doc.text and doc.text.endswith("ok \ufffd end")
    assert doc.encoding == "utf-8-replaced"
    assert len(doc.warnings) == 1
    warning = doc.warnings[0]
    assert str(path) in warning
    assert "3 undecodable byte(s)" in warning
    assert "byte offset(s) 22, 23, 37" in warning
    assert_consistent(doc)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.md", b"# Title\n\nbody\x00\x00\x01\x02 more", "binary file (contains NUL bytes)"),
        ("logo.md", b"\x89PNG\r\n\x1a\n" + b"\x10" * 64, "binary file (PNG image)"),
        ("archive.txt", b"\x1f\x8b\x08\x00" + b"x" * 40, "binary file (gzip archive)"),
        ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary file (PDF document)"),
    ],
)
def test_binary_files_are_unsupported_with_the_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedDocument) as caught:
        extract(path)
    assert str(caught.value) == f"{path}: {reason}"
    assert caught.value.reason == reason


def test_unknown_suffix_and_no_suffix_are_unsupported(tmp_path: Path) -> None:
    for name, reason in (("model.onnx", "unknown suffix .onnx"), ("Makefile", "no suffix")):
        path = tmp_path / name
        path.write_text("x")
        assert not supported(path)
        with pytest.raises(UnsupportedDocument, match=reason):
            extract(path)
    assert supported("A.MD") and supported("b.Docx") and supported("c.pdf") and supported("d.xlsx")


def test_too_large_and_missing_files_are_document_errors(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(DocumentError, match=r"big\.txt: too large \(5,000 bytes, limit 4,096\)"):
        extract(path, max_bytes=4096)
    with pytest.raises(DocumentError, match="missing.md: no such file") as caught:
        extract(tmp_path / "missing.md")
    assert not isinstance(caught.value, UnsupportedDocument)


def test_a_folder_named_like_a_document_is_not_a_regular_file(tmp_path: Path) -> None:
    folder = tmp_path / "drafts.md"
    folder.mkdir()
    with pytest.raises(UnsupportedDocument, match=r"drafts\.md: not a regular file"):
        extract(folder)


@pytest.mark.parametrize("name", ["empty.md", "empty.txt", "empty.rst", "empty.html", "empty.csv"])
def test_empty_text_files_give_an_empty_document(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("  \n\n")
    doc = extract(path)
    assert doc.text == "" and doc.sections == [] and doc.tables == [] and doc.warnings == []


@pytest.mark.parametrize(("name", "message"), [
    ("empty.pdf", r"empty\.pdf: corrupt PDF"),
    ("empty.docx", r"empty\.docx: corrupt docx"),
    ("empty.xlsx", r"empty\.xlsx: corrupt xlsx"),
])
def test_empty_binary_documents_are_errors_naming_the_file(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match=message):
        extract(path)
