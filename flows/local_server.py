"""The local Prefect server of a QAFLOW_HOME: who starts it, what keeps it, when it stops.

A per-process Prefect API costs 7-10 s of every command. So the first command that
needs an API starts the same server `qaflow server up` starts (127.0.0.1, SQLite under
PREFECT_HOME) in the background and later commands use it; it stops after an idle
period (`QAFLOW_SERVER_IDLE_MINUTES`, default 30) or with `qaflow server down`.
`QAFLOW_SERVER=never` (and, unless set, `CI=true`) keeps a temporary API per process.

The server runs under a small keeper process (`python -m flows.server_keeper`) that
leads its process group: `down` stops the group, and the keeper stops it when idle.
Idle means no command has used the server for the period and no process holds a
lease (a command that runs flows, `rag watch` or `serve` holds one while it lives).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from flows.processes import stop_group
from tasks.files import write_atomic
from tasks.paths import SERVER, SERVER_LEASES, home, state_dir
from tasks.settings import settings

DEFAULT_PORT = 4200


@dataclass(frozen=True)
class LocalServer:
    """A `prefect server` started by `qaflow server up`, recorded in QAFLOW_HOME."""

    url: str
    pid: int
    port: int
    log: str

    @staticmethod
    def record_path() -> Path:
        return home().joinpath(*SERVER, "server.json")

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
        write_atomic(self.record_path(), json.dumps(self.__dict__))

    def alive(self, timeout: float = 0.5) -> bool:
        """True when the process exists and the API answers its health check."""
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return healthy(self.url, timeout)


def healthy(api_url: str, timeout: float = 0.5) -> bool:
    """True when `api_url` (ending in /api) answers /health."""
    import httpx  # here: `qaflow version` and `--help` never need it

    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def server_mode() -> str:
    """'auto' (start the local server on first need) or 'never' (a temporary API per process)."""
    chosen = (settings().server or "").strip().lower()
    if chosen in ("auto", "never"):
        return chosen
    ci = os.environ.get("CI", "").strip().lower()
    return "never" if ci in ("1", "true", "yes") else "auto"


def free_port(preferred: int | None = None) -> int:
    """`preferred` when nothing listens there on 127.0.0.1, else any free port."""
    for port in ((preferred,) if preferred else ()) + (0,):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free TCP port on 127.0.0.1")


def server_env(port: int) -> dict[str, str]:
    """The environment of the `prefect server start` on `port`.

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


def running() -> LocalServer | None:
    """The recorded server when it is alive and answering."""
    server = LocalServer.read()
    return server if server is not None and server.alive() else None


@contextlib.contextmanager
def _start_lock() -> object:
    """One start at a time per QAFLOW_HOME: two first commands must not start two servers."""
    with open(state_dir(*SERVER) / "start.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start(port: int = 0, wait: float = 90.0, idle_minutes: float = 0.0) -> tuple[LocalServer, bool]:
    """Start the keeper and its `prefect server start`; (the server, whether this call started it).

    `idle_minutes` 0 keeps it until `qaflow server down`. Raises RuntimeError with the
    log's path when the server does not come up.
    """
    with _start_lock():
        if (existing := running()) is not None:
            return existing, False
        port = port or free_port()
        log_path = state_dir(*SERVER) / "server.log"
        with open(os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600), "ab") as log:
            keeper = subprocess.Popen(
                [sys.executable, "-m", "flows.server_keeper", "--port", str(port),
                 "--idle-minutes", str(idle_minutes)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env=server_env(port),
            )
        server = LocalServer(url=f"http://127.0.0.1:{port}/api", pid=keeper.pid, port=port, log=str(log_path))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if keeper.poll() is not None:
                raise RuntimeError(f"prefect server exited with {keeper.returncode}; see {log_path}")
            if healthy(server.url):
                server.write()
                mark_used()
                return server, True
            time.sleep(0.25)
        stop_group(keeper.pid)
        raise RuntimeError(f"prefect server did not answer within {wait:.0f} s; see {log_path}")


def stop(wait: float = 15.0) -> tuple[LocalServer | None, bool]:
    """Stop the recorded server's process group and forget it; (the record, whether it stopped)."""
    server = LocalServer.read()
    stopped = False
    if server is not None:
        stopped = stop_group(server.pid, wait)
        LocalServer.record_path().unlink(missing_ok=True)
    return server, stopped


def used_stamp() -> Path:
    return state_dir(*SERVER) / "last-used"


def mark_used() -> None:
    """Record that a command used the server now (the keeper's idle clock restarts)."""
    with contextlib.suppress(OSError):
        used_stamp().touch()


def hold_lease() -> None:
    """Keep the server up while this process lives (flows may run for longer than the idle period)."""
    import atexit

    lease = state_dir(*SERVER_LEASES) / str(os.getpid())

    def release() -> None:
        mark_used()  # idle counts from the end of the last command, not its start
        lease.unlink(missing_ok=True)

    with contextlib.suppress(OSError):
        lease.touch()
        atexit.register(release)


def live_leases() -> list[int]:
    """Pids of the processes holding a lease now; stale leases (their process gone) are removed."""
    alive = []
    for lease in state_dir(*SERVER_LEASES).iterdir():
        try:
            pid = int(lease.name)
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            lease.unlink(missing_ok=True)
            continue
        except PermissionError:
            pass  # someone else's pid now: treat as alive, it is cleaned when it ends
        alive.append(pid)
    return alive


def idle_for() -> float:
    """Seconds since a command last used the server (0 while a lease is held)."""
    if live_leases():
        return 0.0
    try:
        return max(0.0, time.time() - used_stamp().stat().st_mtime)
    except OSError:
        return float("inf")
