"""Which Prefect API a qaflow process talks to, decided before Prefect is imported.

Order: PREFECT_API_URL when the user set it; else the local server that
`qaflow server up` started for this QAFLOW_HOME, when it answers; else
Prefect's ephemeral API (a temporary server per process, ~7-9 s to start).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tasks.settings import home


@dataclass(frozen=True)
class LocalServer:
    """A `prefect server` started by `qaflow server up`, recorded in QAFLOW_HOME."""

    url: str
    pid: int
    port: int
    log: str

    @staticmethod
    def record_path() -> Path:
        return home() / "server" / "server.json"

    @classmethod
    def read(cls) -> LocalServer | None:
        path = cls.record_path()
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            return None

    def write(self) -> None:
        path = self.record_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__))
        tmp.replace(path)

    def alive(self, timeout: float = 0.5) -> bool:
        """True when the process exists and the API answers its health check."""
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return healthy(self.url, timeout)


def healthy(api_url: str, timeout: float = 0.5) -> bool:
    """True when `api_url` (ending in /api) answers /health."""
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def configure_api() -> str:
    """Point this process at the fastest honest Prefect API; returns which one it chose."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    server = LocalServer.read()
    if server is not None and server.alive():
        os.environ["PREFECT_API_URL"] = server.url
        return server.url
    return "ephemeral"


class _EarlyServer:
    """Prefect's ephemeral API, started before Prefect is even imported.

    Prefect's own ephemeral mode starts its temporary server on the first API
    call, after the client has spent seconds importing Prefect and the
    pipeline's libraries; then it polls until the server answers. Here the
    listening socket is bound first and handed to uvicorn (`--fd`), so the
    server imports while this process imports, and the first request simply
    waits in the socket's backlog until the server accepts it. Same server,
    same database (PREFECT_HOME), only sooner.
    """

    def __init__(self) -> None:
        self.process = None
        self.url: str | None = None

    def start(self) -> str:
        import atexit
        import importlib.util
        import socket
        import subprocess
        import sys

        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("prefect is not installed")
        app_dir = str(Path(next(iter(spec.submodule_search_locations))).parent)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        port = sock.getsockname()[1]
        env = {
            **os.environ,
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
             "prefect.server.api.server:create_app", "--fd", str(sock.fileno()),
             "--log-level", "error", "--lifespan", "on"],
            env=env, pass_fds=(sock.fileno(),), stdin=subprocess.DEVNULL,
            # its own session: a terminal's Ctrl-C (SIGINT to the foreground process group)
            # must not stop the API before this process has recorded how its flow run ended;
            # `stop` ends it at exit, and _die_with_parent if this process is killed
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        sock.close()  # the child holds its own copy of the listening socket
        self.url = f"http://127.0.0.1:{port}/api"
        atexit.register(self.stop)
        from flows.interrupts import at_forced_exit

        at_forced_exit(lambda _code: self.stop())
        return self.url

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGTERM lets uvicorn close the database cleanly; it finishes on its own,
            # so the user's prompt does not wait for it.
            self.process.terminate()
        self.process = None


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the qaflow process dies, even by SIGKILL (Linux)."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_early = _EarlyServer()


def start_api() -> str:
    """Make sure a Prefect API is there for a command that runs flows; fast.

    Uses PREFECT_API_URL or the `qaflow server up` server when there is one;
    otherwise starts the ephemeral API early (see `_EarlyServer`). Call it at the
    top of a CLI command, before importing the flow.
    """
    chosen = configure_api()
    if chosen != "ephemeral":
        return chosen
    if os.environ.get("QAFLOW_EARLY_EPHEMERAL", "1") == "0":
        return "ephemeral"
    url = _early.start()
    os.environ["PREFECT_API_URL"] = url
    return url


@contextmanager
def cli_flow_runs() -> Iterator[None]:
    """Flow runs started inside this block send no heartbeats.

    Heartbeats let the server mark a deployment's run crashed when its worker
    process dies; a run started from the CLI is watched by the terminal that
    started it, and scheduled runs (executed by a worker, not here) keep them.
    Leaving them on costs up to a second per run: Prefect's heartbeat thread
    sleeps in one-second steps, and the engine joins it when the flow returns.
    """
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    if get_current_settings().flows.heartbeat_frequency is None:  # already off (the warm runner's settings)
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield

