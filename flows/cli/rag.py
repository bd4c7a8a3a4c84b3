"""`qaflow rag sync|watch|query|status`.

`sync` and `watch` run the `rag-sync` Prefect flow (artifacts, retries, the
concurrency limit); `query` and `status` read the store directly, so they
answer without a flow run. `query` does not even import Prefect when it can
find the store without it (tasks/vectorstore/location.py): it needs no
retries, no artifact and no lock, and Prefect's import and ephemeral API
would cost seconds of a one-second answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from flows.cli import common

if TYPE_CHECKING:
    from tasks.changes import RagSyncSummary

app = typer.Typer(help="Keep a Chroma index of a document folder in step; query it.", no_args_is_help=True)

StoreOption = typer.Option("default", "--store", help="VectorStore block name (embedded folder or Chroma server).")
ModelOption = typer.Option(None, "--model", help="Local sentence-transformers model folder (default: all-MiniLM-L6-v2).")
ChunkOption = typer.Option(None, "--chunk-tokens", help="Tokens per chunk (default: the model's window).")
OverlapOption = typer.Option(None, "--overlap", help="Overlap in tokens (default: ~12.5% of the chunk).")
BackendOption = typer.Option(
    None, "--embedding-backend",
    help="onnx (ONNX Runtime, int8, default), onnx-float (ONNX Runtime, torch's numbers) or torch "
         "(sentence-transformers, the reference).",
)
NoGitignoreOption = typer.Option(
    False, "--no-gitignore",
    help="Index files that .gitignore files exclude (.qaflowignore still applies); "
         "the setting is QAFLOW_RAG_GITIGNORE.",
)


def _gitignore(off: bool) -> None:
    """--no-gitignore: the sync in this process reads QAFLOW_RAG_GITIGNORE (tasks/documents/ignore.py)."""
    if off:
        import os

        os.environ["QAFLOW_RAG_GITIGNORE"] = "false"


@contextmanager
def sync_progress() -> Iterator[None]:
    """A rich progress bar of files and chunks, fed by the sync's progress events (tasks.changes.PROGRESS)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tasks.changes.progress import PROGRESS
    from tasks.progress import ProgressEvent

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

    def hook(event: ProgressEvent) -> None:
        if event.stage == "planned":
            bar["id"] = progress.add_task("files", total=event.total or 0, chunks=0)
        elif "id" in bar and event.stage in {"indexed", "deleted", "renamed"}:
            chunks = progress.tasks[0].fields.get("chunks", 0) + event.info.get("chunks", 0)
            progress.update(bar["id"], advance=event.advance, chunks=chunks)

    with PROGRESS.listening(hook), progress:
        yield


def _render_summary(summary: RagSyncSummary) -> None:
    for line in summary.console_markup():
        common.console().print(line, highlight=False)


def _backend(name: str | None) -> str | None:
    """The --embedding-backend value, checked before any work starts."""
    if name is None:
        return None
    from tasks.embedding import UnknownBackend, resolve_backend

    try:
        return resolve_backend(name)
    except UnknownBackend as exc:
        raise common.UserError(str(exc)) from None


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
    backend: str | None = BackendOption,
    no_gitignore: bool = NoGitignoreOption,
    as_json: bool = common.JsonOption,
) -> None:
    """Index what changed in SOURCE_DIR since the last sync (added, changed, renamed, deleted)."""
    common.use_json(as_json)
    _gitignore(no_gitignore)
    with common.errors_as_lines():
        _check_dir(source_dir)
        from flows.prefect_api import start_api

        start_api()  # before Prefect is imported: its settings then carry the API for every thread
        from flows.rag import cli_sync

        with sync_progress():
            summary = cli_sync(source_dir, store, model, chunk_tokens, overlap, _backend(backend))
        common.emit(summary, as_json, _render_summary)


