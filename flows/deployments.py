"""The project's deployments, read from prefect.yaml, for `qaflow serve`.

prefect.yaml stays the one place where deployments are defined: workers get
them through `prefect deploy --all`, and `qaflow serve` turns the same entries
into `flow.to_deployment(...)` objects served in one process.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from tasks.settings import project_root


def load_definitions(path: Path | None = None) -> list[dict[str, Any]]:
    """The `deployments` list of prefect.yaml (YAML anchors resolved)."""
    path = path or project_root() / "prefect.yaml"
    with open(path, encoding="utf-8") as fh:
        return list(yaml.safe_load(fh).get("deployments") or [])


def load_flow(entrypoint: str) -> Any:
    """`flows/rag.py:rag_sync` -> the flow object in module flows.rag."""
    file_part, _, name = entrypoint.partition(":")
    module = ".".join(Path(file_part).with_suffix("").parts)
    return getattr(importlib.import_module(module), name)


def to_runner_deployments(definitions: list[dict[str, Any]]) -> list[Any]:
    """RunnerDeployments for `prefect.serve`, with the same names, schedules and limits."""
    result = []
    for spec in definitions:
        flow = load_flow(spec["entrypoint"])
        kwargs: dict[str, Any] = {
            "name": spec["name"],
            "description": spec.get("description"),
            "tags": spec.get("tags"),
            "parameters": spec.get("parameters") or {},
        }
        schedules = spec.get("schedules") or []
        intervals = [s["interval"] for s in schedules if "interval" in s]
        crons = [s["cron"] for s in schedules if "cron" in s]
        if intervals:
            kwargs["interval"] = intervals
        if crons:
            kwargs["cron"] = crons
        if spec.get("concurrency_limit"):
            kwargs["concurrency_limit"] = spec["concurrency_limit"]
        result.append(flow.to_deployment(**kwargs))
    return result
