"""Start the demo API in a subprocess on 127.0.0.1 and wait until it answers.

Used by the tests, `make demo` and the benchmarks:

    base_url, stop = start_demo_api()
    try:
        ...
    finally:
        stop()
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo_api(
    port: int = 0, *, token: str | None = None, startup_timeout: float = 30.0
) -> tuple[str, Callable[[], None]]:
    """Run `python -m examples.demo_api` on a free (or the given) port; returns (base_url, stop).

    `stop()` ends the server (SIGTERM, then SIGKILL after 5 s) and may be called twice.
    """
    port = port or free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "examples.demo_api", "--host", "127.0.0.1", "--port", str(port)]
    if token:
        command += ["--token", token]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr:
            process.stderr.close()

    deadline = time.monotonic() + startup_timeout
    while True:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
            stop()
            raise RuntimeError(f"the demo API exited with {process.returncode} before answering: {err}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                return base_url, stop
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop()
            raise RuntimeError(f"the demo API did not answer on {base_url} within {startup_timeout:.0f} s")
        time.sleep(0.05)
