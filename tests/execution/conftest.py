"""The demo API on 127.0.0.1 for the execution tests, and a helper that runs
feature text through `execute_features`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from blocks.target_api import AuthProfile, TargetAPI
from examples.demo_api.server import start_demo_api
from tasks.execution.results import RunResult, ScenarioResult
from tasks.execution.runner import execute_features

TOKEN = "s3cret-demo-token-42"


@pytest.fixture(scope="session")
def demo_api() -> Iterator[str]:
    base_url, stop = start_demo_api(token=TOKEN)
    try:
        yield base_url
    finally:
        stop()


@pytest.fixture
def target(demo_api: str) -> TargetAPI:
    return TargetAPI(
        base_url=demo_api,
        auth_profiles={
            "admin": AuthProfile(kind="bearer", token=TOKEN),
            "intruder": AuthProfile(kind="bearer", token="wrong-token"),
        },
        timeout=5,
    )


class Run:
    """Write a feature file, run it, and look scenarios up by name."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path

    def __call__(self, text: str, target: TargetAPI, name: str = "test.feature", **options) -> dict[str, ScenarioResult]:
        self.result = self.run(text, target, name, **options)
        return {s.name: s for s in self.result.scenarios}

    def run(self, text: str, target: TargetAPI, name: str = "test.feature", **options) -> RunResult:
        path = self.dir / name
        path.write_text(text, encoding="utf-8")
        return execute_features([path], target, **options)


@pytest.fixture
def run(tmp_path: Path) -> Run:
    return Run(tmp_path)


def failure(scenario: ScenarioResult) -> str:
    step = scenario.failed_step
    assert step is not None, f"{scenario.name} did not fail"
    return step.error or ""
