"""`qaflow server up|down` against a real `prefect server`, and what runs on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.server
def test_server_up_is_used_by_later_commands_and_registers_blocks(tmp_path: Path) -> None:
    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    qaflow = [sys.executable, "-m", "flows.cli"]
    up = _run([*qaflow, "server", "up", "--port", "0", "--json"], env)
    assert up.returncode == 0, up.stderr
    server = json.loads(up.stdout)
    try:
        assert server["started"] is True
        assert server["url"].startswith("http://127.0.0.1:")

        status = json.loads(_run([*qaflow, "server", "status", "--json"], env).stdout)
        assert status == {"running": True, "url": server["url"], "warm": server["warm"]}
        assert isinstance(server["warm"], int)

        # A pipeline command through the console script runs in the warm runner, on the server.
        (tmp_path / "t.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n")
        generated = _run([str(BIN / "qaflow"), "mockdata", "generate", str(tmp_path / "t.sql"), "--rows", "100",
                          "--out", str(tmp_path / "out"), "--json"], env)
        assert generated.returncode == 0, generated.stderr
        assert json.loads(generated.stdout)["rows"] == 100
        assert "qaflow mockdata generate" in (tmp_path / "home" / "server" / "warm.log").read_text()

        # No PREFECT_API_URL in the environment: qaflow finds the recorded server.
        registered = _run([*qaflow, "blocks", "register", "--json"], env)
        assert registered.returncode == 0, registered.stderr
        assert len(json.loads(registered.stdout)["registered"]) == 4

        # Prefect's own CLI sees the block types on that server.
        listed = _run([str(BIN / "prefect"), "block", "type", "ls"],
                      {**env, "PREFECT_API_URL": server["url"], "COLUMNS": "250"})
        assert listed.returncode == 0, listed.stderr
        for slug in ("qaflow-llm-endpoint", "qaflow-vector-store", "qaflow-target-api", "qaflow-database"):
            assert slug in listed.stdout
    finally:
        down = _run([*qaflow, "server", "down", "--json"], env)
    assert json.loads(down.stdout)["stopped"] is True
    assert json.loads(down.stdout)["warm_stopped"] is True
    assert json.loads(_run([*qaflow, "server", "status", "--json"], env).stdout) == {
        "running": False, "url": None, "warm": None}


@pytest.mark.server
def test_server_up_on_another_port_gives_a_ui_that_reaches_its_api(tmp_path: Path) -> None:
    """The UI asks `/ui-settings` where the API is; on any port but 4200 it must not say
    "Can't connect to Server API at http://127.0.0.1:4200/api". Checked in a real browser."""
    import shutil
    import urllib.request

    from flows.local_server import free_port

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed for this test (apt-get install chromium)"
    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")}
    for variable in ("PREFECT_API_URL", "PREFECT_UI_API_URL", "PREFECT_SERVER_API_PORT", "QAFLOW_TARGET_BASE_URL"):
        env.pop(variable, None)
    port = free_port()
    assert port != 4200
    qaflow = [sys.executable, "-m", "flows.cli"]
    up = _run([*qaflow, "server", "up", "--port", str(port), "--no-warm", "--json"], env)
    assert up.returncode == 0, up.stderr
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=30) as response:
            assert json.loads(response.read())["api_url"] == f"http://127.0.0.1:{port}/api"
        saved = _run([*qaflow, "blocks", "init", "--json"], env)
        assert saved.returncode == 0, saved.stderr

        page = _run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'ui'}",
                     "--dump-dom", "--virtual-time-budget=15000", f"http://127.0.0.1:{port}/blocks"], env, timeout=120)
        assert page.returncode == 0, page.stderr[-2000:]
        assert "Can't connect" not in page.stdout
        assert "<title>Blocks" in page.stdout
        for block_type in ("qaflow Target API", "qaflow LLM Endpoint", "qaflow Vector Store"):
            assert block_type in page.stdout  # the saved blocks, read from the API by the UI
    finally:
        down = _run([*qaflow, "server", "down", "--json"], env)
    assert json.loads(down.stdout)["stopped"] is True


@pytest.mark.server
def test_the_first_command_starts_the_local_server_later_ones_use_it_and_it_stops_when_idle(tmp_path: Path) -> None:
    """No `server up` typed: the first command that runs a flow starts the server in the
    background and says so in one line; the next uses it; unused, it stops by itself."""
    import time
    import urllib.request

    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect"),
           "QAFLOW_SERVER": "auto", "QAFLOW_SERVER_IDLE_MINUTES": "0.25", "QAFLOW_WARM": "0"}
    env.pop("PREFECT_API_URL", None)
    env.pop("CI", None)
    qaflow = [sys.executable, "-m", "flows.cli"]
    (tmp_path / "t.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n")
    generate = [*qaflow, "mockdata", "generate", str(tmp_path / "t.sql"), "--rows", "100",
                "--out", str(tmp_path / "out"), "--json"]
    try:
        first = _run(generate, env)
        assert first.returncode == 0, first.stderr
        assert first.stderr.count("started a local Prefect server in the background") == 1, first.stderr
        status = json.loads(_run([*qaflow, "server", "status", "--json"], env).stdout)
        assert status["running"] is True, status

        second = _run(generate, env)
        assert second.returncode == 0, second.stderr
        assert "started a local Prefect server" not in second.stderr
        assert json.loads(_run([*qaflow, "server", "status", "--json"], env).stdout)["url"] == status["url"]
        request = urllib.request.Request(f"{status['url']}/flow_runs/count", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read()) == 2  # both runs are on that server, not on temporary ones

        text = _run([*qaflow, "server", "status"], env)
        assert text.stdout.startswith("Prefect server running: UI http://127.0.0.1:"), text.stdout

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not json.loads(_run([*qaflow, "server", "status", "--json"], env).stdout)["running"]:
                break
            time.sleep(2)
        else:
            raise AssertionError("the server did not stop after 15 s unused")
        assert "idle for 0.25 min" in (tmp_path / "home" / "server" / "server.log").read_text()
    finally:
        _run([*qaflow, "server", "down", "--json"], env)


def test_ci_and_never_keep_a_temporary_api_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.local_server import server_mode

    monkeypatch.delenv("QAFLOW_SERVER", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert server_mode() == "auto"
    monkeypatch.setenv("CI", "true")
    assert server_mode() == "never"
    monkeypatch.setenv("QAFLOW_SERVER", "auto")
    assert server_mode() == "auto"
    monkeypatch.setenv("QAFLOW_SERVER", "never")
    monkeypatch.delenv("CI")
    assert server_mode() == "never"

    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect"),
           "QAFLOW_WARM": "0"}
    env.pop("PREFECT_API_URL", None)
    (tmp_path / "t.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    done = _run([sys.executable, "-m", "flows.cli", "mockdata", "generate", str(tmp_path / "t.sql"), "--rows",
                 "10", "--out", str(tmp_path / "out")], env)
    assert done.returncode == 0, done.stderr
    assert "started a local Prefect server" not in done.stderr
    assert "View at" not in done.stdout + done.stderr  # no link to an API that is gone
    assert "Finished in state" not in done.stdout + done.stderr  # Prefect's bookkeeping stays in the run log
    assert not (tmp_path / "home" / "server" / "server.json").exists()
