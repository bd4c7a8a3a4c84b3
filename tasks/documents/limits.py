"""What one document may cost to read: bytes on disk, bytes unpacked, PDF pages.

Documents come from shared drives and other people; a 2 MB .docx can inflate to
gigabytes, a PDF can hold a million pages. Every reader checks these limits
before it does the expensive part, and refuses the file with a DocumentError
naming it (the rest of the folder is still read). The values come from the
settings (QAFLOW_DOCUMENTS_MAX_*), so a team with bigger files can raise them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.settings import settings


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The limits one extraction runs under (see tasks/settings.py for each one's meaning)."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 100
    max_members: int = 10_000
    max_pdf_pages: int = 2_000
    max_pdf_decoded_bytes: int = 100 * 1024 * 1024
    # A member smaller than this is never refused for its ratio alone: short runs of
    # repeated XML (an empty styles part) compress far beyond 100:1 and cost nothing.
    ratio_floor_bytes: int = 1024 * 1024

    @classmethod
    def from_settings(cls) -> ReadLimits:
        """The limits the environment sets now (QAFLOW_DOCUMENTS_MAX_*, read through
        tasks.settings, which parses each set of values once: a change shows at once)."""
        current = settings()
        return cls(
            max_file_bytes=current.documents_max_file_bytes,
            max_unpacked_bytes=current.documents_max_unpacked_bytes,
            max_ratio=current.documents_max_ratio,
            max_members=current.documents_max_members,
            max_pdf_pages=current.documents_max_pdf_pages,
            max_pdf_decoded_bytes=current.documents_max_pdf_decoded_bytes,
        )
