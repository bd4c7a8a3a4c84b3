"""What a document may cost: Office packages measured before inflating, PDFs bounded,
files opened once without following links. Every bomb here is real (tests/documents/bombs.py)."""

from __future__ import annotations

import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tasks.documents import DocumentError, UnsupportedDocument, extract, extract_read, read_file
from tests.documents.bombs import (
    DOC_PARAGRAPH,
    Member,
    docx_members,
    run_measured,
    write_docx_bomb,
    write_pdf,
    write_zip,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_2_gib_docx_bomb_is_refused_from_its_central_directory(tmp_path: Path) -> None:
    bomb = write_docx_bomb(tmp_path / "bomb.docx", inflated=2 << 30)
    assert bomb.stat().st_size < 10 << 20
    started = time.perf_counter()
    with pytest.raises(DocumentError) as caught:
        extract(bomb)
    assert time.perf_counter() - started < 5  # refused before anything was inflated
    message = str(caught.value)
    assert message.startswith(f"{bomb}: docx package inflates to more than 104,857,600 bytes")
    assert "'word/document.xml'" in message and "zip bomb" in message


def test_the_bomb_is_a_valid_docx(tmp_path: Path) -> None:
    """The same construction, small: python-docx reads it, and its CRC is right."""
    small = write_zip(tmp_path / "small.docx", docx_members(40, block_paragraphs=10))
    assert zipfile.ZipFile(small).testzip() is None
    assert extract(small).text.split("\n\n") == ["bomb"] * 40


def test_a_member_with_a_ratio_over_100_is_refused(tmp_path: Path) -> None:
    dense = write_zip(tmp_path / "dense.docx", docx_members(600_000))  # ~23 MB of XML from ~70 KB
    with pytest.raises(DocumentError) as caught:
        extract(dense)
    assert ":1" in caught.value.reason and "limit 100:1" in caught.value.reason
    assert "'word/document.xml'" in caught.value.reason


def test_limits_come_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = write_zip(tmp_path / "doc.docx", docx_members(60_000, block_paragraphs=100))  # ~2.3 MB, ratio < 100
    assert len(extract(doc).text) > 100_000
    monkeypatch.setenv("QAFLOW_DOCUMENTS_MAX_UNPACKED_BYTES", str(1 << 20))
    with pytest.raises(DocumentError, match="inflates to more than 1,048,576 bytes"):
        extract(doc)
    monkeypatch.setenv("QAFLOW_DOCUMENTS_MAX_MEMBERS", "2")
    with pytest.raises(DocumentError, match=r"has 3 members \(limit 2\)"):
        extract(doc)


def test_a_lying_central_directory_is_caught_by_counting_what_inflates(tmp_path: Path) -> None:
    """document.xml declared as 1,000 bytes, inflating to 400 MB. zipfile's read() would
    inflate all of it before cutting (775 MB RSS measured); the counted inflate stops at 64 KB
    steps. Measured in a child process, from wait4()."""
    forged = write_zip(tmp_path / "forged.docx", docx_members(400_000_000 // len(DOC_PARAGRAPH), declared=1000))
    code = (
        "import sys\nfrom tasks.documents import extract, DocumentError\n"
        "try:\n    extract(sys.argv[1])\nexcept DocumentError as exc:\n    print(exc)\n"
    )
    status, out, err, peak_mb = run_measured([sys.executable, "-c", code, str(forged)], cwd=ROOT)
    assert status == 0, err
    assert "member 'word/document.xml' does not inflate to its declared size" in out
    assert str(forged) in out
    assert peak_mb < 250, peak_mb


def test_compression_methods_office_never_uses_are_refused(tmp_path: Path) -> None:
    members = docx_members(10, block_paragraphs=5)
    members[2].method = 12  # bzip2: zipfile inflates a whole input block per read
    odd = write_zip(tmp_path / "odd.docx", members)
    with pytest.raises(DocumentError, match="uses compression method 12"):
        extract(odd)


def test_an_xlsx_bomb_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    plain = tmp_path / "plain.xlsx"
    workbook = Workbook()
    workbook.active.append(["id", "title"])
    workbook.save(plain)
    with zipfile.ZipFile(plain) as package:
        members = [Member(info.filename, head=package.read(info)) for info in package.infolist()]
    sheet = next(m for m in members if m.name == "xl/worksheets/sheet1.xml")
    head, _, tail = sheet.head.partition(b"</sheetData>")
    sheet.head, sheet.tail = head.replace(b"<sheetData/>", b"<sheetData>"), b"</sheetData>" + tail
    sheet.block, sheet.count = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>' * 4096, 2000
    bomb = write_zip(tmp_path / "bomb.xlsx", members)
    with pytest.raises(DocumentError, match=r"xlsx package inflates to more than .*'xl/worksheets/sheet1.xml'"):
        extract(bomb)


def test_pdf_pages_and_decoded_content_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = write_pdf(tmp_path / "many.pdf", pages=5)
    monkeypatch.setenv("QAFLOW_DOCUMENTS_MAX_PDF_PAGES", "3")
    with pytest.raises(DocumentError, match=r"many.pdf: PDF has 5 pages \(limit 3\)"):
        extract(many)
    monkeypatch.delenv("QAFLOW_DOCUMENTS_MAX_PDF_PAGES")
    heavy = write_pdf(tmp_path / "heavy.pdf", pages=3, content=b"q Q\n" * 16384)  # 64 KiB per page
    assert extract(heavy).format == "pdf"
    monkeypatch.setenv("QAFLOW_DOCUMENTS_MAX_PDF_DECODED_BYTES", str(150_000))
    with pytest.raises(DocumentError, match=r"inflates past 150,000 bytes \(at page 3 of 3\)"):
        extract(heavy)


def test_a_pdf_stream_bomb_stays_bounded(tmp_path: Path) -> None:
    """One content stream inflating to 1 GiB from ~1 MB: pypdf's limit (lowered to ours)
    stops it; the page is lost, the process stays small."""
    bomb = write_pdf(tmp_path / "bomb.pdf", pages=1, content=b"q Q\n" * 262144, repeat=1024)
    code = (
        "import sys\nfrom tasks.documents import extract, DocumentError\n"
        "try:\n    extract(sys.argv[1])\nexcept DocumentError as exc:\n    print(exc)\n"
    )
    status, out, err, peak_mb = run_measured([sys.executable, "-c", code, str(bomb)], cwd=ROOT)
    assert status == 0, err
    assert out.startswith(f"{bomb}: cannot extract text: page 1: LimitReachedError"), out
    assert peak_mb < 400, peak_mb


# -- opening once, without links ------------------------------------------------------------


def test_read_file_takes_size_mtime_and_hash_from_what_it_read(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "a.md"
    path.write_bytes(b"# A\n\nalpha\n")
    os.utime(path, ns=(1, 1_234_567_890_123_456_789))
    read = read_file(path, tmp_path)
    assert (read.data, read.size, read.mtime_ns) == (b"# A\n\nalpha\n", 11, 1_234_567_890_123_456_789)
    assert read.sha256 == hashlib.sha256(b"# A\n\nalpha\n").hexdigest()
    document, stat = extract_read(path, root=tmp_path)
    assert document.text == "# A\n\nalpha" and stat == read.stat


def test_links_are_never_opened(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "notes.md").write_text("# secret\n")
    (root / "link.md").symlink_to(secret / "notes.md")
    with pytest.raises(UnsupportedDocument, match=r"link.md: symbolic link \(not followed\)"):
        extract(root / "link.md", root=root)
    with pytest.raises(UnsupportedDocument, match="symbolic link"):
        extract(root / "link.md")  # without a root: the file itself still is not followed
    # a sub-folder swapped for a link to a folder outside
    (root / "sub").rmdir()
    (root / "sub").symlink_to(secret, target_is_directory=True)
    with pytest.raises(UnsupportedDocument, match=r"folder 'sub' on its path is a symbolic link \(not followed\)"):
        extract(root / "sub" / "notes.md", root=root)
    with pytest.raises(DocumentError, match="outside the folder"):
        extract(secret / "notes.md", root=root)
    with pytest.raises(DocumentError, match="outside the folder"):
        extract(root / ".." / "secret" / "notes.md", root=root)
    with pytest.raises(DocumentError, match="not a file inside the folder"):
        read_file(root, root)


def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")  # opening a FIFO for reading blocks until a writer comes
    started = time.perf_counter()
    with pytest.raises(UnsupportedDocument, match="not a regular file"):
        extract(tmp_path / "pipe.md", root=tmp_path)
    assert time.perf_counter() - started < 2
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(UnsupportedDocument, match="not a regular file"):
        extract(tmp_path / "folder.md")
    with pytest.raises(DocumentError, match="no such file"):
        extract(tmp_path / "gone.md", root=tmp_path)
