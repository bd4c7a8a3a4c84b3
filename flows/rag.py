"""rag: detect changes -> chunk -> embed -> upsert/delete -> commit -> release.

`rag_sync` keeps a Chroma collection equal to a folder: the manifest says
what the store holds, changes are applied file by file with a journal, and a
run killed anywhere is repaired by the next one. One writer per collection
(a Prefect concurrency limit and a file lock); the Chroma client is closed and
the heap trimmed at the end of every run, so memory stays flat over hundreds
of syncs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from blocks.vectorstore import VectorStore
from flows import failures  # noqa: F401  (expected failures end a run in one line)
from tasks.changes.index import BatchResult
from tasks.changes.steps import (
    batches,
    close_index,
    delete_files,
    detect_changes,
    index_files,
    open_index,
    progress,
    record_touched,
    rename_files,
    repair_index,
    resolve_source,
)
from tasks.vectorstore import ChromaStore, close_clients, peak_rss_mb, release, rss_mb, writer_lock

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


def _publish(counts: dict[str, Any]) -> None:
    """The counts as a Prefect table artifact (one row per figure)."""
    from prefect.artifacts import create_table_artifact

    figures = (*COUNT_KEYS, "embedded", "embed_seconds", "seconds", "peak_rss_mb", "repaired")
    rows = [{"figure": key, "value": counts[key]} for key in figures]
    rows += [{"figure": f"failed: {p['path']}", "value": p["reason"]} for p in counts["failures"][:50]]
    create_table_artifact(table=rows, key="rag-sync", description=f"rag sync of {counts['source_dir']} into {counts['store']}")


@flow(name="rag-sync")
def rag_sync(
    source_dir: str = "examples/docs",
    store: str = "default",
    model: str | None = None,
    chunk_tokens: int | None = None,
    overlap: int | None = None,
    batch_files: int = 32,
    batch_bytes: int = 200_000,
    lock_timeout: float | None = None,
    embedding_backend: str | None = None,
) -> dict[str, Any]:
    """Bring the collection of the `store` VectorStore block in line with `source_dir`.

    Args:
        source_dir: Folder of documents to index (.md, .txt, .rst, .html, .docx, .pdf, .xlsx, .csv).
        store: Name of the VectorStore block (embedded Chroma folder or server); default when unsaved.
        model: Local sentence-transformers model folder; empty: the bundled all-MiniLM-L6-v2.
            Changing it re-indexes everything.
        chunk_tokens: Tokens per chunk; empty: the model's window. Changing it re-indexes everything.
        overlap: Overlapping tokens between chunks; empty: about 12.5% of chunk_tokens.
        batch_files: Files read, embedded and written per batch (memory is released after each).
        batch_bytes: Bytes of documents per batch at most.
        lock_timeout: Seconds to wait for a running sync of the same collection; empty: wait.
        embedding_backend: onnx (default, ONNX Runtime, int8), onnx-float (ONNX Runtime, torch's
            numbers) or torch (sentence-transformers, the reference); empty: the block's, else
            QAFLOW_EMBEDDING_BACKEND, else onnx.

    Counts: `embedded + reused == chunks_written + chunks_kept` (a chunk whose text,
    chunker settings and model did not change keeps its vector: `reused`), and the
    store grows by `chunks_written - chunks_deleted`.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    root = resolve_source(source_dir)
    block = VectorStore.resolve(store)
    totals = BatchResult()
    counts: dict[str, Any] = dict.fromkeys(COUNT_KEYS, 0)
    with writer_lock(block, lock_timeout) as waited:
        key = open_index(block, model, chunk_tokens, overlap, embedding_backend)
        try:
            repaired = repair_index(key)
            plan = detect_changes(key, str(root))
            progress(
                "planned",
                files=len(plan.to_index) + len(plan.deleted) + len(plan.renamed),
                to_index=len(plan.to_index),
                bytes=sum(s.size for s in plan.to_index),
            )
            logger.info(
                "%s: %d new, %d changed, %d deleted, %d renamed, %d touched, %d unchanged",
                root,
                len(plan.added),
                len(plan.changed),
                len(plan.deleted),
                len(plan.renamed),
                len(plan.touched),
                plan.unchanged,
            )
            if plan.touched:
                record_touched(key, plan.touched)
            steps: list[BatchResult] = []
            if plan.deleted:
                steps.append(delete_files(key, plan.deleted))
            if plan.renamed:
                steps.append(rename_files(key, plan.renamed, plan.root))
            for group in batches(plan.to_index, batch_files, batch_bytes):
                steps.append(index_files(key, group, plan.root))
            for step in steps:
                totals.failed.extend(step.failed)
                totals.skipped.extend(step.skipped)
                totals.warnings.extend(step.warnings)
                totals.chunks_written += step.chunks_written
                totals.chunks_kept += step.chunks_kept
                totals.chunks_deleted += step.chunks_deleted
                totals.embedded += step.embedded
                totals.reused += step.reused
                totals.embed_seconds += step.embed_seconds
            failed_paths = {p.path for p in totals.failed} | {p.path for p in totals.skipped}
            added = {s.path for s in plan.added}
            counts.update(
                added=len(added - failed_paths),
                changed=len({s.path for s in plan.changed} - failed_paths),
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
            )
        finally:
            close_index(key)
            close_clients(keep_http=True)
            release()
    for problem in plan.failed + totals.failed:
        logger.warning("could not index %s: %s", problem.path, problem.reason)
    for problem in totals.warnings:
        logger.warning("%s: %s", problem.path, problem.reason)
    counts.update(
        embedded=totals.embedded,
        embed_seconds=round(totals.embed_seconds, 3),
        seconds=round(time.perf_counter() - started, 3),
        lock_wait_seconds=round(waited, 3),
        peak_rss_mb=round(peak_rss_mb(), 1),
        rss_mb=round(rss_mb(), 1),
        repaired=repaired,
        source_dir=str(root),
        store=block.describe(),
        failures=[p.model_dump() for p in plan.failed + totals.failed],
        skips=[p.model_dump() for p in plan.skipped + totals.skipped],
        # editor debris, hidden entries, .qaflowignore/.gitignore: a count and the first few
        ignores=[p.model_dump() for p in plan.ignored[:20]],
    )
    _publish(counts)
    progress("done", **{k: counts[k] for k in COUNT_KEYS})
    return counts


