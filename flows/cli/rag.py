"""`qaflow rag sync|watch|query|status`.

`sync` and `watch` run the `rag-sync` Prefect flow (artifacts, retries, the
concurrency limit); `query` and `status` read the store directly, so they
answer without a flow run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from flows.cli import common

app = typer.Typer(help="Keep a Chroma index of a document folder in step; query it.", no_args_is_help=True)

StoreOption = typer.Option("default", "--store", help="VectorStore block name (embedded folder or Chroma server).")
ModelOption = typer.Option(None, "--model", help="Local sentence-transformers model folder (default: all-MiniLM-L6-v2).")
ChunkOption = typer.Option(None, "--chunk-tokens", help="Tokens per chunk (default: the model's window).")
OverlapOption = typer.Option(None, "--overlap", help="Overlap in tokens (default: ~12.5% of the chunk).")


@contextmanager
def sync_progress() -> Iterator[None]:
    """A rich progress bar of files and chunks, fed by the sync's progress hook."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tasks.changes.steps import add_progress_hook

    progress = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[chunks]} chunks"),
        TimeElapsedColumn(),
        console=common.console(),
        transient=False,
    )
    bar: dict[str, Any] = {}

    def hook(event: str, info: dict[str, Any]) -> None:
        if event == "planned":
            bar["id"] = progress.add_task("files", total=info["files"] or 0, chunks=0)
        elif "id" in bar and event in {"indexed", "deleted", "renamed"}:
            chunks = progress.tasks[0].fields.get("chunks", 0) + info.get("chunks", 0)
            progress.update(bar["id"], advance=info.get("files", 0), chunks=chunks)

    remove = add_progress_hook(hook)
    try:
        with progress:
            yield
    finally:
        remove()


def _counts_render(counts: dict[str, Any]) -> None:
    console = common.console()
    console.print(
        f"[bold]{counts['source_dir']}[/] -> {counts['store']}\n"
        f"  files: {counts['added']} added, {counts['changed']} changed, {counts['deleted']} deleted, "
        f"{counts['renamed']} renamed, {counts['unchanged']} unchanged, {counts['failed']} failed, "
        f"{counts['skipped']} skipped\n"
        f"  chunks: {counts['chunks_written']} written, {counts['chunks_deleted']} deleted; "
        f"{counts['embedded']} embedded in {counts['embed_seconds']} s; "
        f"{counts['seconds']} s total, peak RSS {counts['peak_rss_mb']} MB",
        highlight=False,
    )
    for problem in counts.get("failures", []):
        console.print(f"  [red]failed[/] {problem['path']}: {problem['reason']}", highlight=False)


def _sync(source_dir: Path, store: str, model: str | None, chunk_tokens: int | None, overlap: int | None) -> dict:
    from flows.prefect_api import cli_flow_runs
    from flows.rag import rag_sync

    with cli_flow_runs():
        return rag_sync(
            source_dir=str(source_dir), store=store, model=model, chunk_tokens=chunk_tokens, overlap=overlap
        )


def watch_sync(
    source_dir: Path,
    store: str = "default",
    model: str | None = None,
    chunk_tokens: int | None = None,
    overlap: int | None = None,
) -> dict[str, Any]:
    """One sync as `rag watch` runs it: the flow in this process, heartbeats off,
    then gc + malloc_trim before waiting for the next change.

    profiling/soak_rag.py calls exactly this, so the soak measures what a
    watching user's process does (with `prepare_watch_process()` first).
    """
    from tasks.vectorstore import release

    try:
        return _sync(source_dir, store, model, chunk_tokens, overlap)
    finally:
        release()  # what the finished flow run left behind, before waiting again


def prepare_watch_process() -> None:
    """Set up a process that will run flow runs for hours: cap glibc's malloc arenas.

    Call it first thing, before threads start (see `limit_malloc_arenas`: with
    glibc's default arenas the soak's RSS grew 0.1-0.4 MB per sync in heap
    fragments, past its 30 MB target over 300 syncs).
    """
    from tasks.environment import limit_malloc_arenas

    limit_malloc_arenas()


def _check_dir(source_dir: Path) -> None:
    if not source_dir.is_dir():
        raise common.UserError(f"{source_dir}: not a folder")


