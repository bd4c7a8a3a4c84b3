"""Bytes to text: the size cap, binary detection, encoding detection, and UTF-8
with counted replacements as the last resort.

Teams' folders hold whatever people saved; a reader must tell a document from an
image or an archive before decoding it, and must say when it had to guess. A
Korean team's notes are often CP949, a Japanese one's Shift-JIS, an old Windows
file cp1252: text that is not UTF-8 is decoded by detection (charset-normalizer,
among the encodings in DETECTABLE), and the encoding used is reported, so a
chunk's metadata can say how its file was read.
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

# Candidates for text that is not UTF-8, for charset-normalizer. A short list keeps
# detection right on short files (with every code page, "Café" in Latin-1 reads as
# Cyrillic cp1251). cp949 is a superset of EUC-KR, cp932 of Shift-JIS, cp1252 of
# Latin-1's printable range; latin_1 decodes any byte, so nothing is left undecoded.
DETECTABLE = ("cp949", "shift_jis", "cp932", "euc_jp", "gb18030", "big5", "cp1252", "latin_1")

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
    """Text from bytes (see `decode_detected`); the encoding is dropped."""
    return decode_detected(data, path, warnings)[0]


def detect_encoding(data: bytes) -> str | None:
    """The most likely of DETECTABLE for bytes that are not UTF-8, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(DETECTABLE)).best()
    return best.encoding if best is not None else None


def decode_detected(data: bytes, path: Path, warnings: list[str]) -> tuple[str, str]:
    """(text, encoding used). UTF-8 with or without BOM ("utf-8", "utf-8-sig"), UTF-16
    with a BOM ("utf-16"), else the detected encoding (e.g. "cp949", "cp932",
    "cp1252"); when nothing fits, UTF-8 with U+FFFD for every undecodable run and a
    warning that counts them ("utf-8-replaced"). Line ends become \\n."""
    kind = binary_kind(data[:SNIFF_BYTES])
    if kind is not None:
        raise UnsupportedDocument(path, f"binary file ({kind})")
    encoding = "utf-8"
    if data.startswith(UTF16_BOMS):
        encoding = "utf-16"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(path, f"invalid UTF-16 at byte {exc.start}") from exc
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
            encoding = "utf-8-sig"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            _replaced.ranges = []
            text = data.decode("utf-8", errors="qaflow.documents.replace")
            ranges, _replaced.ranges = _replaced.ranges, []
            count = sum(end - start for start, end in ranges)
            # UTF-8 with a few damaged bytes (more valid non-ASCII characters than bad
            # bytes) stays UTF-8: read in a legacy code page, all its good text would
            # turn into mojibake. Otherwise the file is in another encoding: detect it.
            valid_non_ascii = sum(1 for ch in text if ord(ch) > 127) - len(ranges)
            detected = detect_encoding(data) if valid_non_ascii < count else None
            if detected is not None:
                try:
                    text = data.decode(detected)
                    return text.replace("\r\n", "\n").replace("\r", "\n"), detected
                except (UnicodeDecodeError, LookupError):
                    pass
            encoding = "utf-8-replaced"
            shown = ", ".join(str(start) for start, _ in ranges[:5])
            more = f" and {len(ranges) - 5} more places" if len(ranges) > 5 else ""
            warnings.append(
                f"{path}: not valid UTF-8; {count} undecodable byte(s) replaced with U+FFFD "
                f"at byte offset(s) {shown}{more}"
            )
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
