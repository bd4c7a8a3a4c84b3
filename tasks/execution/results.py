"""What a run produced: per step, per scenario and in total. Small pydantic models,
so a Prefect task can return them and the reports can be written from them alone."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["passed", "failed", "error", "skipped"]


class StepResult(BaseModel):
    keyword: str
    text: str
    status: Status
    duration_s: float = 0.0
    error: str | None = None
    line: int | None = None
    pattern: str | None = None
    doc_string: str | None = None
    data_table: list[list[str]] | None = None
    retries: int = 0
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None


class ScenarioResult(BaseModel):
    feature: str
    feature_file: str
    name: str
    requirement_ids: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    status: Status
    duration_s: float = 0.0
    flaky: bool = False
    steps: list[StepResult] = Field(default_factory=list)
    line: int | None = None
    keyword: str = "Scenario"
    feature_line: int | None = None
    feature_description: str = ""
    feature_tags: list[str] = Field(default_factory=list)
    tag_lines: dict[str, int] = Field(default_factory=dict)
    error: str | None = None

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in ("failed", "error")), None)


class Totals(BaseModel):
    scenarios: int = 0
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    flaky: int = 0
    steps: int = 0
    duration_s: float = 0.0


class RunResult(BaseModel):
    """A run's results: in memory (`scenarios`) for small runs and tests, or, for a run
    streamed to disk, the JSON-lines logs (`logs`, tasks/execution/result_log.py) with
    the totals and the first failures (`failures`, capped) tallied as results came."""

    scenarios: list[ScenarioResult] = Field(default_factory=list)
    totals: Totals = Field(default_factory=Totals)
    base_url: str = ""
    started_at: str = ""
    logs: list[str] = Field(default_factory=list)
    failures: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def streamed(self) -> bool:
        return bool(self.logs)

    def failed_scenarios(self) -> list[dict[str, Any]]:
        """Scenario, feature, requirements and error of each failure (capped for a streamed run)."""
        if self.streamed:
            return list(self.failures)
        from tasks.execution.result_log import failure_brief

        return [failure_brief(s) for s in self.scenarios if s.status in ("failed", "error")]

    @property
    def ok(self) -> bool:
        return self.totals.failed == 0 and self.totals.error == 0

    def recount(self, duration_s: float | None = None) -> None:
        counts = Counter(s.status for s in self.scenarios)
        self.totals = Totals(
            scenarios=len(self.scenarios),
            passed=counts["passed"],
            failed=counts["failed"],
            error=counts["error"],
            skipped=counts["skipped"],
            flaky=sum(1 for s in self.scenarios if s.flaky),
            steps=sum(len(s.steps) for s in self.scenarios),
            duration_s=round(duration_s if duration_s is not None else self.totals.duration_s, 3),
        )
