"""`python -m flows.server_keeper --port N [--idle-minutes M]`: runs `prefect server start`
and stops it when idle (see flows/local_server.py).

It leads the server's process group, so `qaflow server down` (SIGTERM to the group)
stops both; the keeper then only forwards the signal and exits with the server.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flows.server_keeper")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle-minutes", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(args.port)],
        stdin=subprocess.DEVNULL,
    )

    def forward(signum: int, _frame: object) -> None:
        server.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    started = time.time()
    idle_limit = args.idle_minutes * 60
    check_every = min(10.0, max(0.5, idle_limit / 4)) if idle_limit else 3600.0
    while True:
        try:
            return server.wait(timeout=check_every)
        except subprocess.TimeoutExpired:
            pass
        if idle_limit and _idle_since(started) >= idle_limit:
            _log(f"idle for {args.idle_minutes:g} min: stopping the Prefect server and the warm runner")
            _stop_warm()
            _forget_if_ours()
            server.terminate()
            try:
                return server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                return server.wait()


# A server that no command has used yet is starting (migrations, a loaded machine):
# its idle clock starts when the command that started it marks it used, or after this.
STARTUP_GRACE_SECONDS = 300.0


def _idle_since(started: float) -> float:
    from flows.local_server import idle_for, used_stamp

    try:
        used = used_stamp().stat().st_mtime
    except OSError:
        used = 0.0
    if used < started:
        return max(0.0, time.time() - started - STARTUP_GRACE_SECONDS)
    return idle_for()


def _stop_warm() -> None:
    from flows.warm_client import running_pid

    pid = running_pid()
    if pid is not None:
        os.kill(pid, signal.SIGTERM)


def _forget_if_ours() -> None:
    """Remove the server record when it names this keeper (a later `up` may have replaced it)."""
    from flows.local_server import LocalServer

    record = LocalServer.read()
    if record is not None and record.pid == os.getpid():
        LocalServer.record_path().unlink(missing_ok=True)


def _log(line: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} qaflow server keeper: {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
