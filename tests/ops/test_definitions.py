"""flows/deployments.py turns prefect.yaml into the same deployments for `qaflow serve`
that `prefect deploy --all` registers (checked against a server in test_deployments.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from flows.deployments import load_definitions, set_project_directory, to_runner_deployments

ROOT = Path(__file__).resolve().parents[2]


def test_serve_builds_every_deployment_of_prefect_yaml_with_its_settings() -> None:
    definitions = load_definitions()
    assert [d["name"] for d in definitions] == ["rag-sync", "bdd-nightly", "bdd-run", "mockdata-generate"]
    deployments = {d.name: d for d in to_runner_deployments(definitions)}

    rag = deployments["rag-sync"]
    assert rag.entrypoint.endswith("rag.py:rag_sync")
    assert rag.parameters == {"source_dir": "examples/docs", "store": "default"}
    assert [s.schedule.interval for s in rag.schedules] == [timedelta(minutes=5)]
    assert rag.concurrency_limit == 1
    assert rag.concurrency_options.collision_strategy.value == "ENQUEUE"
    [trigger] = rag.triggers
    assert trigger.name == "rag-sync__automation_1"  # the name `prefect deploy` gives it
    assert trigger.expect == {"qaflow.rag.files-changed"}
    assert trigger.parameters == {"source_dir": "{{ event.payload.folder }}"}

    nightly = deployments["bdd-nightly"]
    assert [(s.schedule.cron, s.schedule.timezone) for s in nightly.schedules] == [("0 2 * * *", "UTC")]
    assert nightly.parameters["requirements"] == ["examples/requirements"]
    assert deployments["bdd-run"].schedules == [] and deployments["bdd-run"].triggers == []
    assert deployments["bdd-run"].parameters["out_dir"] == "out/bdd-run"
    assert deployments["mockdata-generate"].parameters["rows"] == 10000
    for deployment in deployments.values():
        assert "qaflow" in deployment.tags and deployment.description


def test_pull_step_moves_a_run_into_the_installed_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a worker does when a run starts: no variable needed, the installed package's checkout."""
    monkeypatch.delenv("QAFLOW_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert set_project_directory() == {"directory": str(ROOT)}
    assert Path.cwd() == ROOT


def test_pull_step_prefers_qaflow_project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = tmp_path / "other checkout"
    checkout.mkdir()
    (checkout / "prefect.yaml").write_text("name: qaflow\n")
    monkeypatch.setenv("QAFLOW_PROJECT_DIR", str(checkout))
    monkeypatch.chdir(tmp_path)
    assert set_project_directory() == {"directory": str(checkout)}
    assert Path.cwd() == checkout


def test_pull_step_says_why_when_no_checkout_has_prefect_yaml(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import flows

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QAFLOW_PROJECT_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"QAFLOW_PROJECT_DIR is {tmp_path}, which holds no prefect.yaml"):
        set_project_directory()
    # A non-editable install: the package lives in site-packages, which has no prefect.yaml.
    monkeypatch.delenv("QAFLOW_PROJECT_DIR")
    site = tmp_path / "site-packages"
    monkeypatch.setattr(flows, "__file__", str(site / "flows" / "__init__.py"))
    with pytest.raises(FileNotFoundError, match=f"installed package's folder {site} holds no prefect.yaml"):
        set_project_directory()
    assert Path.cwd() == tmp_path
