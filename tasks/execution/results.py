"""What a run produced: per step, per scenario and in total. Small pydantic models,
so a Prefect task can return them and the reports can be written from them alone."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["passed", "failed", "error", "skipped", "unchecked"]
UNCHECKED_REASON = "asserts nothing: every step ran, but no step checked the response"
NotRunKind = Literal["input-error", "needs-llm", "unsupported"]


def requirement_tag(requirement_id: str) -> str:
    """The tag (without '@') and the label of a requirement: `REQ-<id>`, but an id that
    already reads `REQ-5` stays `REQ-5`, never `REQ-REQ-5`."""
    return requirement_id if requirement_id.upper().startswith("REQ-") else f"REQ-{requirement_id}"


def step_checks(kind: str, pattern: str, assertions: list[Any] | None = None) -> bool:
    """Whether a step that passed checked something: a step with named assertions (a
    Postman script's `pm.test`s), or a response step that is not a save, or the poll step
    (it waits for a value). A Postman-script step without `pm.test` checked nothing."""
    if assertions:
        return True
    if "Postman" in pattern:
        return False
    if pattern.startswith("I poll "):
        return True
    return kind == "response" and not pattern.startswith("I save ")


class AssertionResult(BaseModel):
    """One named assertion inside a step (a Postman `pm.test`), reported by name."""

    name: str
    passed: bool
    error: str | None = None


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
    assertions: list[AssertionResult] = Field(default_factory=list)


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


class NotRun(BaseModel):
    """A requirement (or a whole input) that did not become a running scenario, and why:
    reported next to the scenarios so that nothing is hidden from the pass rate."""

    requirement_id: str
    title: str = ""
    source: str = ""
    reason: str
    kind: NotRunKind = "unsupported"


class Totals(BaseModel):
    scenarios: int = 0
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    unchecked: int = 0
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
    not_run: list[NotRun] = Field(default_factory=list)
    coverage: dict[str, Any] | None = Field(
        default=None, description="OpenAPI operation coverage (tasks/reports/coverage.py Coverage.report()).")

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

    def verdict(self, require_checks: bool = False, strict: bool = False) -> list[str]:
        """Why this run fails (empty when it passes): a failed scenario, an input error, nothing
        run; an unchecked scenario with `require_checks`; a requirement waiting for an LLM or
        unsupported with `strict`. The CLI's exit code and the flow's final state follow it."""
        t = self.totals
        reasons = []
        if t.failed or t.error:
            reasons.append(f"{t.failed + t.error} of {t.scenarios} scenarios failed")
        if require_checks and t.unchecked:
            reasons.append(f"{t.unchecked} scenario(s) asserted nothing (--require-checks)")
        inputs = sum(1 for n in self.not_run if n.kind == "input-error")
        if inputs:
            reasons.append(f"{inputs} input error(s)")
        if strict:
            waiting = sum(1 for n in self.not_run if n.kind != "input-error")
            if waiting:
                reasons.append(f"{waiting} requirement(s) did not run (--strict)")
        if t.scenarios - t.skipped <= 0:
            reasons.append("nothing ran")
        return reasons

    def requirement_figures(self, ran: dict[str, str]) -> dict[str, Any]:
        """Requirements passed over ALL requirements (those that ran, given as id -> worst
        status, and those in `not_run`), not only over those that ran."""
        ran = {requirement_tag(r): status for r, status in ran.items()}
        not_run = {requirement_tag(n.requirement_id) for n in self.not_run if n.kind != "input-error"} - set(ran)
        inputs = sum(1 for n in self.not_run if n.kind == "input-error")
        total = len(ran) + len(not_run) + inputs
        passed = sum(1 for status in ran.values() if status == "passed")
        return {"requirements_total": total, "requirements_passed": passed, "requirements_not_run": len(not_run) + inputs,
                "requirement_pass_rate": round(passed / total * 100, 1) if total else 0.0}

    def recount(self, duration_s: float | None = None) -> None:
        counts = Counter(s.status for s in self.scenarios)
        self.totals = Totals(
            scenarios=len(self.scenarios),
            passed=counts["passed"],
            failed=counts["failed"],
            error=counts["error"],
            skipped=counts["skipped"],
            unchecked=counts["unchecked"],
            flaky=sum(1 for s in self.scenarios if s.flaky),
            steps=sum(len(s.steps) for s in self.scenarios),
            duration_s=round(duration_s if duration_s is not None else self.totals.duration_s, 3),
        )
