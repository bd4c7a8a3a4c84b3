"""The thin Prefect tasks of the scenarios stage (the logic: tasks/scenarios/generate.py)."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.execution.progress import PROGRESS
from tasks.requirements.model import Requirement
from tasks.scenarios.contract import ApiContract
from tasks.scenarios.generate import FeatureDraft, draft_feature, draft_result
from tasks.scenarios.llm import ContextProvider, resolve_llm
from tasks.scenarios.model import GenerationResult

__all__ = ["generate_feature", "validate_feature"]


@task(name="generate-feature", task_run_name="generate {group}", cache_policy=NO_CACHE, tags=["mem:64MiB"])
def generate_feature(
    group: str,
    requirements: list[Requirement],
    file_name: str,
    llm: str | None,
    context: ContextProvider | None = None,
    refresh: bool = False,
    contract: ApiContract | None = None,
) -> FeatureDraft:
    """One feature's Gherkin. Not cached by Prefect: a task cache would keep a failed or
    partial generation (and key it on how a path was typed); the LLM client caches each
    accepted answer by meaning instead, so a re-run with unchanged inputs still costs no
    LLM call and a requirement that failed is asked again. No Prefect retries either: the
    LLM client retries what a retry can fix, and its circuit breaker stops an outage.

    No input and no result holds a secret, so Prefect's result storage never does:
    `llm` is a block name (never its key); `context` retrieves passages of the rag index
    (the flow passes it in; used only for requirements that need the LLM); requirements
    name credentials only (`auth` profile names, `${var}` references, see
    tasks/requirements/postman_auth.py), and the draft is Gherkin made from them."""
    endpoint = resolve_llm(llm)
    needs_llm = not endpoint.offline and any(not r.executable for r in requirements)
    return draft_feature(group, requirements, endpoint, file_name=file_name, context=context if needs_llm else None,
                         contract=contract, refresh=refresh)


@task(name="validate-feature", task_run_name="validate {draft.file_name}")
def validate_feature(draft: FeatureDraft, features_dir: str, requirements: list[Requirement]) -> GenerationResult:
    """Parse and bind the feature once more, then write it (atomically); a file with
    problems is not written and its requirements are reported as ungenerated."""
    result = draft_result(draft, Path(features_dir), requirements)
    PROGRESS.emit("generate", advance=1)
    return result
