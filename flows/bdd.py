"""bdd: ingest -> generate -> validate + write -> execute (in parallel) -> report; a `BddSummary` back.

Only orchestration: the stages' logic is in tasks/<stage>/, their Prefect tasks in tasks/<stage>/steps.py.
A failing verdict (`fail_on_failure`) or an LLM outage ends the run Failed after its reports, with the summary."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

from prefect import flow, get_run_logger

from flows.failures import RunFailed
from flows.runners import MemoryBoundedTaskRunner
from tasks.changes import context_retriever
from tasks.environment import apply_defaults
from tasks.execution.progress import PROGRESS
from tasks.execution.runs import announce_scenarios, fresh_run_folders, merge_runs
from tasks.execution.steps import execute_feature
from tasks.llm import usage_totals
from tasks.reports.steps import report_run
from tasks.reports.summary import BddSummary
from tasks.requirements import expand_inputs
from tasks.requirements.batch import RequirementBatch
from tasks.requirements.credentials import TargetSpec
from tasks.requirements.steps import ingest_document
from tasks.scenarios.contract import prompt_contract
from tasks.scenarios.generate import file_name_for, group_requirements
from tasks.scenarios.llm import context_or_hint, resolve_llm, start_llm_run
from tasks.scenarios.model import GenerationResult
from tasks.scenarios.steps import generate_feature, validate_feature
from tasks.settings import project_root

DEFAULT_OUT = "out/bdd"


class ScenariosFailed(RunFailed):
    """A scenario failed, an input was unreadable or nothing ran (`fail_on_failure`)."""


class LLMGenerationFailed(RunFailed):
    """Prose requirements needed the LLM and none was generated."""


@flow(name="bdd", task_runner=MemoryBoundedTaskRunner(max_workers=4), log_prints=True)
def bdd_pipeline(
    requirements: list[str], target: str = "default", base_url: str | None = None, out_dir: str = DEFAULT_OUT,
    llm: str | None = None, tags: str | None = None, concurrency: int = 8, fail_on_failure: bool = True,
    scenario_timeout: float = 60.0, use_rag: bool = True, auth: dict[str, str] | None = None,
    postman_environment: str | None = None, refresh: bool = False, postman_globals: str | None = None,
    env_vars: dict[str, str] | None = None, require_checks: bool = False, strict: bool = False,
    openapi: str | None = None,
) -> BddSummary:
    """Requirement documents (files or folders) -> scenarios -> run against the target -> reports.

    Args:
        requirements: files or folders (.xlsx/.xls/.csv, .docx, .md/.txt, .pdf, Postman v2.1, OpenAPI 3).
        target: name of the TargetAPI block (base URL, auth profiles, allowed hosts).
        base_url: overrides the block's base URL.
        out_dir: features/, results/, reports/ and summary.json are written under it.
        llm: LLMEndpoint block name, "offline" for none; default: the "default" block.
        tags: a Cucumber tag expression selecting scenarios (e.g. "@smoke and not @slow").
        concurrency: scenarios in flight per feature.
        fail_on_failure: end the run Failed when a scenario fails, an input is unreadable or nothing ran.
        scenario_timeout: seconds one scenario may take before it fails as an error.
        use_rag: give the LLM the nearest passages of the rag index as context, when one exists.
        auth: {profile: SPEC}, SPEC an ENV_VAR or secret:BLOCK (bearer), apikey:/basic:/oauth2:... (auth_specs.py).
        postman_environment: a Postman environment file (as for `newman run -e`).
        refresh: ask the LLM again instead of reading its answer cache (fresh answers are cached).
        postman_globals: a Postman globals file (as for `newman run -g`).
        env_vars: Postman environment values over the file's (`newman run --env-var`); `env:VAR` reads VAR.
        require_checks: a scenario that asserts nothing (unchecked) fails the run.
        strict: requirements that did not run (waiting for an LLM, unsupported) fail the run.
        openapi: the team's OpenAPI document (file or URL): conformance steps and coverage check against it."""
    apply_defaults()
    logger = get_run_logger()
    out = Path(out_dir).resolve()
    features_dir, results_dir = fresh_run_folders(out)
    endpoint = resolve_llm(llm)
    usage_before = start_llm_run()

    documents = [str(p) for p in expand_inputs(requirements)]
    batch = RequirementBatch(documents=documents, read=[f.result() for f in ingest_document.map(documents)])
    if baked := batch.bake_postman_values(postman_environment, postman_globals, env_vars):
        logger.info("%d Postman environment/globals value(s) baked into the scenarios", baked)
    logger.info("%d document(s), %d requirement(s), %d error(s)", *batch.counts())

    groups, taken = group_requirements(batch.requirements), set[str]()
    context = context_or_hint(context_retriever()) if use_rag and batch.needs_llm(endpoint.offline) else None
    contract = None if endpoint.offline else prompt_contract(documents, target, base_url, auth)
    drafts = {group: generate_feature.submit(group, members, file_name_for(group, taken), llm, context, refresh,
                                             contract) for group, members in groups.items()}
    PROGRESS.emit("generate", total=len(drafts))
    generation = GenerationResult()
    for group, draft in drafts.items():
        generation = generation.merge(validate_feature.submit(draft, str(features_dir), groups[group]).result())
    announce_scenarios([f.path for f in generation.files], tags)

    base_url = base_url or batch.postman_base_url(postman_environment, postman_globals, env_vars)
    spec = TargetSpec(target=target, base_url=base_url, auth=auth, postman=batch.postman, env_vars=env_vars,
                      postman_environment=postman_environment, postman_globals=postman_globals)
    target_block, _variables, missing = spec.resolve()
    for line in missing:
        logger.warning("credentials: %s", line)
    started = time.perf_counter()
    futures = [execute_feature.submit(f.path, spec, concurrency, tags, scenario_timeout, openapi or f.openapi,
                                      str(results_dir / f"{n:04d}.jsonl")) for n, f in enumerate(generation.files)]
    run = merge_runs([f.result() for f in futures], target_block.base_url, time.perf_counter() - started)
    summary = report_run(run, str(out), batch, generation, endpoint.describe(), usage_totals() - usage_before,
                         require_checks, strict, openapi)
    logger.info("%d/%d scenarios passed; reports in %s", run.totals.passed, run.totals.scenarios, out / "reports")
    logger.info("LLM usage: %s", summary.llm_usage_line)
    if generation.llm_outage:
        raise LLMGenerationFailed(summary.outage_message(), summary)
    if fail_on_failure and summary.verdict:
        raise ScenariosFailed(summary.verdict_message(), summary)
    return summary


