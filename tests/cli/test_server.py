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
    import socket
    import urllib.request

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed for this test (apt-get install chromium)"
    env = {**os.environ, "QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")}
    for variable in ("PREFECT_API_URL", "PREFECT_UI_API_URL", "PREFECT_SERVER_API_PORT", "QAFLOW_TARGET_BASE_URL"):
        env.pop(variable, None)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
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
