"""The project's deployments, read from prefect.yaml, for `qaflow serve`.

prefect.yaml stays the one place where deployments are defined: workers get
them through `prefect deploy --all`, and `qaflow serve` turns the same entries
into `flow.to_deployment(...)` objects served in one process.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import yaml

from tasks.environment import apply_defaults
from tasks.settings import project_root, settings

__all__ = ["load_definitions", "on_work_pools", "project_directory", "set_project_directory",
           "to_runner_deployments"]


def load_definitions(path: Path | None = None) -> list[dict[str, Any]]:
    """The `deployments` list of prefect.yaml (YAML anchors resolved)."""
    path = path or project_root() / "prefect.yaml"
    with open(path, encoding="utf-8") as fh:
        return list(yaml.safe_load(fh).get("deployments") or [])


def project_directory() -> Path:
    """The checkout a deployment run works in: `QAFLOW_PROJECT_DIR` when set, otherwise the
    folder the installed `flows` package lives in (the repository root of an editable
    install, where prefect.yaml is).

    Raises FileNotFoundError naming both places when neither holds prefect.yaml, so a
    worker without a checkout says why instead of failing to find flows/*.py.
    """
    import flows

    package_root = Path(flows.__file__).resolve().parent.parent
    configured = settings().project_dir
    if configured:
        directory = configured.expanduser().resolve()
        if (directory / "prefect.yaml").is_file():
            return directory
        raise FileNotFoundError(
            f"QAFLOW_PROJECT_DIR is {directory}, which holds no prefect.yaml: point it at a checkout "
            "of the qaflow repository (or unset it to use the installed package's checkout, "
            f"{package_root})"
        )
    if (package_root / "prefect.yaml").is_file():
        return package_root
    raise FileNotFoundError(
        f"no qaflow checkout to run in: the installed package's folder {package_root} holds no "
        "prefect.yaml and QAFLOW_PROJECT_DIR is not set; install qaflow from a checkout "
        "(pip install -e .) or set QAFLOW_PROJECT_DIR to one on the worker"
    )


def set_project_directory() -> dict[str, str]:
    """prefect.yaml's pull step: move a deployment run into the worker's own checkout.

    Prefect's `set_working_directory` needs the path at deploy time (or a variable every
    worker exports); this step finds it on the worker itself, so `prefect deploy --all`
    and `prefect worker start` work as typed, on one host or many. Returns
    `{"directory": ...}` as Prefect's own step does. It runs before the flow's module is
    loaded, so the process-wide defaults (tasks.environment) are applied here too.
    """
    apply_defaults()
    directory = project_directory()
    os.chdir(directory)
    return {"directory": str(directory)}


def load_flow(entrypoint: str) -> Any:
    """`flows/rag.py:rag_sync` -> the flow object in module flows.rag."""
    file_part, _, name = entrypoint.partition(":")
    module = ".".join(Path(file_part).with_suffix("").parts)
    return getattr(importlib.import_module(module), name)


def to_schedules(specs: list[dict[str, Any]]) -> list[Any]:
    """prefect.yaml `schedules` entries -> Prefect schedule objects (timezone, anchor and
    `active` kept), as `prefect deploy` reads them."""
    from prefect.schedules import Cron, Interval, RRule

    result = []
    for spec in specs:
        common = {k: spec[k] for k in ("timezone", "active", "parameters", "slug") if k in spec}
        if "cron" in spec:
            result.append(Cron(spec["cron"], day_or=spec.get("day_or", True), **common))
        elif "interval" in spec:
            result.append(Interval(spec["interval"], anchor_date=spec.get("anchor_date"), **common))
        elif "rrule" in spec:
            result.append(RRule(spec["rrule"], **common))
        else:
            raise ValueError(f"unknown schedule in prefect.yaml: {spec}")
    return result


def to_triggers(name: str, specs: list[dict[str, Any]]) -> list[Any]:
    """prefect.yaml `triggers` entries -> deployment triggers, named as `prefect deploy`
    names them. Parameter templates ({{ event.payload.folder }}) stay strings: the
    server renders them when the trigger fires."""
    from prefect.events import DeploymentTriggerTypes
    from pydantic import TypeAdapter

    adapter: TypeAdapter[Any] = TypeAdapter(DeploymentTriggerTypes)
    return [
        adapter.validate_python({"name": f"{name}__automation_{i}", **spec})
        for i, spec in enumerate(specs, start=1)
    ]


def to_runner_deployments(definitions: list[dict[str, Any]]) -> list[Any]:
    """RunnerDeployments for `prefect.serve`: the same names, parameters, schedules,
    concurrency limits and triggers as `prefect deploy --all` registers."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig

    apply_defaults()  # before the flows' modules (and the libraries they load) are imported

    result = []
    for spec in definitions:
        flow = load_flow(spec["entrypoint"])
        kwargs: dict[str, Any] = {
            "name": spec["name"],
            "description": spec.get("description"),
            "tags": spec.get("tags"),
            "parameters": spec.get("parameters") or {},
            "schedules": to_schedules(spec.get("schedules") or []),
            "triggers": to_triggers(spec["name"], spec.get("triggers") or []),
        }
        if limit := spec.get("concurrency_limit"):
            kwargs["concurrency_limit"] = (ConcurrencyLimitConfig(**limit) if isinstance(limit, dict) else limit)
        result.append(flow.to_deployment(**kwargs))
    return result


def on_work_pools(deployments: list[Any]) -> list[str]:
    """Those of `deployments` that the server already has on a work pool, as
    "flow/deployment (pool)".

    Serving a deployment of the same name updates that one deployment and keeps its
    work pool, so both a worker and `qaflow serve` would pick up its runs: the
    caller refuses instead.
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    taken = []
    with get_client(sync_client=True) as client:
        for deployment in deployments:
            name = deployment.full_name
            try:
                existing = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            if existing.work_pool_name:
                taken.append(f"{name} ({existing.work_pool_name})")
    return taken
