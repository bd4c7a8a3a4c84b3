"""Real zip bombs, written in seconds and a few MB of memory.

Compressing 2 GiB with zlib takes minutes on a loaded machine, so a member that
repeats one block is deflated once: the block is compressed after a full flush
(which resets the compressor's window), so its compressed bytes are the same
every time and are written `count` times; the CRC-32 is computed over the
repeated block as any unzip tool will. The result is a valid ZIP (and, with the
parts below, a valid .docx or .xlsx) that inflates to `count * len(block)`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES_DOCX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
RELS_DOCX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
DOC_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'.encode()
DOC_PARAGRAPH = b"<w:p><w:r><w:t>bomb</w:t></w:r></w:p>"
DOC_TAIL = b"</w:body></w:document>"


@dataclass
class Member:
    """A ZIP member: head + block * count + tail, deflated; `declared` overrides the
    uncompressed size written in the headers (a lying central directory)."""

    name: str
    head: bytes = b""
    block: bytes = b""
    count: int = 0
    tail: bytes = b""
    declared: int | None = None
    method: int = 8  # 8 deflate, 12 bzip2 (only declared: the data is deflate)

    @property
    def size(self) -> int:
        return len(self.head) + len(self.block) * self.count + len(self.tail)


def _deflated(member: Member) -> tuple[list[bytes], bytes, int, int]:
    """(pieces, repeated block, crc, compressed size): pieces[0] + block*count + pieces[1]."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(member.head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = b""
    if member.count:
        block = compressor.compress(member.block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(member.tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(member.head)
    for _ in range(member.count):
        crc = zlib.crc32(member.block, crc)
    crc = zlib.crc32(member.tail, crc)
    return [head, tail], block, crc, len(head) + len(block) * member.count + len(tail)


def write_zip(path: Path, members: list[Member]) -> Path:
    """Write the members as a ZIP (no zip64: every member under 4 GiB)."""
    central: list[bytes] = []
    with path.open("wb") as out:
        for member in members:
            offset = out.tell()
            (head, tail), block, crc, compressed = _deflated(member)
            size = member.size if member.declared is None else member.declared
            assert size < 0xFFFFFFFF and compressed < 0xFFFFFFFF
            name = member.name.encode()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, member.method, 0, 0x21, crc, compressed,
                                  size, len(name), 0) + name)
            out.write(head)
            for _ in range(member.count):
                out.write(block)
            out.write(tail)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, member.method, 0, 0x21, crc,
                                       compressed, size, len(name), 0, 0, 0, 0, 0, offset) + name)
        start = out.tell()
        for entry in central:
            out.write(entry)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return path


def docx_members(paragraphs: int, block_paragraphs: int = 1 << 15, declared: int | None = None) -> list[Member]:
    """A valid .docx whose word/document.xml holds about `paragraphs` paragraphs."""
    block = DOC_PARAGRAPH * block_paragraphs
    return [
        Member("[Content_Types].xml", head=CONTENT_TYPES_DOCX),
        Member("_rels/.rels", head=RELS_DOCX),
        Member("word/document.xml", head=DOC_HEAD, block=block, count=max(1, paragraphs // block_paragraphs),
               tail=DOC_TAIL, declared=declared),
    ]


def write_docx_bomb(path: Path, inflated: int = 2 << 30, declared: int | None = None) -> Path:
    """A .docx whose word/document.xml inflates to about `inflated` bytes."""
    return write_zip(path, docx_members(inflated // len(DOC_PARAGRAPH), declared=declared))


def chunks_of(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(size):
            yield block


# Started by run_measured: runs argv[2:] as its own child and writes that child's
# rusage peak (KiB) to the fd given as argv[1]. The launcher is small, so the
# child it forks starts with a small memory map: see run_measured.
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], close_fds=True)
_, status, usage = os.wait4(proc.pid, 0)
os.write(int(sys.argv[1]), str(usage.ru_maxrss).encode())
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def run_measured(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                 timeout: float = 600, preexec_fn=None) -> tuple[int, str, str, float]:
    """Run a child and return (exit status, stdout, stderr, its peak RSS in MB).

    Linux keeps a process's peak RSS across exec(), and a child forked (or
    vforked) from this test process starts with this process's memory map: after
    an hour of tests that alone reads as 1.5 GB. So a small launcher process is
    started first, and it forks and waits for the measured child: the peak comes
    from wait4() on that child alone, whose map started at the launcher's size.
    """
    import os
    import subprocess
    import sys
    import tempfile

    read_end, write_end = os.pipe()
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(write_end), *argv], env=env, cwd=cwd,
                stdout=out, stderr=err, preexec_fn=preexec_fn, pass_fds=(write_end,),
            )
            os.close(write_end)
            write_end = -1
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            peak_kib = os.read(read_end, 64).decode() or "0"
            out.seek(0)
            err.seek(0)
            return proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"), \
                int(peak_kib) / 1024
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


def write_pdf(path: Path, pages: int = 1, content: bytes = b"", repeat: int = 1) -> Path:
    """A PDF of `pages` pages, each with one FlateDecode content stream that inflates to
    `content * repeat` (deflated once per block, as for the ZIP members)."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject, StreamObject

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(content) + compressor.flush(zlib.Z_FULL_FLUSH) if content else b""
    end = compressor.flush(zlib.Z_FINISH)
    adler = 1
    for _ in range(repeat if content else 0):
        adler = zlib.adler32(content, adler)
    data = b"\x78\xda" + block * (repeat if content else 0) + end + struct.pack(">I", adler)
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        if content:
            stream = StreamObject()
            stream.set_data(data)
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
            stream[NameObject("/Length")] = NumberObject(len(data))
            page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as out:
        writer.write(out)
    return path
