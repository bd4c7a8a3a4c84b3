"""Ctrl-C ends a run cleanly: status 130 within seconds, the flow run CANCELLED,
nothing half-written, and no burst of errors.

Real console-script processes, each in its own session and signalled with
os.killpg, as a terminal sends Ctrl-C to its foreground process group (which is
what used to kill the ephemeral Prefect API child first).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QAFLOW = [sys.executable, "-m", "flows.cli"]
RUN_ID = re.compile(r"flow-run/([0-9a-f-]{36})")

pytestmark = pytest.mark.timeout(600)


class Command:
    """One `qaflow` process in its own session; its output collected on a thread."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [*QAFLOW, *args], cwd=ROOT, env=env, start_new_session=True, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_for(self, ready: object, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():  # type: ignore[operator]
                return
            assert self.process.poll() is None, f"ended early ({self.process.returncode}):\n{self.text}"
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"not ready after {timeout} s:\n{self.text}")

    def interrupt(self, sig: int = signal.SIGINT, within: float = 10.0) -> tuple[int, float]:
        """Signal the whole process group; the exit status and how long the exit took."""
        started = time.monotonic()
        os.killpg(self.process.pid, sig)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running 60 s after {sig!r}:\n{self.text}") from None
        took = time.monotonic() - started
        self._reader.join(10)
        assert took < within, f"took {took:.1f} s to exit after {sig!r}:\n{self.text}"
        return code, took

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def flow_run_id(self) -> str:
        found = RUN_ID.findall(self.text)
        assert found, self.text
        return found[0]


def assert_quiet(text: str) -> None:
    """No traceback, no error lines, no connection errors: one line says what happened."""
    assert "Traceback" not in text, text
    assert "| ERROR" not in text and "Crash detected" not in text, text
    assert "ConnectError" not in text and "Connection refused" not in text, text
    assert "interrupted by SIG" in text, text


def isolated_env(tmp_path: Path, api_url: str | None) -> dict[str, str]:
    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "QAFLOW_WARM": "0", "COLUMNS": "200"}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def harness_url() -> str:
    """The session's test API (prefect_test_harness sets it in Prefect's settings, not the environment)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "needs the prefect_api fixture"
    return str(url)


def state_in_api(run_id: str) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
        assert state is not None
        return f"{state.type.value}:{state.message}"


def state_in_ephemeral_db(prefect_home: Path) -> str:
    """The state of the one flow run the per-process API recorded, read from its database after it is gone.

    The console shows no link to that API (it is gone when the command ends), so the run is
    found by being the only one in this test's PREFECT_HOME."""
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        rows = db.execute("select state_type from flow_run").fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


def write_documents(folder: Path, count: int) -> None:
    words = ["order", "user", "payment", "invoice", "retry", "timeout", "cache", "index", "shard", "token",
             "page", "limit", "header", "status", "created", "deleted", "updated", "schema", "field", "value"]
    folder.mkdir(parents=True)
    for i in range(count):
        sections = [
            f"## Section {j}\n\n" + " ".join(words[(i * 7 + j * 3 + k) % len(words)] for k in range(150))
            for j in range(2)
        ]
        (folder / f"doc{i:04d}.md").write_text(f"# Document {i}\n\n" + "\n\n".join(sections) + "\n")


def test_ctrl_c_during_a_rag_watch_sync_with_the_ephemeral_api(tmp_path: Path) -> None:
    """The case where the API child used to die first: per-process ephemeral API."""
    docs = tmp_path / "docs"
    write_documents(docs, 400)
    env = isolated_env(tmp_path, api_url=None)
    watch = Command(["rag", "watch", str(docs)], env)
    try:
        watch.wait_for(lambda: "400 new" in watch.text)
        time.sleep(1)  # the sync is embedding and writing batches now
        code, _took = watch.interrupt()
    finally:
        watch.kill()
    assert code == 130, watch.text
    assert_quiet(watch.text)
    assert "View at" not in watch.text  # no link to an API that ends with the command
    assert state_in_ephemeral_db(tmp_path / "prefect-home") == "CANCELLED"  # not COMPLETED: interrupted mid-sync

    status = subprocess.run([*QAFLOW, "rag", "status", "--json"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=240)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["drift"] == 0
    synced = subprocess.run([*QAFLOW, "rag", "sync", str(docs), "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert synced.returncode == 0, synced.stderr
    after = json.loads(subprocess.run([*QAFLOW, "rag", "status", "--json"], cwd=ROOT, env=env,
                                      capture_output=True, text=True, timeout=240).stdout)
    assert after["drift"] == 0 and after["files"] == 400, after


@pytest.mark.usefixtures("prefect_api")
def test_ctrl_c_during_mockdata_shards_leaves_no_part_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = isolated_env(tmp_path, api_url=harness_url())
    generate = Command(["mockdata", "generate", str(ROOT / "examples/schemas/customer.schema.json"),
                        "--rows", "5000000", "--out", str(out), "--seed", "7"], env)
    try:
        generate.wait_for(lambda: any(p.is_file() for p in out.glob(".staging-*/*/*")))
        code, _took = generate.interrupt()
    finally:
        generate.kill()
    assert code == 130, generate.text
    assert_quiet(generate.text)
    assert state_in_api(generate.flow_run_id()) == "CANCELLED:interrupted"
    assert sorted(p.name for p in out.iterdir()) == [], "nothing published, staging removed"


class SlowAPI:
    """An HTTP API that answers every request after `delay` seconds: a run takes long enough to interrupt."""

    def __init__(self, delay: float = 0.5) -> None:
        self.first_request = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.first_request.set()
                time.sleep(delay)
                body = b'{"id": 1, "items": []}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_api() -> Iterator[SlowAPI]:
    api = SlowAPI()
    yield api
    api.close()


@pytest.mark.usefixtures("prefect_api")
def test_ctrl_c_during_bdd_run_execution_writes_no_half_report(tmp_path: Path, slow_api: SlowAPI) -> None:
    out = tmp_path / "bdd"
    env = isolated_env(tmp_path, api_url=harness_url())
    run = Command(["bdd", "run", str(ROOT / "examples/requirements"), "--base-url", slow_api.url,
                   "--out", str(out), "--concurrency", "1"], env)
    try:
        run.wait_for(slow_api.first_request.is_set)
        time.sleep(1)
        code, _took = run.interrupt()
    finally:
        run.kill()
    assert code == 130, run.text
    assert_quiet(run.text)
    assert state_in_api(run.flow_run_id()) == "CANCELLED:interrupted"
    for name in ("junit.xml", "cucumber.json", "report.html"):
        for path in out.rglob(name):  # absent, or complete
            text = path.read_text()
            if name == "cucumber.json":
                json.loads(text)
            else:
                assert text.rstrip().endswith(">"), path


@pytest.mark.usefixtures("prefect_api")
def test_sigterm_during_mockdata_exits_143_and_cancels(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = isolated_env(tmp_path, api_url=harness_url())
    generate = Command(["mockdata", "generate", str(ROOT / "examples/schemas/customer.schema.json"),
                        "--rows", "5000000", "--out", str(out), "--seed", "7"], env)
    try:
        generate.wait_for(lambda: any(p.is_file() for p in out.glob(".staging-*/*/*")))
        code, _took = generate.interrupt(signal.SIGTERM)
    finally:
        generate.kill()
    assert code == 143, generate.text
    assert_quiet(generate.text)
    assert state_in_api(generate.flow_run_id()) == "CANCELLED:interrupted"
    assert list(out.iterdir()) == []
