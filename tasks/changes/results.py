"""What one step of a sync did (delete, rename, or one batch of files indexed).

Its own small module so the summary, the tasks and the package surface can
name it without importing the index (Chroma, the model).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from tasks.changes.detect import Problem

__all__ = ["BatchResult"]


class BatchResult(BaseModel):
    """What one step did; summed by the flow.

    The chunk counters add up: every chunk of the files indexed is either embedded
    or reused (`embedded + reused == chunks_written + chunks_kept`); `chunks_written`
    are ids new to the store, `chunks_kept` ids it already had (rewritten with their
    new offsets), `chunks_deleted` ids it lost, so the store grows by
    `chunks_written - chunks_deleted`.
    """

    indexed: list[str] = Field(default_factory=list)
    failed: list[Problem] = Field(default_factory=list)
    skipped: list[Problem] = Field(default_factory=list)
    warnings: list[Problem] = Field(default_factory=list)
    chunks_written: int = 0
    chunks_kept: int = 0
    chunks_deleted: int = 0
    embedded: int = 0
    reused: int = 0
    embed_seconds: float = 0.0

    @classmethod
    def merged(cls, results: Iterable[BatchResult]) -> BatchResult:
        """The steps of one sync added up (lists joined, counters summed)."""
        total = cls()
        for result in results:
            total.indexed.extend(result.indexed)
            total.failed.extend(result.failed)
            total.skipped.extend(result.skipped)
            total.warnings.extend(result.warnings)
            total.chunks_written += result.chunks_written
            total.chunks_kept += result.chunks_kept
            total.chunks_deleted += result.chunks_deleted
            total.embedded += result.embedded
            total.reused += result.reused
            total.embed_seconds += result.embed_seconds
        return total
