"""One real Prefect stack for the operations tests: a `prefect server` on a throw-away
PostgreSQL 15, started as docs/deployment.md's "more than one machine" section tells
teams to (`PREFECT_SERVER_DATABASE_CONNECTION_URL`, `prefect server start`), the
`qaflow-process` work pool, `prefect deploy --all` of the project's prefect.yaml, a
process worker, and the demo API, all on 127.0.0.1. (`qaflow server up`, the SQLite
server of one machine, has its own tests in tests/cli/test_server.py.)

Started once per module (it takes most of the tests' time) and stopped by PID:
every long-lived process runs in its own session (process group), gets SIGTERM,
and SIGKILL if it is still there after a timeout.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import PgServer, pg_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QAFLOW = [sys.executable, "-m", "flows.cli"]
PREFECT = [str(BIN / "prefect"), "--no-prompt"]
# What docs/deployment.md tells users to type, word for word.
DEPLOY = [str(BIN / "prefect"), "deploy", "--all"]
DEMO_TARGET = "default"  # what `qaflow blocks init` saves
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class Stack:
    """What the tests talk to."""

    api_url: str
    env: dict[str, str]
    tmp: Path
    demo_url: str
    worker_log: Path
    database_dsn: str  # the server's PostgreSQL database (psycopg form)

    def run(self, args: list[str], timeout: float = 240, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True,
                              timeout=timeout)

    def start(self, args: list[str], log: Path, **env: str) -> subprocess.Popen:
        """A long-lived process in its own session, so that SIGTERM reaches it and its children."""
        with open(log, "ab") as out:
            return subprocess.Popen(args, cwd=ROOT, env={**self.env, **env}, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)

    @contextmanager
    def client(self) -> Iterator[Any]:
        """A sync Prefect client on this stack's server."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.api_url}), get_client(sync_client=True) as client:
            yield client

    def logs(self, path: Path | None = None, lines: int = 40) -> str:
        path = path or self.worker_log
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def wait_for_run(self, run_id: Any, timeout: float = 240, log: Path | None = None) -> Any:
        """The flow run once it is in a final state; fails with the process log when it is not in time."""
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while True:
                run = client.read_flow_run(run_id)
                if run.state is not None and run.state.type.value in FINAL:
                    return run
                if time.monotonic() > deadline:
                    pytest.fail(f"flow run {run.name} still {run.state_name} after {timeout:.0f} s\n{self.logs(log)}")
                time.sleep(1.0)


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> int:
    """SIGTERM the process group, SIGKILL it after `timeout`; the exit code."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait(timeout=5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> Iterator[Stack]:  # noqa: F811
    from examples.demo_api.server import start_demo_api
    from flows.local_server import free_port, healthy

    tmp = tmp_path_factory.mktemp("ops")
    env = {
        **os.environ,
        "QAFLOW_HOME": str(tmp / "qaflow-home"),
        "PREFECT_HOME": str(tmp / "prefect-home"),
        # The tests start every run themselves: no scheduled rag-sync may compete with them.
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "COLUMNS": "250",
    }
    env.pop("PREFECT_API_URL", None)
    env.pop("QAFLOW_TARGET_BASE_URL", None)
    env.pop("DEMO_API_TOKEN", None)
    # Deployed as the README tells users: no qaflow-specific variable (the pull step finds the checkout).
    env.pop("QAFLOW_PROJECT_DIR", None)
    database = pg_server.new_database()
    env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = (
        f"postgresql+asyncpg://{pg_server.user}:{pg_server.password}@{pg_server.host}:{pg_server.port}/{database}")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    with open(tmp / "server.log", "ab") as log:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env={**env, "PREFECT_UI_API_URL": api_url}, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while not healthy(api_url):
        assert server.poll() is None, (tmp / "server.log").read_text()
        assert time.monotonic() < deadline, "prefect server did not answer\n" + (tmp / "server.log").read_text()
        time.sleep(0.5)
    stack = Stack(api_url=api_url, env={**env, "PREFECT_API_URL": api_url}, tmp=tmp, demo_url="",
                  worker_log=tmp / "worker.log", database_dsn=pg_server.dsn(database))
    worker = deploying = stop_demo = None
    try:
        created = stack.run([*PREFECT, "work-pool", "create", "qaflow-process", "--type", "process"])
        assert created.returncode == 0, created.stdout + created.stderr
        # The worker and the demo API start while `prefect deploy` imports the flows.
        worker = stack.start([*PREFECT, "worker", "start", "--pool", "qaflow-process"], stack.worker_log)
        deploying = stack.start(DEPLOY, tmp / "deploy.log")
        stack.demo_url, stop_demo = start_demo_api()
        _save_demo_target(stack)
        assert deploying.wait(timeout=240) == 0, stack.logs(tmp / "deploy.log")
        yield stack
    finally:
        for proc in (worker, deploying):
            if proc is not None:
                stop(proc)
        if stop_demo is not None:
            stop_demo()
        stop(server)


def _save_demo_target(stack: Stack) -> None:
    """The blocks a new user saves, as the README says: `qaflow blocks init` (its TargetAPI
    `default` is the demo API with a `default` bearer profile; the runs give the port)."""
    saved = stack.run([*QAFLOW, "blocks", "init", "--json"])
    assert saved.returncode == 0, saved.stdout + saved.stderr
    assert "qaflow-target-api" in json.loads(saved.stdout)["saved"]