@app.command()
def watch(
    source_dir: Path = typer.Argument(..., help="Folder of documents to keep indexed."),
    store: str = StoreOption,
    model: str | None = ModelOption,
    chunk_tokens: int | None = ChunkOption,
    overlap: int | None = OverlapOption,
    backend: str | None = BackendOption,
    debounce_ms: int = typer.Option(
        1600, "--debounce-ms", min=0, help="The folder must be quiet this long before a sync starts.",
    ),
    max_wait_ms: int | None = typer.Option(
        None, "--max-wait-ms", min=0,
        help="Sync a folder that never goes quiet this long after its first change (default 10x --debounce-ms).",
    ),
    no_gitignore: bool = NoGitignoreOption,
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
    _gitignore(no_gitignore)
    with common.errors_as_lines():
        _check_dir(source_dir)
        if emit:
            from flows.prefect_api import configure_api
            from tasks.events import watch_and_emit

            if configure_api() == "ephemeral":
                raise common.UserError("--emit needs a Prefect server: run `qaflow server up` or set PREFECT_API_URL")
            common.console().print(f"watching {source_dir}, emitting events (Ctrl-C to stop)", highlight=False)
            watch_and_emit(source_dir, debounce_ms, max_events, max_wait_ms=max_wait_ms,
                           on_event=lambda paths: common.emit({"event": "qaflow.rag.files-changed",
                                                               "folder": str(source_dir.resolve()),
                                                               "paths": paths}, as_json,
                                                              lambda r: common.console().print(
                                                                  f"event: {len(r['paths'])} file(s) changed",
                                                                  highlight=False)))
            return
        # a process that syncs for hours: cap glibc's malloc arenas before threads start
        # (with the default arenas the soak's RSS grew 0.1-0.4 MB per sync in heap fragments)
        from tasks.environment import limit_malloc_arenas

        limit_malloc_arenas()
        from flows.prefect_api import start_api

        start_api()  # before Prefect is imported (flows.rag): see `sync`
        from flows.rag import cli_sync
        from tasks.changes.watch import watch_folder

        def run_sync() -> None:
            summary = cli_sync(source_dir, store, model, chunk_tokens, overlap, _backend(backend))
            common.emit(summary, as_json, _render_summary)

        common.console().print(f"watching {source_dir} (Ctrl-C to stop)", highlight=False)
        watch_folder(source_dir, run_sync, debounce_ms, max_wait_ms=max_wait_ms)


@app.command()
def query(
    text: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", "--k", min=1, help="How many chunks."),
    where: str | None = typer.Option(None, "--where", help='Chroma metadata filter as JSON, e.g. \'{"relpath": "auth.md"}\'.'),
    store: str = StoreOption,
    mode: str = typer.Option(
        "hybrid", "--mode", help="hybrid (vector + lexical, fused by reciprocal rank) or vector."
    ),
    backend: str | None = BackendOption,
    as_json: bool = common.JsonOption,
) -> None:
    """The K best chunks for TEXT, with their file, heading and scores (vector and lexical)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        try:
            filters = json.loads(where) if where else None
        except ValueError as exc:
            raise common.UserError(f"--where is not JSON: {exc}") from None
        if mode not in ("hybrid", "vector"):
            raise common.UserError(f"--mode {mode!r} is not hybrid or vector")
        hits = _query(text, k, filters, store, mode, _backend(backend))

        def render(found: list[dict[str, Any]]) -> None:
            console = common.console()
            if not found:
                console.print("no chunks (is the index empty? run `qaflow rag sync DIR`)")
            for number, hit in enumerate(found, 1):
                lexical = "-" if hit.get("lexical_score") is None else f"{hit['lexical_score']:.2f}"
                vector = "-" if hit.get("vector_score") is None else f"{hit['vector_score']:.3f}"
                console.print(
                    f"[bold]{number}. {hit['path']}[/]  {hit['heading']}  "
                    f"[dim]score {hit['score']:.4f} (vector {vector}, lexical {lexical})[/]",
                    highlight=False,
                )
                console.print("   " + " ".join(hit["text"].split())[:300], highlight=False, markup=False)

        common.emit(hits, as_json, render)


def _query(text: str, k: int, filters: dict | None, store: str, mode: str, backend: str | None) -> list[dict]:
    """Find the store without Prefect when possible (no flow run either way), then query."""
    from flows.prefect_api import configure_api
    from tasks.vectorstore.location import query_location
    from tasks.vectorstore.query import query_index

    chosen = configure_api()
    location = query_location(store, None if chosen == "ephemeral" else chosen)
    if location is None:  # a saved block only Prefect can read: start the API, query_index loads it
        from flows.prefect_api import start_api

        start_api()
    return query_index(text, k=k, where=filters, store=store, mode=mode, embedding_backend=backend, location=location)


@app.command()
def status(store: str = StoreOption, as_json: bool = common.JsonOption) -> None:
    """Manifest vs store: files and chunks indexed, and the drift between them (0 = in step)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows.prefect_api import cli_flow_runs, start_api

        start_api()
        from tasks.changes.status import index_status

        with cli_flow_runs():
            result = index_status(store=store)
        common.emit(result, as_json, lambda r: common.console().print(r.console_line(), highlight=False))
