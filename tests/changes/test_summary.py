"""RagSyncSummary: the steps of a sync added up against its plan, and the three ways it is
shown (the JSON of `rag sync --json`, the Prefect artifacts, the CLI's lines). Plain models,
no Prefect, no model."""

from __future__ import annotations

import json
import time

from tasks.changes import (
    COUNT_KEYS,
    BatchResult,
    ChangePlan,
    FileState,
    Problem,
    RagSyncSummary,
    summarize,
)

# the keys `qaflow rag sync --json` printed before the summary was a model, in that order
JSON_KEYS = [
    "added", "changed", "deleted", "renamed", "unchanged", "failed", "skipped", "ignored",
    "chunks_written", "chunks_kept", "chunks_deleted", "reused", "embedded", "embed_seconds", "seconds",
    "lock_wait_seconds", "peak_rss_mib", "rss_mib", "repaired", "source_dir", "store", "failures", "skips", "ignores",
]


def _state(name: str, size: int = 10) -> FileState:
    return FileState(path=f"/docs/{name}", size=size, mtime_ns=1, sha256=name * 4)


def _plan() -> ChangePlan:
    return ChangePlan(
        root="/docs",
        added=[_state("a.md"), _state("b.md"), _state("bad.pdf")],
        changed=[_state("c.md"), _state("odd.docx")],
        deleted=["/docs/gone.md"],
        renamed=[("/docs/old.md", _state("new.md"))],
        touched=[_state("t.md")],
        unchanged=4,
        skipped=[Problem(path="/docs/x.png", reason="unsupported type .png")],
        failed=[Problem(path="/docs/locked", reason="permission denied")],
        ignored=[Problem(path=f"/docs/~$f{i}.docx", reason="Office lock file (~$*)") for i in range(25)],
    )


def _steps() -> list[BatchResult]:
    deleted = BatchResult(chunks_deleted=3)
    renamed = BatchResult(chunks_written=2, chunks_deleted=2, reused=2)
    first = BatchResult(indexed=["/docs/a.md", "/docs/b.md"], chunks_written=5, embedded=4, reused=1, embed_seconds=0.25,
                        failed=[Problem(path="/docs/bad.pdf", reason="corrupt pdf")])
    second = BatchResult(indexed=["/docs/c.md"], chunks_written=1, chunks_kept=2, chunks_deleted=1, embedded=3,
                         embed_seconds=0.5, skipped=[Problem(path="/docs/odd.docx", reason="symbolic link")],
                         warnings=[Problem(path="/docs/c.md", reason="read as cp1252")])
    return [deleted, renamed, first, second]


def test_summarize_adds_the_steps_up_against_the_plan() -> None:
    summary = summarize(_plan(), _steps(), repaired=2, source_dir="/docs", store="/home/chroma [docs]")
    # a file that failed or was skipped while indexing is not counted as added or changed
    assert (summary.added, summary.changed, summary.deleted, summary.renamed) == (2, 1, 1, 1)
    assert summary.unchanged == 5  # 4 unchanged + 1 touched
    assert (summary.failed, summary.skipped, summary.ignored) == (2, 2, 25)
    assert (summary.chunks_written, summary.chunks_kept, summary.chunks_deleted) == (8, 2, 6)
    assert (summary.embedded, summary.reused, summary.embed_seconds, summary.repaired) == (7, 3, 0.75, 2)
    assert summary.embedded + summary.reused == summary.chunks_written + summary.chunks_kept
    assert [p.path for p in summary.failures] == ["/docs/locked", "/docs/bad.pdf"]
    assert [p.path for p in summary.skips] == ["/docs/x.png", "/docs/odd.docx"]
    assert len(summary.ignores) == 20  # the first few; `ignored` counts them all
    assert summary.indexed_files == 2 + 1 + 5 + 1
    assert summary.counts() == {key: getattr(summary, key) for key in COUNT_KEYS}
    # warnings are logged by the flow, not part of the result
    assert [p.reason for p in summary.warnings] == ["read as cp1252"]
    assert "warnings" not in summary.model_dump()


