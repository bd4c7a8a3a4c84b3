"""Which Prefect API a qaflow process talks to, decided before Prefect is imported.

Order: PREFECT_API_URL when the user set it; else the local server of this
QAFLOW_HOME (`qaflow server up`, or started by the first command that needed it),
when it answers; else, for commands that run flows, that local server is started
(flows/local_server.py), or with QAFLOW_SERVER=never a temporary API per process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows import local_server
from flows.local_server import LocalServer, healthy
from tasks.settings import settings


def configure_api() -> str:
    """Point this process at the fastest honest Prefect API; returns which one it chose."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if profile_url := profile_api_url():
        os.environ["PREFECT_API_URL"] = profile_url
        return profile_url
    server = LocalServer.read()
    if server is not None and server.alive():
        os.environ["PREFECT_API_URL"] = server.url
        return server.url
    return "ephemeral"


def profile_api_url() -> str | None:
    """PREFECT_API_URL from the active Prefect profile (`prefect config set`), read without importing Prefect."""
    import tomllib

    prefect_home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH", prefect_home / "profiles.toml")).expanduser()
    try:
        profiles = tomllib.loads(path.read_text())
    except (OSError, ValueError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    url = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return url if isinstance(url, str) and url else None


class _TemporaryServer:
    """A Prefect API for this process only (`QAFLOW_SERVER=never`, CI), started early.

    Prefect's own ephemeral mode starts its temporary server on the first API call,
    after the client has spent seconds importing Prefect and the pipeline's libraries.
    Here Prefect's public `prefect server start` (no UI, no background services) starts
    at the top of the command, so it imports while this process imports; the first flow
    waits for its health check (`wait_until_ready`). It runs in its own session: a
    terminal's Ctrl-C must not stop the API before this process has recorded how its
    flow run ended; it is stopped at exit, and by the kernel if this process is killed.
    """

    def __init__(self) -> None:
        self.process = None
        self.url: str | None = None

    def start(self) -> str:
        import atexit
        import subprocess
        import sys

        port = local_server.free_port()
        env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--no-ui", "--no-services"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        self.url = f"http://127.0.0.1:{port}/api"
        atexit.register(self.stop)
        from flows.interrupts import at_forced_exit

        at_forced_exit(lambda _code: self.stop())
        return self.url

    def wait_until_ready(self, timeout: float = 180.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while self.process is not None and self.url is not None:
            if healthy(self.url, timeout=1.0):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"the temporary Prefect API exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the temporary Prefect API did not answer within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGTERM lets the server close its database cleanly; it finishes on its own,
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


_temporary = _TemporaryServer()


def temporary_api_url() -> str | None:
    """The URL of the API this process started for itself, if it did (it dies with the process)."""
    return _temporary.url


def start_api(wait: bool = True) -> str:
    """Make sure a Prefect API is there for a command that runs flows; fast.

    PREFECT_API_URL or the local server when one runs; otherwise, by default, start the
    local server in the background (flows/local_server.py), which later commands reuse;
    with `QAFLOW_SERVER=never` (or CI) a temporary API for this process. Call it at the top
    of a CLI command, before importing the flow; with `wait=False` the first flow run
    (`cli_flow_runs`) waits for a temporary API instead, so it starts during the imports.
    """
    chosen = configure_api()
    if chosen == "ephemeral" and local_server.server_mode() == "auto":
        chosen = _start_local_server()
    if chosen != "ephemeral":
        if (server := LocalServer.read()) is not None and server.url == chosen:
            local_server.mark_used()  # `server status` and the like do not count as use
            local_server.hold_lease()
        return chosen
    if not settings().early_ephemeral:
        return "ephemeral"  # Prefect's own choice: its ephemeral API, or a test harness's
    url = _temporary.url or _temporary.start()
    os.environ["PREFECT_API_URL"] = url
    if wait:
        _temporary.wait_until_ready()
    return url


def _start_local_server() -> str:
    """Start the local server on first need and say so in one line; its URL ('ephemeral' if it failed)."""
    import sys

    idle = settings().server_idle_minutes
    try:
        server, started = local_server.start(port=local_server.free_port(local_server.DEFAULT_PORT),
                                             idle_minutes=idle)
    except (RuntimeError, OSError) as exc:
        print(f"qaflow: could not start a local Prefect server ({exc}); using a temporary one", file=sys.stderr)
        return "ephemeral"
    os.environ["PREFECT_API_URL"] = server.url
    if started:
        stops = f"after {idle:g} min unused" if idle else "with `qaflow server down`"
        print(f"qaflow: started a local Prefect server in the background: UI {server.url.removesuffix('/api')} "
              f"(stops {stops}; `qaflow server down` stops it now; QAFLOW_SERVER=never turns this off)",
              file=sys.stderr)
        _start_warm_runner()
    return server.url


def _start_warm_runner() -> None:
    """The warm runner beside a server this command started, without waiting for it."""
    import contextlib

    from flows import warm_client

    if not warm_client.enabled():
        return
    with contextlib.suppress(OSError):
        warm_client.start_runner(wait=0.0)


@contextmanager
def cli_flow_runs() -> Iterator[None]:
    """Flow runs started inside this block send no heartbeats, and the console stays quiet.

    Heartbeats let the server mark a deployment's run crashed when its worker
    process dies; a run started from the CLI is watched by the terminal that
    started it, and scheduled runs (executed by a worker, not here) keep them.
    Leaving them on costs up to a second per run: Prefect's heartbeat thread
    sleeps in one-second steps, and the engine joins it when the flow returns.
    Prefect's per-run bookkeeping lines leave the console (flows/console.py).
    """
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    from flows.console import quiet_console

    _temporary.wait_until_ready()
    with quiet_console(keep_links=api_outlives_command()):
        if get_current_settings().flows.heartbeat_frequency is None:  # already off (the warm runner's settings)
            yield
            return
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


def api_outlives_command() -> bool:
    """True when this process talks to an API that is still there after it ends (a UI link is worth printing)."""
    url = os.environ.get("PREFECT_API_URL")
    return bool(url) and url != _temporary.url