def rag_query(
    text: str,
    k: int = 5,
    where: dict[str, Any] | None = None,
    store: str = "default",
    mode: str = "hybrid",
    embedding_backend: str | None = None,
    location: Any = None,
) -> list[dict[str, Any]]:
    """The `k` best chunks for `text`: path, heading, text, score, vector_score (cosine),
    lexical_score (BM25), their ranks, chunk_id.

    mode "hybrid" fuses the vector and the lexical (FTS5) ranking by reciprocal
    rank, and `score` is the fused score; "vector" is the vector search alone,
    and `score` the cosine. Read-only and without a flow run: a query is
    interactive, and a Prefect run would add seconds to each (nothing of it
    needs retries, an artifact or the concurrency limit). `location`: a
    StoreLocation found without Prefect (the CLI's fast path); else the block
    `store` is resolved. Embeds with the model the collection records, on the
    process's embedding thread.
    """
    from tasks.vectorstore.query import query_store

    block = location if location is not None else VectorStore.resolve(store)
    return query_store(block, text, k=k, where=where, mode=mode, embedding_backend=embedding_backend)


def rag_status(store: str = "default") -> dict[str, Any]:
    """Manifest vs store: files and chunks the manifest records, and the drift
    (chunks missing from the store + chunks the manifest does not know + journal
    entries of a killed run). 0 drift means the store serves exactly the manifest."""
    from tasks.changes.index import manifest_path, measure_drift
    from tasks.changes.manifest import Manifest

    block = VectorStore.resolve(store)
    manifest = Manifest(manifest_path(block))
    try:
        files, chunks = manifest.count()
        chroma = ChromaStore.existing(block)
        if chroma is None:
            return {"files": files, "chunks": chunks, "drift": chunks + len(manifest.pending())}
        report = measure_drift(manifest, chroma)
        drift = report["missing_chunks"] + report["stale_chunks"] + report["pending"]
        return {"files": files, "chunks": chunks, "drift": drift}
    finally:
        manifest.close()
        close_clients(keep_http=True)


def demo(out_dir: Path) -> dict[str, Any]:
    """Index examples/docs into a store under `out_dir` and run one query."""
    import json
    import os

    from tasks.settings import project_root

    docs = project_root() / "examples" / "docs"
    os.environ["QAFLOW_CHROMA_PATH"] = str(out_dir / "chroma")
    os.environ.pop("QAFLOW_CHROMA_HOST", None)
    try:
        counts = rag_sync(source_dir=str(docs), store="")
        question = "How do I authenticate against the demo API?"
        hits = rag_query(question, k=3, store="")
    finally:
        os.environ.pop("QAFLOW_CHROMA_PATH", None)
    result = {
        "store": str(out_dir / "chroma"),
        "indexed_files": counts["added"] + counts["changed"] + counts["unchanged"] + counts["renamed"],
        "chunks_written": counts["chunks_written"],
        "failed": counts["failed"],
        "query": question,
        "hits": [{"path": h["path"], "heading": h["heading"], "score": h["score"]} for h in hits],
    }
    (out_dir / "rag-demo.json").write_text(json.dumps(result, indent=2))
    result["report"] = str(out_dir / "rag-demo.json")
    return result


if __name__ == "__main__":
    import sys

    print(rag_sync(source_dir=sys.argv[1] if len(sys.argv) > 1 else "examples/docs"))
