"""`qaflow server up|down|status`: a local Prefect server (127.0.0.1, SQLite) in
the background, its PID recorded in QAFLOW_HOME so later qaflow commands use it
instead of starting the ephemeral API each time; and beside it the warm runner
(flows.warm), which spares pipeline commands the import of Prefect.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import typer

from flows.cli import common
from flows.prefect_api import LocalServer, healthy
from tasks.settings import home, state_dir

app = typer.Typer(help="Start and stop a local Prefect server for this QAFLOW_HOME.", no_args_is_help=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(port: int) -> dict[str, str]:
    """The environment of the `prefect server start` that `up` runs on `port`.

    The UI asks the server for its API address (`/ui-settings`), which Prefect takes from
    PREFECT_UI_API_URL or PREFECT_SERVER_API_PORT, not from `--port`: without them a UI on
    any port but 4200 says "Can't connect to Server API at http://127.0.0.1:4200/api".
    A PREFECT_UI_API_URL the user set (a proxy in front of the server) is kept.
    """
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    env.setdefault("PREFECT_UI_API_URL", f"http://127.0.0.1:{port}/api")
    env.pop("PREFECT_API_URL", None)
    return env


@app.command()
def up(
    port: int = typer.Option(4200, help="Port on 127.0.0.1 (0 = any free port)."),
    wait: float = typer.Option(90.0, help="Seconds to wait until the API is healthy."),
    warm: bool = typer.Option(True, "--warm/--no-warm",
                              help="Also start the warm runner: pipeline commands skip ~3 s of imports."),
    as_json: bool = common.JsonOption,
) -> None:
    """Start `prefect server start` on 127.0.0.1 in the background (and the warm runner)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        existing = LocalServer.read()
        if existing is not None and existing.alive():
            common.emit({"url": existing.url, "pid": existing.pid, "started": False,
                         "warm": start_warm() if warm else warm_pid()}, as_json)
            return
        port = port or free_port()
        log_path = state_dir("server") / "server.log"
        env = server_env(port)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                 "--port", str(port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env=env,
            )
        server = LocalServer(url=f"http://127.0.0.1:{port}/api", pid=proc.pid, port=port, log=str(log_path))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise common.UserError(f"prefect server exited with {proc.returncode}; see {log_path}")
            if healthy(server.url):
                server.write()
                common.emit(
                    {"url": server.url, "ui": server.url.removesuffix("/api"), "pid": proc.pid, "started": True,
                     "warm": start_warm() if warm else None},
                    as_json,
                )
                return
            time.sleep(0.5)
        stop_group(proc.pid)
        raise common.UserError(f"prefect server did not answer within {wait:.0f} s; see {log_path}")


def warm_pid() -> int | None:
    from flows.warm import running_pid

    return running_pid()


def start_warm(wait: float = 60.0) -> int | None:
    """Start the warm runner (flows.warm) for this QAFLOW_HOME unless one answers; its pid.

    Waits until it has imported the pipelines and listens, so the next command finds
    it; None if it did not come up (commands then run in their own process, as always).
    """
    from flows import warm_socket

    pid = warm_pid()
    if pid is not None:
        return pid
    try:  # made here too (mode 0700) so that a folder that is not ours is reported, not only logged
        os.close(warm_socket.open_folder(str(home()), create=True))
    except warm_socket.Untrusted as exc:
        print(f"qaflow: warm runner not started: {exc}", file=sys.stderr)
        return None
    log_path = state_dir("server") / "warm.log"
    env = {**os.environ, "QAFLOW_HOME": str(home())}
    # 0600: the log names the commands and folders of this user
    with open(os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600), "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "flows.warm"], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and proc.poll() is None:
        if (pid := warm_pid()) is not None:
            return pid
        time.sleep(0.2)
    if proc.poll() is None:
        proc.terminate()
    return None


def stop_warm(timeout: float = 10.0) -> bool:
    """SIGTERM the warm runner; commands it already started finish on their own."""
    pid = warm_pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    if not gone_within(pid, timeout):
        os.kill(pid, signal.SIGKILL)
    return True


def stop_group(pid: int, timeout: float = 15.0) -> bool:
    """SIGTERM the process group led by `pid`, SIGKILL it after `timeout` s; True once gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        if gone_within(pid, wait):
            return True
    return False


def gone_within(pid: int, seconds: float) -> bool:
    """Wait up to `seconds` for process `pid` to end; True once it has."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@app.command()
def down(
    wait: float = typer.Option(15.0, help="Seconds to wait after SIGTERM before SIGKILL."),
    as_json: bool = common.JsonOption,
) -> None:
    """Stop the local server started by `qaflow server up` (SIGTERM, then SIGKILL)."""
    common.use_json(as_json)
    server = LocalServer.read()
    warm_stopped = stop_warm()
    stopped = False
    if server is not None:
        stopped = stop_group(server.pid, wait)
        LocalServer.record_path().unlink(missing_ok=True)
    common.emit({"stopped": stopped, "pid": server.pid if server else None, "warm_stopped": warm_stopped},
                as_json)


@app.command()
def status(as_json: bool = common.JsonOption) -> None:
    """Say whether the local server is running and where."""
    common.use_json(as_json)
    server = LocalServer.read()
    alive = bool(server and server.alive())
    common.emit({"running": alive, "url": server.url if alive and server else None, "warm": warm_pid()}, as_json)
