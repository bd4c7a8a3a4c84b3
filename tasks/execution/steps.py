"""The thin Prefect tasks of the execution stage (the logic: tasks/execution/runner.py).

Not to be confused with the step vocabulary (`steps_request.py`, `steps_response.py`,
... bound in catalogue.py): these are the Prefect steps of a bdd flow run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import httpx
from prefect import task
from prefect.tasks import exponential_backoff

from blocks.target_api import TargetAPI
from tasks.execution.progress import PROGRESS
from tasks.execution.results import RunResult
from tasks.execution.runner import execute_features

__all__ = ["TargetSource", "execute_feature", "transport_trouble"]


class TargetSource(Protocol):
    """Names the target and its credentials; `resolve()` reads them where the run happens
    (tasks.requirements.credentials.TargetSpec), so no credential is a task input."""

    def resolve(self) -> tuple[TargetAPI, dict[str, Any], list[str]]: ...


def transport_trouble(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task only when the outside world failed (network, timeouts), not our input."""
    try:
        state.result()
    except (httpx.TransportError, OSError, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(
    name="execute-feature",
    task_run_name="execute {feature_path}",
    retries=1,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=transport_trouble,
    tags=["mem:128MiB"],
)
def execute_feature(
    feature_path: str,
    target: TargetSource,
    concurrency: int,
    tags: str | None,
    scenario_timeout: float,
    openapi: str | None = None,
    log: str | None = None,
) -> RunResult:
    """Run one feature's scenarios. Transport errors are retried per request inside the
    runner (and recorded as flaky); the task retries only if the whole run broke off.
    Credentials are read here (block, --auth variables, Postman files), never passed in.
    With `log`, results stream to that JSON-lines file and the task returns only totals,
    the first failures and the log's path (small, whatever the number of scenarios)."""
    block, variables, _missing = target.resolve()
    return execute_features(
        [Path(feature_path)], block, concurrency=concurrency, tags=tags, scenario_timeout=scenario_timeout,
        on_result=lambda _result: PROGRESS.emit("execute", advance=1), openapi=openapi, variables=variables,
        log=Path(log) if log else None,
    )
