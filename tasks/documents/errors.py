"""The two ways reading a file fails: the file is broken, or it is not a document."""

from __future__ import annotations


class DocumentError(Exception):
    """Unreadable, corrupt, too large or password-protected; the message names the file."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedDocument(DocumentError):
    """Not a document we read (a binary file, an unknown suffix): skip it, with this reason."""
