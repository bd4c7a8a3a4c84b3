"""Bytes to text: the size cap, binary detection and UTF-8 with counted replacements.

Teams' folders hold whatever people saved; a reader must tell a document from an
image or an archive before decoding it, and must say when it had to guess.
"""

from __future__ import annotations

import codecs
import threading
from pathlib import Path

from tasks.documents.errors import DocumentError, UnsupportedDocument

MAX_BYTES = 50 * 1024 * 1024
SNIFF_BYTES = 8192

# Leading bytes of formats that are never text, whatever their suffix says.
BINARY_SIGNATURES: dict[bytes, str] = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF87a": "GIF image",
    b"GIF89a": "GIF image",
    b"%PDF-": "PDF document",
    b"PK\x03\x04": "ZIP archive (or an Office file)",
    b"\x1f\x8b": "gzip archive",
    b"\xfd7zXZ\x00": "xz archive",
    b"7z\xbc\xaf\x27\x1c": "7z archive",
    b"Rar!\x1a\x07": "RAR archive",
    b"\x7fELF": "ELF executable",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "OLE file (legacy Office or encrypted Office)",
    b"SQLite format 3\x00": "SQLite database",
    b"\x00asm": "WebAssembly module",
    b"OggS": "Ogg media",
    b"RIFF": "RIFF media (WAV/AVI/WebP)",
    b"\xca\xfe\xba\xbe": "Java class file",
}

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_replaced = threading.local()


def _record_and_replace(error: UnicodeDecodeError) -> tuple[str, int]:
    _replaced.ranges.append((error.start, error.end))
    return ("\ufffd", error.end)


codecs.register_error("qaflow.documents.replace", _record_and_replace)


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The whole file, refusing files over the cap before reading them."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(path, f"too large ({size:,} bytes, limit {max_bytes:,})")
        with path.open("rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from exc


def binary_kind(head: bytes) -> str | None:
    """What a file is when its first bytes say it is not text, else None."""
    if head.startswith(UTF16_BOMS):
        return None
    for signature, kind in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if b"\x00" in head[:SNIFF_BYTES]:
        return "contains NUL bytes"
    return None


def decode_text(data: bytes, path: Path, warnings: list[str]) -> str:
    """Text from bytes: UTF-8 (BOM or not), UTF-16 with a BOM; else UTF-8 with U+FFFD for
    every undecodable run, and a warning that counts them. Line ends become \\n."""
    kind = binary_kind(data[:SNIFF_BYTES])
    if kind is not None:
        raise UnsupportedDocument(path, f"binary file ({kind})")
    if data.startswith(UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(path, f"invalid UTF-16 at byte {exc.start}") from exc
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            _replaced.ranges = []
            text = data.decode("utf-8", errors="qaflow.documents.replace")
            ranges, _replaced.ranges = _replaced.ranges, []
            count = sum(end - start for start, end in ranges)
            shown = ", ".join(str(start) for start, _ in ranges[:5])
            more = f" and {len(ranges) - 5} more places" if len(ranges) > 5 else ""
            warnings.append(
                f"{path}: not valid UTF-8; {count} undecodable byte(s) replaced with U+FFFD "
                f"at byte offset(s) {shown}{more}"
            )
    return text.replace("\r\n", "\n").replace("\r", "\n")