@app.command()
def sync(
    source_dir: Path = typer.Argument(..., help="Folder of documents to index."),
    store: str = StoreOption,
    model: str | None = ModelOption,
    chunk_tokens: int | None = ChunkOption,
    overlap: int | None = OverlapOption,
    as_json: bool = common.JsonOption,
) -> None:
    """Index what changed in SOURCE_DIR since the last sync (added, changed, renamed, deleted)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        _check_dir(source_dir)
        from flows.prefect_api import start_api

        start_api()
        with sync_progress():
            counts = _sync(source_dir, store, model, chunk_tokens, overlap)
        common.emit(counts, as_json, _counts_render)


def watch_folder(
    source_dir: Path,
    run_sync: Any,
    debounce_ms: int = 1600,
    stop_event: threading.Event | None = None,
    max_syncs: int | None = None,
) -> int:
    """Sync once, then after each burst of changes (debounced); one sync at a time.

    Events that arrive during a sync are collected by watchfiles and trigger
    exactly one more sync afterwards. Returns the number of syncs run.
    `run_sync` releases memory itself (`watch_sync` does).
    """
    from watchfiles import watch

    runs = 0
    run_sync()
    runs += 1
    if max_syncs is not None and runs >= max_syncs:
        return runs
    for _changes in watch(source_dir, debounce=debounce_ms, stop_event=stop_event, raise_interrupt=False):
        run_sync()
        runs += 1
        if max_syncs is not None and runs >= max_syncs:
            break
    return runs


@app.command()
def watch(
    source_dir: Path = typer.Argument(..., help="Folder of documents to keep indexed."),
    store: str = StoreOption,
    model: str | None = ModelOption,
    chunk_tokens: int | None = ChunkOption,
    overlap: int | None = OverlapOption,
    debounce_ms: int = typer.Option(1600, "--debounce-ms", help="Quiet time before a burst of changes syncs."),
    emit: bool = typer.Option(
        False, "--emit",
        help="Sync nothing here: send a qaflow.rag.files-changed event to the Prefect server instead; "
             "the rag-sync deployment's trigger runs the sync (needs a server: qaflow server up).",
    ),
    max_events: int | None = typer.Option(None, "--max-events", min=1, help="With --emit: stop after N events."),
    as_json: bool = common.JsonOption,
) -> None:
    """Sync SOURCE_DIR now and again after every change, until Ctrl-C (one JSON line per sync)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        _check_dir(source_dir)
        if emit:
            from flows.prefect_api import configure_api
            from tasks.events import watch_and_emit

            if configure_api() == "ephemeral":
                raise common.UserError("--emit needs a Prefect server: run `qaflow server up` or set PREFECT_API_URL")
            common.console().print(f"watching {source_dir}, emitting events (Ctrl-C to stop)", highlight=False)
            watch_and_emit(source_dir, debounce_ms, max_events,
                           on_event=lambda paths: common.emit({"event": "qaflow.rag.files-changed",
                                                               "folder": str(source_dir.resolve()),
                                                               "paths": paths}, as_json,
                                                              lambda r: common.console().print(
                                                                  f"event: {len(r['paths'])} file(s) changed",
                                                                  highlight=False)))
            return
        prepare_watch_process()
        from flows.prefect_api import start_api

        start_api()

        def run_sync() -> None:
            counts = watch_sync(source_dir, store, model, chunk_tokens, overlap)
            common.emit(counts, as_json, _counts_render)

        common.console().print(f"watching {source_dir} (Ctrl-C to stop)", highlight=False)
        watch_folder(source_dir, run_sync, debounce_ms)


@app.command()
def query(
    text: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", "--k", min=1, help="How many chunks."),
    where: str | None = typer.Option(None, "--where", help='Chroma metadata filter as JSON, e.g. \'{"relpath": "auth.md"}\'.'),
    store: str = StoreOption,
    as_json: bool = common.JsonOption,
) -> None:
    """The K chunks nearest to TEXT, with their file, heading and score."""
    common.use_json(as_json)
    with common.errors_as_lines():
        try:
            filters = json.loads(where) if where else None
        except ValueError as exc:
            raise common.UserError(f"--where is not JSON: {exc}") from None
        from flows.prefect_api import cli_flow_runs, start_api

        start_api()  # a saved VectorStore block lives in the Prefect API
        from flows.rag import rag_query

        with cli_flow_runs():
            hits = rag_query(text, k=k, where=filters, store=store)

        def render(found: list[dict[str, Any]]) -> None:
            console = common.console()
            if not found:
                console.print("no chunks (is the index empty? run `qaflow rag sync DIR`)")
            for number, hit in enumerate(found, 1):
                console.print(
                    f"[bold]{number}. {hit['path']}[/]  {hit['heading']}  [dim]score {hit['score']:.3f}[/]",
                    highlight=False,
                )
                console.print("   " + " ".join(hit["text"].split())[:300], highlight=False, markup=False)

        common.emit(hits, as_json, render)


@app.command()
def status(store: str = StoreOption, as_json: bool = common.JsonOption) -> None:
    """Manifest vs store: files and chunks indexed, and the drift between them (0 = in step)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows.prefect_api import cli_flow_runs, start_api

        start_api()
        from flows.rag import rag_status

        with cli_flow_runs():
            result = rag_status(store=store)
        common.emit(
            result,
            as_json,
            lambda r: common.console().print(
                f"files {r['files']}  chunks {r['chunks']}  drift {r['drift']}"
                + ("" if r["drift"] == 0 else "  (run `qaflow rag sync DIR` to repair)"),
                highlight=False,
            ),
        )
