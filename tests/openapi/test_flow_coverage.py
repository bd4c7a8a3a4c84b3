"""`qaflow bdd run openapi.json --auth default=ENV` under a real Prefect API, against the demo
API: the operations' security scheme (HTTPBearer) is served by the default profile, and the
run summary and the HTML report carry the operation coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from examples.demo_api.app import create_app
from examples.demo_api.server import start_demo_api

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.server]


def test_bdd_run_of_an_openapi_document_reports_its_coverage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.cli import app

    monkeypatch.setenv("QAFLOW_EARLY_EPHEMERAL", "0")  # use the test harness's API
    monkeypatch.setenv("OPENAPI_FLOW_TOKEN", "demo-token")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(create_app().openapi()))
    base_url, stop = start_demo_api()
    try:
        ran = CliRunner().invoke(app, ["bdd", "run", str(spec), "--base-url", base_url, "--target", "no-such-block",
                                       "--auth", "default=bearer:OPENAPI_FLOW_TOKEN", "--llm", "offline",
                                       "--out", str(tmp_path / "out"), "--json"])
    finally:
        stop()
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout)
    assert summary["totals"]["passed"] == summary["totals"]["scenarios"] == 12
    coverage = summary["coverage"]
    assert coverage["line"].startswith("12/12 operations, 12/") and coverage["not_exercised"] == []
    html = Path(summary["reports"]["html"]).read_text()
    assert f'id="coverage-line">{coverage["line"]}<' in html
    assert "demo-token" not in ran.stdout + html

    refused = CliRunner().invoke(app, ["bdd", "run", str(spec), "--auth", "default=apikey:body:x:ENV"])
    assert refused.exit_code != 0 and "apikey:header|query|cookie:NAME:SRC" in refused.output
