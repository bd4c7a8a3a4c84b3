"""The thin Prefect tasks of the reports stage (the logic: tasks/reports/summary.py)."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.execution.results import RunResult
from tasks.llm.usage import LLMUsage
from tasks.reports.summary import BddSummary, summarize_bdd_run
from tasks.requirements.batch import RequirementBatch
from tasks.scenarios.model import GenerationResult

__all__ = ["report_run"]


@task(name="report-run", cache_policy=NO_CACHE)
def report_run(run: RunResult, out_dir: str, batch: RequirementBatch, generation: GenerationResult, llm: str,
               usage: LLMUsage, require_checks: bool = False, strict: bool = False,
               openapi: str | None = None) -> BddSummary:
    """Reports, summary.json, and the Prefect table and markdown artifacts of a bdd run
    (local files only: no retries; never cached: it writes this run's files)."""
    summary = summarize_bdd_run(run, Path(out_dir), batch, generation, llm, usage, require_checks, strict, openapi)
    create_table_artifact(key="bdd-results", table=summary.table_rows(), description=summary.table_description())
    create_markdown_artifact(key="bdd-summary", markdown=summary.markdown(), description="bdd run summary")
    return summary
