"""The one error every schema reader raises, so callers catch one thing.

Its message always starts with where the problem is: the file, then the line
(and column) for text formats, or the JSON pointer / key path for documents,
so a user can jump straight to it.
"""

from __future__ import annotations


class SchemaError(ValueError):
    """A schema file that cannot be read: where, and why."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
    ) -> None:
        self.reason = message
        self.file = file
        self.line = line
        self.column = column
        self.pointer = pointer
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<schema>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.pointer is not None:
            where += f" at {self.pointer or '/'}"
        return f"{where}: {self.reason}"
