"""`qaflow server up|down|status`: the local Prefect server (127.0.0.1, SQLite) of this
QAFLOW_HOME (flows/local_server.py; the first command that needs an API starts it too),
and beside it the warm runner (flows/warm.py, started and stopped through
flows/warm_client.py), which spares pipeline commands the import of Prefect.
"""

from __future__ import annotations

import typer

from flows import warm_client
from flows.cli import common

app = typer.Typer(help="Start and stop a local Prefect server for this QAFLOW_HOME.", no_args_is_help=True)


@app.command()
def up(
    port: int = typer.Option(4200, help="Port on 127.0.0.1 (0 = any free port)."),
    wait: float = typer.Option(90.0, help="Seconds to wait until the API is healthy."),
    warm: bool = typer.Option(True, "--warm/--no-warm",
                              help="Also start the warm runner: pipeline commands skip ~3 s of imports."),
    idle_minutes: float = typer.Option(0.0, "--idle-minutes", min=0,
                                       help="Stop by itself after this long unused (0 = only `server down`)."),
    as_json: bool = common.JsonOption,
) -> None:
    """Start `prefect server start` on 127.0.0.1 in the background (and the warm runner)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows import local_server

        try:
            server, started = local_server.start(port=port, wait=wait, idle_minutes=idle_minutes)
        except RuntimeError as exc:
            raise common.UserError(str(exc)) from None
        common.emit({"url": server.url, "ui": server.url.removesuffix("/api"), "pid": server.pid,
                     "started": started,
                     "warm": warm_client.start_runner() if warm else warm_client.running_pid()}, as_json, _render_up)


@app.command()
def down(
    wait: float = typer.Option(15.0, help="Seconds to wait after SIGTERM before SIGKILL."),
    as_json: bool = common.JsonOption,
) -> None:
    """Stop the local server started by `qaflow server up` (SIGTERM, then SIGKILL)."""
    common.use_json(as_json)
    warm_stopped = warm_client.stop_runner()
    from flows import local_server

    server, stopped = local_server.stop(wait)
    common.emit({"stopped": stopped, "pid": server.pid if server else None, "warm_stopped": warm_stopped},
                as_json, _render_down)


@app.command()
def status(as_json: bool = common.JsonOption) -> None:
    """Say whether the local server is running and where."""
    common.use_json(as_json)
    from flows import local_server

    server = local_server.running()
    alive = server is not None
    common.emit({"running": alive, "url": server.url if alive and server else None, "warm": warm_client.running_pid()}, as_json,
                _render_status)


def _say(line: str) -> None:
    common.console().print(line, highlight=False, soft_wrap=True)


def _render_up(r: dict) -> None:
    what = "started" if r["started"] else "already running"
    _say(f"Prefect server {what} (pid {r['pid']}): UI {r['ui']}, API {r['url']}")
    _say(f"warm runner: pid {r['warm']}" if r["warm"] else "warm runner: off")
    _say("later qaflow commands use it; `qaflow server down` stops it")


def _render_down(r: dict) -> None:
    _say(f"Prefect server stopped (pid {r['pid']})" if r["stopped"] else "no local Prefect server was running")
    if r["warm_stopped"]:
        _say("warm runner stopped")


def _render_status(r: dict) -> None:
    if r["running"]:
        _say(f"Prefect server running: UI {r['url'].removesuffix('/api')}, API {r['url']}")
    else:
        _say("no local Prefect server running (commands use a temporary API of their own)")
    _say(f"warm runner: pid {r['warm']}" if r["warm"] else "warm runner: off")
