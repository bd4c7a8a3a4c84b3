"""Measuring an Office package (a ZIP) before a library inflates it.

A .docx or .xlsx is a ZIP of XML parts; python-docx loads every part into
memory and lxml builds a tree of the main one, so a 2 MB file whose
word/document.xml inflates to 2 GiB took rag sync from 0.76 GB to 4.3 GB. The
central directory says how large each member is and how well it compressed:
the package is refused when its members together are over the unpacked limit,
when one member inflates more than the ratio limit (past a small floor), or
when it has too many members.

The central directory can lie (a member declared at 1 KB that inflates to
gigabytes). Python's zipfile cuts a member at its declared size and then fails
the CRC check, but `ZipFile.read()` (what python-docx calls) inflates the whole
stream before cutting it: 775 MB of RSS for a member declared at 1 KB that
inflates to 400 MB. So every member is also inflated here once, 64 KB at a time
with a counter, and a member that does not inflate to exactly its declared size
and CRC is refused before any library reads it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from tasks.documents.errors import DocumentError
from tasks.documents.limits import ReadLimits

INFLATE_BLOCK = 1 << 16
OFFICE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


def check_package(path: str | Path, data: bytes, kind: str, limits: ReadLimits | None = None) -> None:
    """Refuse a ZIP-based document whose declared sizes exceed the limits, naming the member.

    Not a ZIP at all is left to the reader (it reports a corrupt or encrypted file).
    """
    limits = limits or ReadLimits.from_settings()
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        return
    with package:
        members = package.infolist()
        _check_declared(path, members, kind, limits)
        for member in members:
            _inflate_counted(package, member, path, kind)


def _check_declared(path: str | Path, members: list[zipfile.ZipInfo], kind: str, limits: ReadLimits) -> None:
    """Sizes and ratios as the central directory declares them: refuses an honest bomb at once."""
    if len(members) > limits.max_members:
        raise DocumentError(path, f"{kind} package has {len(members):,} members (limit {limits.max_members:,})")
    total = 0
    for member in members:
        if member.compress_type not in OFFICE_METHODS:
            # bzip2 and lzma members inflate whole input blocks at once in zipfile
            # (no output bound per read); Office writes stored or deflated parts only.
            raise DocumentError(
                path, f"{kind} member {member.filename!r} uses compression method {member.compress_type}, "
                      "which Office files do not use"
            )
        total += member.file_size
        if total > limits.max_unpacked_bytes:
            raise DocumentError(
                path,
                f"{kind} package inflates to more than {limits.max_unpacked_bytes:,} bytes "
                f"(at member {member.filename!r}, {member.file_size:,} bytes uncompressed; zip bomb?)",
            )
        if member.file_size > limits.ratio_floor_bytes:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.max_ratio:
                raise DocumentError(
                    path,
                    f"{kind} member {member.filename!r} inflates {ratio:,.0f}:1 "
                    f"({member.compress_size:,} -> {member.file_size:,} bytes; limit {limits.max_ratio}:1; zip bomb?)",
                )


def _inflate_counted(package: zipfile.ZipFile, member: zipfile.ZipInfo, path: str | Path, kind: str) -> None:
    """Inflate one member in 64 KB steps (output never larger), checking its true size and CRC."""
    seen = 0
    try:
        with package.open(member) as stream:
            while block := stream.read(INFLATE_BLOCK):
                seen += len(block)
                if seen > member.file_size:  # zipfile stops at the declared size; belt and braces
                    break
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError, NotImplementedError) as exc:
        raise DocumentError(
            path, f"{kind} member {member.filename!r} does not inflate to its declared size: {exc}"
        ) from exc
    except RuntimeError as exc:  # an encrypted member
        raise DocumentError(path, f"{kind} member {member.filename!r}: {exc}") from exc
    if seen != member.file_size:
        raise DocumentError(
            path, f"{kind} member {member.filename!r} inflates to {seen:,} bytes, declared {member.file_size:,}"
        )
