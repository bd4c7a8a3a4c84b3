"""Prism (Stoplight's validating mock server, from npm) for the tests: installed once into a
cache folder the tests control, started on a free port of 127.0.0.1, stopped by its own id.

Prism answers every request from the document it serves and validates it first: a request
that breaks the document (a wrong body, a missing parameter, no credentials for a secured
operation) gets an error status and an `sl-violations` header saying why."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from flows.local_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PRISM_DIR = Path(os.environ.get("QAFLOW_PRISM_DIR", ROOT / ".qaflow" / "npm" / "prism"))
PRISM_SPEC = "@stoplight/prism-cli@5"
START_TIMEOUT_S = 90.0


def prism_binary() -> Path:
    """Prism's executable, installed with npm into PRISM_DIR on first use. A missing npm or a
    failed install fails the test (the suite needs the real mock, it never skips it)."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install Prism (@stoplight/prism-cli) for the OpenAPI tests")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(PRISM_DIR), PRISM_SPEC, "--no-audit", "--no-fund"],
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0 or not binary.exists():
        pytest.fail(f"npm install {PRISM_SPEC} failed ({done.returncode}): {done.stderr[-2000:]}")
    return binary


class Prism:
    """`prism mock SPEC` on 127.0.0.1:<free port>, its log in `log`. Started at once; `ready()`
    waits until it listens (so several can start side by side)."""

    def __init__(self, spec: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [str(prism_binary()), "mock", str(spec), "-h", "127.0.0.1", "-p", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def ready(self) -> Prism:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"prism exited ({self.process.returncode}): {self.log.read_text(errors='replace')[-2000:]}")
            try:
                httpx.get(self.url + "/", timeout=1.0)
                return self
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"prism did not listen within {START_TIMEOUT_S:g} s")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: node and nothing else
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
