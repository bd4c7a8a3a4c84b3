"""A run started from the UI works out of the box: `qaflow blocks init` saves the demo API as
the `default` target with a `default` bearer profile (a masked secret), and the bdd flow's
`auth` parameter takes a Prefect Secret block as well as an environment variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parents[2]
NAME = "ui-run-test"  # not "default": other tests of the session resolve that one


def test_init_knows_the_demo_apis_own_token() -> None:
    from examples.demo_api import DEFAULT_TOKEN
    from flows.cli.blocks import DEMO_API_DEFAULT_TOKEN

    assert DEMO_API_DEFAULT_TOKEN == DEFAULT_TOKEN


def test_init_saves_the_demo_target_and_a_bdd_run_with_defaults_passes(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from blocks.target_api import TargetAPI
    from examples.demo_api import start_demo_api
    from flows.bdd import bdd_pipeline

    monkeypatch.delenv("QAFLOW_TARGET_BASE_URL", raising=False)
    monkeypatch.delenv("DEMO_API_TOKEN", raising=False)
    runner = CliRunner()
    saved = runner.invoke(app, ["blocks", "init", "--name", NAME, "--json"])
    assert saved.exit_code == 0, saved.output
    block = TargetAPI.load(NAME)
    assert block.base_url == "http://127.0.0.1:8000"  # `python -m examples.demo_api`
    profile = block.auth_profiles["default"]
    assert profile.kind == "bearer" and profile.token.get_secret_value() == "demo-token"
    shown = runner.invoke(app, ["blocks", "show", "--name", NAME, "--json"])
    assert "demo-token" not in shown.output
    assert json.loads(shown.stdout)["qaflow-target-api"]["auth_profiles"]["default"]["token"] == "**********"

    # The run the UI starts: bdd-run's parameters (the demo API listens on a free port here).
    base_url, stop = start_demo_api()
    try:
        summary = bdd_pipeline(requirements=[str(ROOT / "examples/requirements")], target=NAME, base_url=base_url,
                               out_dir=str(tmp_path / "bdd"), llm="offline", use_rag=False)
    finally:
        stop()
    totals = summary.totals
    assert totals.scenarios > 0 and totals.passed == totals.scenarios, summary.failed_scenarios


def test_auth_takes_a_secret_block_or_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    from tasks.requirements.credentials import target_api

    Secret(value="from-the-block").save("qaflow-ui-token", overwrite=True)
    monkeypatch.setenv("QAFLOW_UI_TOKEN", "from-the-env")

    def token(source: str) -> str:
        return target_api("", "http://127.0.0.1:9", {"p": source}).auth_profiles["p"].token.get_secret_value()

    assert token("secret:qaflow-ui-token") == "from-the-block"
    assert token("qaflow-ui-token") == "from-the-block"  # no such variable: the block of that name
    assert token("QAFLOW_UI_TOKEN") == "from-the-env"
    with pytest.raises(ValueError, match="auth profile 'p': no Secret block 'nope'"):
        token("secret:nope")
    with pytest.raises(ValueError, match="the environment variable NOPE_TOKEN is not set and there is no Secret"):
        token("NOPE_TOKEN")
