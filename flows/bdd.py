"""bdd: requirements in any form -> Gherkin scenarios -> run against a real API -> reports.

    ingest (a task per document)
      -> generate (a task per requirement group, cached on its inputs)
      -> validate + write (a task per feature)
      -> execute (a task per feature, in parallel under the memory-bounded runner)
      -> JUnit XML, Cucumber JSON, HTML + a Prefect table and markdown artifact

The flow fails when a scenario fails and `fail_on_failure` is set, so CI can
gate on it. Requirements that could not become scenarios (prose without an
LLM, unbindable LLM answers) and unreadable documents are reported, never
dropped silently, and do not fail the run on their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import INPUTS, TASK_SOURCE
from prefect.tasks import exponential_backoff

from blocks.llm import LLMEndpoint, usage_totals
from blocks.target_api import TargetAPI
from flows.runners import MemoryBoundedTaskRunner
from tasks.requirements import ReadResult, Requirement, expand_inputs, ingest_document
from tasks.scenarios.generate import (
    FeatureDraft,
    draft_feature,
    draft_result,
    file_name_for,
    group_requirements,
    write_atomic,
)
from tasks.scenarios.llm import rag_context_provider
from tasks.scenarios.model import GenerationResult

DEFAULT_OUT = "bdd-out"

# (stage, advance, total): the CLI draws progress bars from these; total 0 means unchanged.
# Process-local, and None when no one listens.
ProgressHook = Callable[[str, int, int], None]
_progress_hook: ProgressHook | None = None


def set_progress_hook(hook: ProgressHook | None) -> None:
    """Let the CLI follow generation and execution (called from worker threads)."""
    global _progress_hook
    _progress_hook = hook


def _progress(stage: str, advance: int, total: int = 0) -> None:
    if _progress_hook is not None:
        _progress_hook(stage, advance, total)


def resolve_llm(llm: str | None) -> LLMEndpoint:
    """None: the saved "default" block (else the environment); "offline": no LLM; else a block name."""
    if llm == "offline":
        return LLMEndpoint(provider="offline")
    return LLMEndpoint.resolve(llm or "default")


def _transport_trouble(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task only when the outside world failed (network, timeouts), not our input."""
    try:
        state.result()
    except (httpx.TransportError, OSError, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(
    name="generate-feature",
    task_run_name="generate {group}",
    cache_policy=INPUTS + TASK_SOURCE,
    cache_expiration=timedelta(days=30),
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    tags=["mem:64MiB"],
)
def generate_feature(
    group: str, requirements: list[Requirement], file_name: str, llm: str | None, llm_key: str, use_rag: bool
) -> FeatureDraft:
    """One feature's Gherkin. Cached on the requirements and the LLM (`llm_key`), so a
    re-run with unchanged inputs costs no LLM call. Retries: the LLM is outside."""
    endpoint = resolve_llm(llm)
    needs_llm = not endpoint.offline and any(not r.executable for r in requirements)
    context = rag_context_provider() if (needs_llm and use_rag) else None
    return draft_feature(group, requirements, endpoint, file_name=file_name, context=context)


@task(name="validate-feature", task_run_name="validate {draft.file_name}")
def validate_feature(draft: FeatureDraft, features_dir: str, requirements: list[Requirement]) -> GenerationResult:
    """Parse and bind the feature once more, then write it (atomically); a file with
    problems is not written and its requirements are reported as ungenerated."""
    return draft_result(draft, Path(features_dir), requirements)


@task(
    name="execute-feature",
    task_run_name="execute {feature_path}",
    retries=1,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=_transport_trouble,
    tags=["mem:128MiB"],
)
def execute_feature(
    feature_path: str,
    target: str,
    base_url: str | None,
    concurrency: int,
    tags: str | None,
    scenario_timeout: float,
) -> Any:
    """Run one feature's scenarios. Transport errors are retried per request inside the
    runner (and recorded as flaky); the task retries only if the whole run broke off."""
    from tasks.execution.runner import execute_features

    target_block = TargetAPI.resolve(target, base_url=base_url)
    return execute_features(
        [Path(feature_path)], target_block, concurrency=concurrency, tags=tags, scenario_timeout=scenario_timeout,
        on_result=lambda _result: _progress("execute", 1),
    )


def count_scenarios(paths: list[str], tags: str | None) -> int:
    """How many scenarios (Outline rows expanded) a run will have, for progress bars."""
    from tasks.execution.features import load_features

    return len(load_features([Path(p) for p in paths], tags)) if paths else 0


def merge_runs(runs: list[Any], base_url: str, duration_s: float) -> Any:
    from tasks.execution.results import RunResult

    merged = RunResult(scenarios=[s for run in runs for s in run.scenarios], base_url=base_url,
                       started_at=min((r.started_at for r in runs if r.started_at), default=""))
    merged.recount(duration_s)
    return merged


def result_rows(run: Any) -> list[dict[str, Any]]:
    """One row per (requirement, scenario): the traceability table."""
    rows = []
    for scenario in run.scenarios:
        for requirement in scenario.requirement_ids or ["-"]:
            rows.append({
                "requirement": requirement,
                "scenario": scenario.name,
                "feature": scenario.feature,
                "status": scenario.status + (" (flaky)" if scenario.flaky else ""),
                "duration_s": round(scenario.duration_s, 3),
            })
    return rows


def summary_markdown(summary: dict[str, Any]) -> str:
    totals = summary["totals"]
    lines = [
        "# bdd run",
        "",
        f"**{totals['passed']}/{totals['scenarios']} scenarios passed**, {totals['failed']} failed, "
        f"{totals['error']} errors, {totals['flaky']} flaky, in {totals['duration_s']} s against `{summary['base_url']}`.",
        "",
        f"- documents read: {summary['documents']} ({len(summary['read_errors'])} with errors)",
        f"- requirements: {summary['requirements']}, with scenarios: {summary['requirements_covered']}",
        f"- feature files: {len(summary['features'])}",
        f"- LLM: {summary['llm']}; calls {summary['llm_calls']}, repairs {summary['llm_repairs']}; usage {summary['llm_usage']}",
        f"- reports: {', '.join(f'`{p}`' for p in summary['reports'].values())}",
    ]
    if summary["failed_scenarios"]:
        lines += ["", "## Failed scenarios", ""]
        lines += [f"- **{f['scenario']}** ({', '.join(f['requirements'])}): {f['error']}" for f in summary["failed_scenarios"]]
    if summary["needs_llm"]:
        lines += ["", "## Needs an LLM", "",
                  "Prose requirements; configure an LLM endpoint block to generate their scenarios.", ""]
        lines += [f"- `{u['requirement_id']}` {u['title']} ({u['source']})" for u in summary["needs_llm"]]
    if summary["ungenerated"]:
        lines += ["", "## Not generated", ""]
        lines += [f"- `{u['requirement_id']}` {u['title']}: {u['reason']}" for u in summary["ungenerated"]]
    if summary["untranslated"]:
        lines += ["", f"## Untranslated Postman lines ({len(summary['untranslated'])})", "",
                  "Kept as comments in the feature files:", ""]
        lines += [f"- {line}" for line in summary["untranslated"]]
    if summary["read_errors"]:
        lines += ["", "## Documents with errors", ""]
        lines += [f"- {e}" for e in summary["read_errors"]]
    return "\n".join(lines) + "\n"


class ScenariosFailed(RuntimeError):
    """Raised at the end of a run with failing scenarios (fail_on_failure), after the reports."""


@flow(
    name="bdd",
    task_runner=MemoryBoundedTaskRunner(max_workers=4),
    log_prints=True,
)
def bdd_pipeline(
    requirements: list[str],
    target: str = "default",
    base_url: str | None = None,
    out_dir: str = DEFAULT_OUT,
    llm: str | None = None,
    tags: str | None = None,
    concurrency: int = 8,
    fail_on_failure: bool = True,
    scenario_timeout: float = 60.0,
    use_rag: bool = True,
) -> dict[str, Any]:
    """Requirement documents (files or folders) -> scenarios -> run against the target -> reports.

    Args:
        requirements: files or folders (.xlsx/.xls/.csv, .docx, .md/.txt, .pdf, Postman v2.1, OpenAPI 3).
        target: name of the TargetAPI block (base URL, auth profiles, allowed hosts).
        base_url: overrides the block's base URL.
        out_dir: features/ and reports/ are written under it.
        llm: LLMEndpoint block name, "offline" for none; default: the "default" block.
        tags: a Cucumber tag expression selecting scenarios (e.g. "@smoke and not @slow").
        concurrency: scenarios in flight per feature.
        fail_on_failure: end the flow run Failed when a scenario fails (for CI gates).
    """
    from tasks.reports import write_reports

    logger = get_run_logger()
    out = Path(out_dir).resolve()
    features_dir, reports_dir = out / "features", out / "reports"
    features_dir.mkdir(parents=True, exist_ok=True)
    for stale in features_dir.glob("*.feature"):
        stale.unlink()  # only this run's features are executed and reported
    endpoint = resolve_llm(llm)
    usage_before = usage_totals()

    # ingest: a task per document
    documents = [str(p) for p in expand_inputs(requirements)]
    read: list[ReadResult] = [f.result() for f in ingest_document.map(documents)]
    all_requirements = [r for result in read for r in result.requirements]
    read_errors = [str(e) for result in read for e in result.errors]
    for error in read_errors:
        logger.warning("requirement input: %s", error)
    logger.info("%d document(s), %d requirement(s), %d error(s)", len(documents), len(all_requirements), len(read_errors))

    # generate: a task per requirement group (cached), then validate + write each
    groups = group_requirements(all_requirements)
    taken: set[str] = set()
    llm_key = "offline" if endpoint.offline else f"{endpoint.describe()} t={endpoint.temperature}"
    drafts = {
        group: generate_feature.submit(group, members, file_name_for(group, taken), llm, llm_key, use_rag)
        for group, members in groups.items()
    }
    generation = GenerationResult()
    _progress("generate", 0, len(drafts))
    for group, future in drafts.items():
        written = validate_feature.submit(future, str(features_dir), groups[group]).result()
        generation = generation.merge(written)
        _progress("generate", 1)
    feature_paths = [f.path for f in generation.files]
    _progress("execute", 0, count_scenarios(feature_paths, tags))

    # execute: a task per feature, in parallel
    target_block = TargetAPI.resolve(target, base_url=base_url)
    started = time.perf_counter()
    runs = [
        f.result()
        for f in [
            execute_feature.submit(path, target, base_url, concurrency, tags, scenario_timeout)
            for path in feature_paths
        ]
    ]
    run = merge_runs(runs, target_block.base_url, time.perf_counter() - started)
    reports = write_reports(run, reports_dir, title="qaflow bdd")

    usage = usage_totals() - usage_before
    ungenerated = [u.model_dump() for u in generation.ungenerated]
    summary: dict[str, Any] = {
        "out_dir": str(out),
        "features_dir": str(features_dir),
        "base_url": target_block.base_url,
        "documents": len(documents),
        "requirements": len(all_requirements),
        "requirements_covered": len({rid for f in generation.files for rid in f.requirement_ids}),
        "features": feature_paths,
        "reports": {name: str(path) for name, path in reports.items()},
        "totals": run.totals.model_dump(),
        "ok": run.ok,
        "failed_scenarios": [
            {"scenario": s.name, "feature": s.feature, "requirements": s.requirement_ids,
             "error": (s.failed_step.error if s.failed_step else s.error) or s.status}
            for s in run.scenarios if s.status in ("failed", "error")
        ],
        "needs_llm": [u for u in ungenerated if u["needs_llm"]],
        "ungenerated": [u for u in ungenerated if not u["needs_llm"]],
        "untranslated": generation.untranslated_lines,
        "read_errors": read_errors,
        "llm": endpoint.describe(),
        "llm_calls": generation.llm_calls,
        "llm_repairs": generation.llm_repairs,
        "llm_usage": usage.describe(),
    }
    write_atomic(out / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    create_table_artifact(
        key="bdd-results",
        table=result_rows(run) or [{"requirement": "-", "scenario": "-", "feature": "-", "status": "no scenarios", "duration_s": 0}],
        description=f"Requirement -> scenario -> result ({run.totals.passed}/{run.totals.scenarios} passed)",
    )
    create_markdown_artifact(key="bdd-summary", markdown=summary_markdown(summary), description="bdd run summary")
    logger.info("%d/%d scenarios passed; reports in %s", run.totals.passed, run.totals.scenarios, reports_dir)
    if fail_on_failure and not run.ok:
        raise ScenariosFailed(
            f"{run.totals.failed + run.totals.error} of {run.totals.scenarios} scenarios failed; see {reports.get('html', reports_dir)}"
        )
    return summary


DEMO_TARGET = "qaflow-bdd-demo"


def demo(out_dir: Path) -> dict[str, Any]:
    """Start the demo API on 127.0.0.1, run the pipeline offline on examples/requirements/, stop it."""
    from pydantic import SecretStr

    from blocks.target_api import AuthProfile
    from examples.demo_api.server import start_demo_api
    from tasks.settings import project_root

    base_url, stop = start_demo_api()
    try:
        TargetAPI(
            base_url=base_url,
            auth_profiles={"default": AuthProfile(kind="bearer", token=SecretStr("demo-token"))},
        ).save(DEMO_TARGET, overwrite=True)
        summary = bdd_pipeline(
            requirements=[str(project_root() / "examples" / "requirements")],
            target=DEMO_TARGET,
            base_url=base_url,
            out_dir=str(out_dir),
            llm="offline",
        )
    finally:
        stop()
    return {
        "reports": summary["reports"],
        "features": summary["features_dir"],
        "passed": summary["totals"]["passed"],
        "scenarios": summary["totals"]["scenarios"],
        "needs_llm": [u["requirement_id"] for u in summary["needs_llm"]],
        "untranslated_postman_lines": len(summary["untranslated"]),
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(demo(Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)), indent=2))
