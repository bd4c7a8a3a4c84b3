"""The `qaflow` command: one root app, a sub-app per pipeline.

Sub-apps are plain modules under flows/cli/ that define `app`; they import
Prefect and the heavy libraries inside their commands, so `qaflow --help` and
`qaflow version` stay fast. The process-wide defaults (tasks.environment) are
applied here, at the entry, before any command imports Prefect or a model library:
importing a qaflow package changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import typer

from flows.cli import common
from flows.cli.bdd import app as bdd_app
from flows.cli.blocks import app as blocks_app
from flows.cli.mockdata import app as mockdata_app
from flows.cli.rag import app as rag_app
from flows.cli.server import app as server_app
from tasks.environment import apply_defaults

__all__ = ["app", "main", "run_app", "shut_down"]

SERVE_POLL_SECONDS = 1.0
NO_API = frozenset({"version"})  # commands that never talk to Prefect: no API lookup at all

app = typer.Typer(
    name="qaflow",
    help="Prefect pipelines for test engineering: bdd, mockdata, rag.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(blocks_app, name="blocks")
app.add_typer(server_app, name="server")
app.add_typer(bdd_app, name="bdd")
app.add_typer(mockdata_app, name="mockdata")
app.add_typer(rag_app, name="rag")


@app.callback()
def root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
) -> None:
    """Prefect pipelines for test engineering."""
    apply_defaults()  # here too: tests call `app` itself, not run_app()
    common.STATE.debug = debug
    if ctx.invoked_subcommand in NO_API:
        return
    from flows.prefect_api import configure_api

    configure_api()


@app.command()
def version(as_json: bool = common.JsonOption) -> None:
    """Print the versions of qaflow and the stack it runs on."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    result = {}
    for dist in ("qaflow", "prefect", "chromadb", "sentence-transformers", "faker", "pyarrow", "openai"):
        try:
            result[dist] = dist_version(dist)
        except PackageNotFoundError:
            result[dist] = None
    common.emit(
        result,
        as_json,
        lambda r: common.console().print(
            "  ".join(f"[bold]{k}[/] {v}" for k, v in r.items()), highlight=False
        ),
    )


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), help="Folder for the demo's outputs."),
    only: list[str] = typer.Option(None, "--only", help="Run only these pipelines (bdd, mockdata, rag)."),
    as_json: bool = common.JsonOption,
) -> None:
    """Run each pipeline's demo on the bundled examples, offline, and say where the outputs are."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows.prefect_api import cli_flow_runs, start_api

        start_api()
        from flows.demo import run_demos

        with cli_flow_runs():
            results = run_demos(out.resolve(), only=only or None)

        def render(r: dict) -> None:
            con = common.console()
            for name, result in r.items():
                con.rule(f"[bold]{name}")
                for key, value in (result or {}).items():
                    con.print(f"  [bold]{key}[/]: {value}", highlight=False)
            con.print(f"\nDemo outputs are under [bold]{out.resolve()}[/]")

        common.emit(results, as_json, render)


@app.command()
def serve(
    names: list[str] = typer.Argument(None, help="Deployments to serve (default: all in prefect.yaml)."),
) -> None:
    """Serve every deployment of prefect.yaml in this process (schedules and UI runs), until Ctrl-C."""
    with common.errors_as_lines():
        from flows.local_server import server_mode
        from flows.prefect_api import configure_api, start_api

        if configure_api() == "ephemeral" and server_mode() == "never":
            raise common.UserError(
                "qaflow serve needs a Prefect server: run `qaflow server up` or set PREFECT_API_URL"
            )
        start_api()  # the local server (started now if needed), kept up while this process serves
        from prefect import serve as prefect_serve

        from flows.deployments import load_definitions, on_work_pools, to_runner_deployments

        definitions = [d for d in load_definitions() if not names or d["name"] in names]
        if not definitions:
            raise common.UserError(f"no deployment named {', '.join(names or [])} in prefect.yaml")
        deployments = to_runner_deployments(definitions)
        if taken := on_work_pools(deployments):
            raise common.UserError(
                f"already deployed to a work pool: {', '.join(taken)}; workers run those. To serve "
                "them here instead: prefect deployment delete 'FLOW/DEPLOYMENT'"
            )
        # Poll for runs every second (Prefect's default is 10 s): a run created in the UI starts at once.
        prefect_serve(*deployments, query_seconds=SERVE_POLL_SECONDS)


def main() -> None:
    """Console-script entry point: runs the command, then leaves without tearing down.

    After a run of millions of rows, the interpreter spends ~0.8 s freeing every
    module, pool and array one object at a time, which nothing needs. Everything that
    must happen at exit still does: threads' exit hooks (Prefect's log and event
    workers drain there) and atexit handlers (the early API server stops there).
    """
    exit_now(run_app())


def run_app(args: list[str] | None = None) -> int:
    """Run one `qaflow` command in this process; its exit status (130/143 when interrupted)."""
    apply_defaults()
    from flows import interrupts

    previous = interrupts.install()
    try:
        app(args=args, prog_name="qaflow")
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return interrupts.finish(code, exc)
    except BaseException as exc:  # KeyboardInterrupt, Prefect's TerminationSignal
        code = interrupts.finish(1, exc)
        if code == 1:
            raise
        return code
    finally:
        interrupts.restore(previous)
    return interrupts.finish(0)


def exit_now(code: int) -> None:
    """Run the exit hooks the interpreter would run, flush, and end the process."""
    shut_down()
    os._exit(code)


def shut_down() -> None:
    """What an interpreter does at exit that matters: threads' exit hooks, atexit handlers, flushing."""
    import atexit
    import threading

    try:
        threading._shutdown()  # type: ignore[attr-defined]  # joins threads, runs their exit hooks
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
