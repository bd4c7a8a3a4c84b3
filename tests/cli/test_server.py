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
        assert len(json.loads(registered.stdout)["registered"]) == 3

        # Prefect's own CLI sees the block types on that server.
        listed = _run([str(BIN / "prefect"), "block", "type", "ls"],
                      {**env, "PREFECT_API_URL": server["url"], "COLUMNS": "250"})
        assert listed.returncode == 0, listed.stderr
        for slug in ("qaflow-llm-endpoint", "qaflow-vector-store", "qaflow-target-api"):
            assert slug in listed.stdout
    finally:
        down = _run([*qaflow, "server", "down", "--json"], env)
    assert json.loads(down.stdout)["stopped"] is True
    assert json.loads(down.stdout)["warm_stopped"] is True
    assert json.loads(_run([*qaflow, "server", "status", "--json"], env).stdout) == {
        "running": False, "url": None, "warm": None}
