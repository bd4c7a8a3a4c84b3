"""flows/deployments.py turns prefect.yaml into the same deployments for `qaflow serve`
that `prefect deploy --all` registers (checked against a server in test_deployments.py)."""

from __future__ import annotations

from datetime import timedelta

from flows.deployments import load_definitions, to_runner_deployments


def test_serve_builds_every_deployment_of_prefect_yaml_with_its_settings() -> None:
    definitions = load_definitions()
    assert [d["name"] for d in definitions] == ["rag-sync", "bdd-nightly", "bdd-run", "mockdata-generate"]
    deployments = {d.name: d for d in to_runner_deployments(definitions)}

    rag = deployments["rag-sync"]
    assert rag.entrypoint.endswith("rag.py:rag_sync")
    assert rag.parameters == {"source_dir": "examples/docs", "store": "default"}
    assert [s.schedule.interval for s in rag.schedules] == [timedelta(minutes=5)]
    assert rag.concurrency_limit == 1
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
