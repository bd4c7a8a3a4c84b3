"""What one rag sync did, as one typed result.

`summarize` adds up the steps of a sync (delete, rename, one index step per
batch) against the plan that detection made; `RagSyncSummary` is what the
`rag-sync` flow returns, what `qaflow rag sync --json` prints (field order is
the JSON's key order), and what its Prefect artifacts are made of
(`table_rows`, `markdown`) and the CLI's lines (`console_markup`). The counts
obey the identities documented on `BatchResult`: `embedded + reused ==
chunks_written + chunks_kept`, and the store grows by `chunks_written -
chunks_deleted`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from tasks.changes.detect import ChangePlan, Problem
from tasks.changes.results import BatchResult
from tasks.memory import peak_rss_mib, rss_mib

__all__ = ["COUNT_KEYS", "RagSyncSummary", "summarize"]

# the per-file and per-chunk counts: the progress bar's "done" event and the first rows of the artifact
COUNT_KEYS = (
    "added",
    "changed",
    "deleted",
    "renamed",
    "unchanged",
    "failed",
    "skipped",
    "ignored",
    "chunks_written",
    "chunks_kept",
    "chunks_deleted",
    "reused",
)

FAILURES_IN_ARTIFACT = 50
IGNORES_KEPT = 20


class RagSyncSummary(BaseModel):
    """The result of `rag_sync`: files by outcome, chunks by outcome, time and memory.

    `failures` and `skips` name every file that was not indexed and why; `ignores`
    holds the first few of the entries never read (editor debris, hidden entries,
    .qaflowignore/.gitignore patterns), `ignored` counts them all. Memory figures
    are MiB (tasks.memory).
    """

    added: int = 0
    changed: int = 0
    deleted: int = 0
    renamed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    ignored: int = 0
    chunks_written: int = 0
    chunks_kept: int = 0
    chunks_deleted: int = 0
    reused: int = 0
    embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0
    lock_wait_seconds: float = 0.0
    peak_rss_mib: float = Field(default=0.0, description="Peak resident memory of the process, MiB.")
    rss_mib: float = Field(default=0.0, description="Resident memory at the end of the sync, MiB.")
    repaired: int = 0
    source_dir: str = ""
    store: str = ""
    failures: list[Problem] = Field(default_factory=list)
    skips: list[Problem] = Field(default_factory=list)
    ignores: list[Problem] = Field(default_factory=list)
    # logged by the flow, not part of the result (a file indexed with a note, e.g. its encoding)
    warnings: list[Problem] = Field(default_factory=list, exclude=True)

    ARTIFACT_FIGURES: ClassVar[tuple[str, ...]] = (
        *COUNT_KEYS, "embedded", "embed_seconds", "seconds", "peak_rss_mib", "repaired",
    )

    @property
    def indexed_files(self) -> int:
        """Files the index serves after the sync."""
        return self.added + self.changed + self.unchanged + self.renamed

    def counts(self) -> dict[str, int]:
        """The COUNT_KEYS figures (the progress bar's last event)."""
        return {key: getattr(self, key) for key in COUNT_KEYS}

    def finished(self, started: float, lock_wait: float) -> RagSyncSummary:
        """The summary with the run's wall time (from `started`, a perf_counter) and memory, taken now."""
        return self.model_copy(update={
            "seconds": round(time.perf_counter() - started, 3),
            "lock_wait_seconds": round(lock_wait, 3),
            "rss_mib": round(rss_mib(), 1),
            "peak_rss_mib": round(peak_rss_mib(), 1),
        })

    def table_rows(self) -> list[dict[str, Any]]:
        """One row per figure, then one per failed file (the first 50): the Prefect table artifact."""
        rows: list[dict[str, Any]] = [{"figure": key, "value": getattr(self, key)} for key in self.ARTIFACT_FIGURES]
        rows += [{"figure": f"failed: {p.path}", "value": p.reason} for p in self.failures[:FAILURES_IN_ARTIFACT]]
        return rows

    def description(self) -> str:
        return f"rag sync of {self.source_dir} into {self.store}"

    def markdown(self) -> str:
        """The summary for people in the Prefect UI: the two count lines and the failed files."""
        lines = [
            f"# rag sync of `{self.source_dir}`",
            "",
            f"into `{self.store}`",
            "",
            f"- **files**: {self._files_line()}",
            f"- **chunks**: {self._chunks_line()}",
        ]
        if self.failures:
            lines += ["", "| failed file | reason |", "| --- | --- |"]
            lines += [f"| `{_cell(p.path)}` | {_cell(p.reason)} |" for p in self.failures[:FAILURES_IN_ARTIFACT]]
        return "\n".join(lines) + "\n"

    def console_markup(self) -> list[str]:
        """What `qaflow rag sync` prints (rich markup): the folder and store, files, chunks, then failures.

        Paths and reasons are escaped: a store described as "folder [collection]" or a
        file named "[draft].md" is shown as it is, not read as markup."""
        from rich.markup import escape

        lines = [
            f"[bold]{escape(self.source_dir)}[/] -> {escape(self.store)}\n"
            f"  files: {self._files_line()}\n"
            f"  chunks: {self._chunks_line()}"
        ]
        lines += [f"  [red]failed[/] {escape(p.path)}: {escape(p.reason)}" for p in self.failures]
        return lines

    def _files_line(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.deleted} deleted, {self.renamed} renamed, "
            f"{self.unchanged} unchanged, {self.failed} failed, {self.skipped} skipped, {self.ignored} ignored"
        )

    def _chunks_line(self) -> str:
        return (
            f"{self.chunks_written} written, {self.chunks_kept} kept, {self.chunks_deleted} deleted; "
            f"{self.embedded} embedded in {self.embed_seconds} s, {self.reused} vectors reused; "
            f"{self.seconds} s total, peak RSS {self.peak_rss_mib} MiB"
        )


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return " ".join(text.split()).replace("|", "\\|")


def summarize(
    plan: ChangePlan,
    steps: Iterable[BatchResult],
    *,
    repaired: int,
    source_dir: str,
    store: str,
) -> RagSyncSummary:
    """The plan and what its steps did, as one summary (a file counts as added or changed
    only when it was indexed: one that failed or was skipped while indexing counts there)."""
    totals = BatchResult.merged(steps)
    not_indexed = {p.path for p in totals.failed} | {p.path for p in totals.skipped}
    return RagSyncSummary(
        added=len({s.path for s in plan.added} - not_indexed),
        changed=len({s.path for s in plan.changed} - not_indexed),
        deleted=len(plan.deleted),
        renamed=len(plan.renamed),
        unchanged=plan.unchanged + len(plan.touched),
        failed=len(plan.failed) + len(totals.failed),
        skipped=len(plan.skipped) + len(totals.skipped),
        ignored=len(plan.ignored),
        chunks_written=totals.chunks_written,
        chunks_kept=totals.chunks_kept,
        chunks_deleted=totals.chunks_deleted,
        reused=totals.reused,
        embedded=totals.embedded,
        embed_seconds=round(totals.embed_seconds, 3),
        repaired=repaired,
        source_dir=source_dir,
        store=store,
        failures=plan.failed + totals.failed,
        skips=plan.skipped + totals.skipped,
        ignores=plan.ignored[:IGNORES_KEPT],
        warnings=totals.warnings,
    )