def test_merged_batch_results_keep_every_list_and_counter() -> None:
    total = BatchResult.merged(_steps())
    assert total.indexed == ["/docs/a.md", "/docs/b.md", "/docs/c.md"]
    assert [p.path for p in total.failed + total.skipped + total.warnings] == [
        "/docs/bad.pdf", "/docs/odd.docx", "/docs/c.md"]
    assert (total.chunks_written, total.chunks_kept, total.chunks_deleted, total.embedded, total.reused) == (
        8, 2, 6, 7, 3)
    assert BatchResult.merged([]) == BatchResult()


def test_the_json_keeps_its_keys_in_order_and_problems_as_objects() -> None:
    summary = summarize(_plan(), _steps(), repaired=0, source_dir="/docs", store="s")
    printed = json.loads(summary.model_dump_json())
    assert list(printed) == JSON_KEYS
    assert printed["failures"][0] == {"path": "/docs/locked", "reason": "permission denied"}
    assert RagSyncSummary.model_validate(printed) == summary.model_copy(update={"warnings": []})


def test_finished_takes_the_time_and_memory_of_the_run() -> None:
    summary = RagSyncSummary().finished(started=time.perf_counter() - 1.5, lock_wait=0.12345)
    assert 1.5 <= summary.seconds < 60 and summary.lock_wait_seconds == 0.123
    # MiB of this very process (the kernel updates the high-water mark lazily: a page or two behind)
    assert summary.rss_mib > 10 and summary.peak_rss_mib > summary.rss_mib - 2


def test_table_rows_are_the_figures_then_the_first_50_failures() -> None:
    plan = _plan()
    plan.failed = [Problem(path=f"/docs/f{i}.md", reason=f"reason {i}") for i in range(60)]
    summary = summarize(plan, _steps(), repaired=1, source_dir="/docs", store="s")
    rows = summary.table_rows()
    figures = [row["figure"] for row in rows]
    assert figures[:len(COUNT_KEYS)] == list(COUNT_KEYS)
    assert figures[len(COUNT_KEYS):len(COUNT_KEYS) + 5] == [
        "embedded", "embed_seconds", "seconds", "peak_rss_mib", "repaired"]
    failed_rows = rows[len(COUNT_KEYS) + 5:]
    assert len(failed_rows) == 50 and failed_rows[0] == {"figure": "failed: /docs/f0.md", "value": "reason 0"}
    assert {row["figure"]: row["value"] for row in rows}["failed"] == 61
    assert summary.description() == "rag sync of /docs into s"


def test_markdown_lists_counts_and_failures_without_breaking_the_table() -> None:
    plan = _plan()
    plan.failed = [Problem(path="/docs/a|b.md", reason="bad\nnews | twice")]
    text = summarize(plan, [], repaired=0, source_dir="/docs", store="s").markdown()
    assert text.startswith("# rag sync of `/docs`\n")
    assert "- **files**: 3 added, 2 changed, 1 deleted, 1 renamed, 5 unchanged, 1 failed, 1 skipped, 25 ignored" in text
    assert "| `/docs/a\\|b.md` | bad news \\| twice |" in text.splitlines()


def test_console_markup_is_what_rag_sync_printed() -> None:
    summary = summarize(_plan(), _steps(), repaired=0, source_dir="/docs", store="/h/chroma [docs]")
    summary = summary.model_copy(update={"seconds": 2.5, "peak_rss_mib": 321.5})
    assert summary.console_markup() == [
        "[bold]/docs[/] -> /h/chroma \\[docs]\n"
        "  files: 2 added, 1 changed, 1 deleted, 1 renamed, 5 unchanged, 2 failed, 2 skipped, 25 ignored\n"
        "  chunks: 8 written, 2 kept, 6 deleted; 7 embedded in 0.75 s, 3 vectors reused; "
        "2.5 s total, peak RSS 321.5 MiB",
        "  [red]failed[/] /docs/locked: permission denied",
        "  [red]failed[/] /docs/bad.pdf: corrupt pdf",
    ]
    # as the console shows it: the store's "[docs]" is text, not a markup tag
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    console = Console(file=out, width=300, force_terminal=False)
    for line in summary.console_markup():
        console.print(line, highlight=False)
    assert out.getvalue().splitlines()[0] == "/docs -> /h/chroma [docs]"
    assert out.getvalue().splitlines()[-1] == "  failed /docs/bad.pdf: corrupt pdf"
