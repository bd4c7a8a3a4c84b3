"""The CLI's contract: help everywhere, --json on stdout alone, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

ROOT = Path(__file__).resolve().parents[2]
QAFLOW = [sys.executable, "-m", "flows.cli"]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*QAFLOW, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("version", "blocks", "server", "demo", "serve"):
        assert command in result.output


def test_every_group_has_help() -> None:
    runner = CliRunner()
    for group in ("blocks", "server"):
        result = runner.invoke(app, [group, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_version_json_is_one_object_on_stdout() -> None:
    proc = run_cli("version", "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["qaflow"] == "0.1.0"
    assert data["prefect"].startswith("3.9")


def test_an_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    proc = run_cli("serve", env={"QAFLOW_HOME": str(tmp_path)}, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:")
    assert len(proc.stderr.strip().splitlines()) <= 2  # rich may wrap one long line


@pytest.mark.usefixtures("prefect_api")
def test_blocks_show_works_before_init_and_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-print-me")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    result = CliRunner().invoke(app, ["blocks", "show", "--name", "never-saved", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    llm = data["qaflow-llm-endpoint"]
    assert llm["source"] == "defaults"
    assert llm["provider"] == "openai-compatible"
    assert llm["base_url"] == "http://127.0.0.1:9/v1"
    assert "sk-never-print-me" not in result.output
    assert data["qaflow-vector-store"]["mode"] == "embedded"
    assert data["qaflow-target-api"]["base_url"].startswith("http://127.0.0.1")


@pytest.mark.usefixtures("prefect_api")
def test_blocks_init_saves_offline_defaults_then_keeps_them() -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["blocks", "init", "--name", "cli-test", "--json"])
    assert first.exit_code == 0, first.output
    assert set(json.loads(first.stdout)["saved"]) == {
        "qaflow-llm-endpoint", "qaflow-vector-store", "qaflow-target-api",
    }
    second = runner.invoke(app, ["blocks", "init", "--name", "cli-test", "--json"])
    assert json.loads(second.stdout)["kept"] and not json.loads(second.stdout)["saved"]
    shown = json.loads(runner.invoke(app, ["blocks", "show", "--name", "cli-test", "--json"]).stdout)
    assert shown["qaflow-llm-endpoint"]["source"] == "saved"
    assert shown["qaflow-llm-endpoint"]["provider"] == "offline"


def test_blocks_init_in_a_fresh_process_uses_the_early_ephemeral_api(tmp_path: Path) -> None:
    """No server, no PREFECT_API_URL: the command still works, and leaves no server behind."""
    env = {"QAFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")}
    proc = run_cli("blocks", "init", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["saved"]) == 3
    assert _servers_for(env["PREFECT_HOME"], wait=15) == []


def _servers_for(prefect_home: str, wait: float) -> list[int]:
    """PIDs of API servers still running with this PREFECT_HOME after `wait` seconds."""
    import time

    import psutil

    deadline = time.monotonic() + wait
    while True:
        pids = []
        for proc in psutil.process_iter(["cmdline"]):
            try:
                if "prefect.server.api.server:create_app" in " ".join(proc.info["cmdline"] or []) and (
                    proc.environ().get("PREFECT_HOME") == prefect_home
                ):
                    pids.append(proc.pid)
            except psutil.Error:
                continue
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.5)