def demo(out_dir: Path) -> dict[str, object]:
    """Start the demo API on 127.0.0.1, run the pipeline offline on examples/requirements/, stop it."""
    if importlib.util.find_spec("examples") is None:  # the console script's sys.path lacks the checkout
        sys.path.insert(0, str(project_root()))
    from examples.demo_api.app import DEFAULT_TOKEN
    from examples.demo_api.server import start_demo_api

    base_url, stop = start_demo_api(token=DEFAULT_TOKEN)
    variable, previous = "QAFLOW_BDD_DEMO_TOKEN", os.environ.get("QAFLOW_BDD_DEMO_TOKEN")
    os.environ[variable] = DEFAULT_TOKEN
    try:  # no saved block: the demo API's URL and the "default" profile
        summary = bdd_pipeline(requirements=[str(project_root() / "examples" / "requirements")], target="",
                               base_url=base_url, out_dir=str(out_dir), llm="offline",
                               auth={"default": variable})
    finally:
        stop()
        os.environ.pop(variable)
        if previous is not None:
            os.environ[variable] = previous
    return {"reports": summary.reports, "features": summary.features_dir, "passed": summary.totals.passed,
            "scenarios": summary.totals.scenarios, "needs_llm": [u.requirement_id for u in summary.needs_llm],
            "untranslated_postman_lines": len(summary.untranslated)}


if __name__ == "__main__":
    apply_defaults()
    print(json.dumps(demo(Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)), indent=2))
