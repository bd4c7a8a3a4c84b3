"""`qaflow bdd execute` without a flow: feature files run against the API and reported,
laid out as `bdd run --out` lays its run out (reports/, results/, summary.json).

Every file is checked first (nothing runs if one is bad), then bound one file at a
time, and results stream to out/results/results.jsonl as scenarios finish: memory
stays flat at any size. Progress goes to tasks/execution/progress.py ("execute").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blocks.target_api import TargetAPI
from tasks.execution.progress import PROGRESS
from tasks.execution.runner import plan_lazily, run_scenarios
from tasks.execution.runs import ran_requirements
from tasks.reports import write_reports
from tasks.reports.coverage import coverage_summary, features_coverage
from tasks.reports.summary import ExecuteSummary

__all__ = ["execute_and_report"]


def execute_and_report(features: list[Path], block: TargetAPI, out: Path, *, variables: dict[str, Any] | None = None,
                       tags: str | None = None, concurrency: int = 8, openapi: str | None = None,
                       require_checks: bool = False) -> ExecuteSummary:
    """Run the scenarios of `features` against `block` (with its credentials resolved) and
    write out/reports/ and out/summary.json; `openapi` adds the conformance steps' document
    and its operation coverage."""
    total, planned = plan_lazily(features, tags)
    PROGRESS.emit("execute", total=total)
    run = run_scenarios(planned, block, concurrency=concurrency, on_result=lambda _r: PROGRESS.emit("execute", advance=1),
                        openapi=openapi, variables=variables, log=out / "results" / "results.jsonl")
    if openapi:  # the operation coverage of the document the conformance steps checked against
        run.coverage = features_coverage([openapi], run)
    reports = write_reports(run, out / "reports", title="qaflow bdd")
    verdict = run.verdict(require_checks)
    summary = ExecuteSummary(
        out_dir=str(out.resolve()), base_url=block.base_url, totals=run.totals,
        **run.requirement_figures(ran_requirements(run)), verdict=verdict, ok=not verdict,
        reports={k: str(v) for k, v in reports.items()}, results_log=run.logs[0],
        failed_scenarios=run.failed_scenarios(), coverage=coverage_summary(run.coverage),
    )
    summary.write(out)
    return summary
