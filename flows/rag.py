"""rag: detect changes -> chunk -> embed -> upsert/delete -> commit -> release.

`rag_sync` keeps a Chroma collection equal to a folder: the manifest says
what the store holds, changes are applied file by file with a journal, and a
run killed anywhere is repaired by the next one. One writer per collection
(a Prefect concurrency limit and a file lock); the Chroma client is closed and
the heap trimmed at the end of every run, so memory stays flat over hundreds
of syncs. Queries and the status are not flows (tasks.vectorstore.query_index, tasks.changes.index_status).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from blocks.vectorstore import VectorStore
from flows import failures  # noqa: F401  (expected failures end a run in one line)
from flows.prefect_api import cli_flow_runs, temporary_api_url
from tasks.changes import PROGRESS, RagSyncSummary, batches, resolve_source, steps, summarize
from tasks.changes.registry import close_index, open_index
from tasks.environment import apply_defaults
from tasks.vectorstore import close_clients, query_index, release, writer_lock


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
) -> RagSyncSummary:
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

    Returns the RagSyncSummary (its counts add up: tasks/changes/summary.py).
    """
    apply_defaults()
    logger = get_run_logger()
    started = time.perf_counter()
    root = resolve_source(source_dir)
    block = VectorStore.resolve(store)
    with writer_lock(block, lock_timeout, own_api_url=temporary_api_url()) as waited:
        key = open_index(block, model, chunk_tokens, overlap, embedding_backend)
        try:
            repaired = steps.repair_index(key)
            plan = steps.detect_changes(key, str(root))
            PROGRESS.emit("planned", total=len(plan.to_index) + len(plan.deleted) + len(plan.renamed),
                          to_index=len(plan.to_index), bytes=sum(s.size for s in plan.to_index))
            logger.info("%s: %d new, %d changed, %d deleted, %d renamed, %d touched, %d unchanged", root,
                        len(plan.added), len(plan.changed), len(plan.deleted), len(plan.renamed),
                        len(plan.touched), plan.unchanged)
            if plan.touched:
                steps.record_touched(key, plan.touched)
            done = [steps.delete_files(key, plan.deleted)] if plan.deleted else []
            if plan.renamed:
                done.append(steps.rename_files(key, plan.renamed, plan.root))
            for group in batches(plan.to_index, batch_files, batch_bytes):
                done.append(steps.index_files(key, group, plan.root))
            summary = summarize(plan, done, repaired=repaired, source_dir=str(root), store=block.describe())
        finally:
            close_index(key)
            close_clients(keep_http=True)
            release()
    for problem in summary.failures:
        logger.warning("could not index %s: %s", problem.path, problem.reason)
    for problem in summary.warnings:
        logger.warning("%s: %s", problem.path, problem.reason)
    summary = summary.finished(started, waited)
    create_table_artifact(table=summary.table_rows(), key="rag-sync", description=summary.description())
    create_markdown_artifact(markdown=summary.markdown(), key="rag-sync-report", description=summary.description())
    PROGRESS.emit("done", **summary.counts())
    return summary


def cli_sync(
    source_dir: Path,
    store: str = "default",
    model: str | None = None,
    chunk_tokens: int | None = None,
    overlap: int | None = None,
    backend: str | None = None,
) -> RagSyncSummary:
    """One sync as `qaflow rag sync` / `rag watch` run it: the flow in this process with
    heartbeats off (flows.prefect_api.cli_flow_runs), then gc + malloc_trim before
    waiting for the next change. profiling/soak_rag.py calls exactly this, so the soak
    measures what a watching user's process does."""
    try:
        with cli_flow_runs():
            return rag_sync(source_dir=str(source_dir), store=store, model=model, chunk_tokens=chunk_tokens,
                            overlap=overlap, embedding_backend=backend)
    finally:
        release()  # what the finished flow run left behind, before waiting again


def demo(out_dir: Path) -> dict[str, Any]:
    """Index examples/docs into a store under `out_dir` and run one query."""
    import json
    import os

    from tasks.files import write_atomic
    from tasks.settings import project_root

    os.environ["QAFLOW_CHROMA_PATH"] = str(out_dir / "chroma")
    os.environ.pop("QAFLOW_CHROMA_HOST", None)
    try:
        summary = rag_sync(source_dir=str(project_root() / "examples" / "docs"), store="")
        question = "How do I authenticate against the demo API?"
        hits = query_index(question, k=3, store="")
    finally:
        os.environ.pop("QAFLOW_CHROMA_PATH", None)
    result = {
        "store": str(out_dir / "chroma"),
        "indexed_files": summary.indexed_files,
        "chunks_written": summary.chunks_written,
        "failed": summary.failed,
        "query": question,
        "hits": [{"path": h["path"], "heading": h["heading"], "score": h["score"]} for h in hits],
    }
    write_atomic(out_dir / "rag-demo.json", json.dumps(result, indent=2))
    result["report"] = str(out_dir / "rag-demo.json")
    return result


if __name__ == "__main__":
    import sys

    apply_defaults()
    print(rag_sync(source_dir=sys.argv[1] if len(sys.argv) > 1 else "examples/docs").model_dump_json())
