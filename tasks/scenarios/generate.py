"""Requirements -> one feature per requirement group, as Gherkin text.

Structured requirements translate without an LLM; prose goes to the LLM when
one is configured and is listed as "needs an LLM" when not. `draft_feature`
only computes; `write_feature` validates the text once more and writes it
atomically. The prose requirements of a group are asked concurrently (at most
`tasks.scenarios.llm.LLM_CONCURRENCY` requests in flight per endpoint); answers are cached by
the LLM client (only accepted ones), so a re-run asks nothing.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, Field

from blocks.llm import LLMEndpoint
from tasks.files import write_atomic
from tasks.requirements.ids import slug
from tasks.requirements.model import Requirement
from tasks.scenarios.contract import ApiContract
from tasks.scenarios.llm import GENERATION_THREADS, ContextProvider, LLMOutcome, generate_with_llm
from tasks.scenarios.model import (
    Feature,
    FeatureFile,
    GenerationResult,
    Scenario,
    Step,
    Ungenerated,
)
from tasks.scenarios.render import render_feature
from tasks.scenarios.translate import criteria_scenario, requirement_scenario
from tasks.scenarios.validate import scenario_problems, validate_text

NEEDS_LLM = "needs an LLM: prose requirement and the offline provider is configured (set up an LLM endpoint block)"


class FeatureDraft(BaseModel):
    """A rendered feature before it is written, with what could not go in it."""

    name: str
    file_name: str
    text: str = ""
    requirement_ids: list[str] = Field(default_factory=list)
    scenarios: int = 0
    ungenerated: list[Ungenerated] = Field(default_factory=list)
    untranslated_lines: list[str] = Field(default_factory=list)
    llm_calls: int = 0
    llm_repairs: int = 0
    llm_requested: int = 0
    llm_generated: int = 0
    llm_unavailable: int = 0
    openapi: str | None = None


def group_key(requirement: Requirement) -> str:
    """Which feature file a requirement goes to: its source document and group."""
    document = Path(requirement.source.split(" ", 1)[0]).stem
    return f"{document}: {requirement.group}" if requirement.group else document


def group_requirements(requirements: list[Requirement]) -> dict[str, list[Requirement]]:
    groups: dict[str, list[Requirement]] = defaultdict(list)
    for requirement in requirements:
        groups[group_key(requirement)].append(requirement)
    return dict(groups)


def file_name_for(group: str, taken: set[str] | None = None) -> str:
    base = slug(group, 60) or "feature"
    name, n = f"{base}.feature", 2
    while taken is not None and name in taken:
        name, n = f"{base}-{n}.feature", n + 1
    if taken is not None:
        taken.add(name)
    return name


def _is_setup(step: Step) -> bool:
    return step.doc_string is None and step.data_table is None and "<" not in step.text and not step.text.startswith("I send")


def factor_background(scenarios: list[Scenario]) -> list[Step]:
    """The Given steps every scenario starts with, moved to a Background."""
    if len(scenarios) < 2 or any(s.examples for s in scenarios):
        return []
    common: list[Step] = []
    for steps in zip(*(s.steps for s in scenarios), strict=False):
        first = steps[0]
        kind_ok = first.keyword in ("Given", "And") and (common or first.keyword == "Given")
        if not kind_ok or not _is_setup(first) or any(s.text != first.text for s in steps):
            break
        common.append(first)
    if not common or any(len(s.steps) <= len(common) for s in scenarios):
        return []
    for scenario in scenarios:
        scenario.steps = scenario.steps[len(common):]
        if scenario.steps[0].keyword in ("And", "But"):
            scenario.steps[0] = scenario.steps[0].model_copy(update={"keyword": "Given"})
    return [common[0].model_copy(update={"keyword": "Given"}), *[s.model_copy(update={"keyword": "And"}) for s in common[1:]]]


def _ungenerated(requirement: Requirement, reason: str, needs_llm: bool = False) -> Ungenerated:
    return Ungenerated(requirement_id=requirement.id, title=requirement.title, source=requirement.source,
                       reason=reason, needs_llm=needs_llm)


def draft_feature(
    group: str,
    requirements: list[Requirement],
    endpoint: LLMEndpoint | None,
    *,
    file_name: str | None = None,
    context: ContextProvider | None = None,
    contract: ApiContract | None = None,
    refresh: bool = False,
) -> FeatureDraft:
    """Render one feature; every requirement ends up in it or in `ungenerated`.

    `contract` puts the relevant API operations and auth profile names in the
    prompts; `refresh` re-asks the LLM instead of reading its answer cache."""
    title = next((r.group for r in requirements if r.group), group)
    draft = FeatureDraft(name=title, file_name=file_name or file_name_for(group))
    scenarios: list[Scenario] = []
    online = endpoint is not None and not endpoint.offline
    prose = [r for r in requirements
             if online and not r.executable and criteria_scenario(r) is None]
    outcomes = _ask_concurrently(prose, endpoint, context, contract, refresh) if prose else {}
    for requirement in requirements:
        if requirement.executable:
            made = [requirement_scenario(requirement)]
        elif (from_criteria := criteria_scenario(requirement)) is not None:
            made = [from_criteria]
        elif not online:
            draft.ungenerated.append(_ungenerated(requirement, NEEDS_LLM, needs_llm=True))
            continue
        else:
            outcome = outcomes[id(requirement)]
            draft.llm_calls += outcome.calls
            draft.llm_repairs += outcome.repairs
            draft.llm_requested += 1
            if outcome.problems:
                draft.llm_unavailable += int(outcome.llm_failed)
                reason = (f"LLM unavailable: {outcome.problems[0].removeprefix('LLM: ')}" if outcome.llm_failed
                          else f"no runnable scenario after {outcome.repairs} repair(s): "
                          + "; ".join(outcome.problems[:5]))
                draft.ungenerated.append(_ungenerated(requirement, reason))
                continue
            draft.llm_generated += 1
            made = outcome.scenarios
        # a deterministic scenario can still fail to bind (a bad value in a cell): check each one
        for scenario in made:
            problems = scenario_problems(scenario)
            if problems:
                draft.ungenerated.append(_ungenerated(requirement, "; ".join(problems[:5])))
                break
        else:
            scenarios += made
            draft.requirement_ids.append(requirement.id)
            for scenario in made:
                draft.untranslated_lines += [
                    f"{requirement.source}: {c.removeprefix('untranslated ')}"
                    for c in scenario.comments if c.startswith("untranslated ")
                ]
    if not scenarios:
        return draft
    background = factor_background(scenarios)
    sources = sorted({r.source.split(" ", 1)[0] for r in requirements})
    feature = Feature(
        name=title,
        description="Generated by qaflow from " + ", ".join(Path(s).name for s in sources) + ". Edit the source, not this file.",
        background=background,
        scenarios=scenarios,
    )
    draft.text = render_feature(feature)
    draft.scenarios = len(scenarios)
    if all(r.kind == "openapi" for r in requirements) and len(sources) == 1:
        draft.openapi = sources[0]  # conformance is checked against the document the scenarios came from
    return draft


def _ask_concurrently(
    prose: list[Requirement],
    endpoint: LLMEndpoint | None,
    context: ContextProvider | None,
    contract: ApiContract | None,
    refresh: bool,
) -> dict[int, LLMOutcome]:
    """`generate_with_llm` for each prose requirement, a few at a time; keyed by id(requirement).
    Each thread runs in a copy of the caller's context (the run logger, usage scopes)."""
    assert endpoint is not None

    def one(requirement: Requirement) -> LLMOutcome:
        return generate_with_llm(requirement, endpoint, context=context, contract=contract, refresh=refresh)

    if len(prose) == 1:
        return {id(prose[0]): one(prose[0])}
    with ThreadPoolExecutor(max_workers=min(GENERATION_THREADS, len(prose)), thread_name_prefix="qaflow-llm") as pool:
        futures = {id(r): pool.submit(contextvars.copy_context().run, one, r) for r in prose}
        return {key: future.result() for key, future in futures.items()}


def write_feature(draft: FeatureDraft, out_dir: Path) -> tuple[FeatureFile | None, list[str]]:
    """Validate the draft's text and write it; (None, problems) when it cannot run."""
    if not draft.text:
        return None, []
    path = out_dir / draft.file_name
    problems = validate_text(draft.text, str(path))
    if problems:
        return None, problems
    write_atomic(path, draft.text)
    return FeatureFile(path=str(path), feature=draft.name, requirement_ids=draft.requirement_ids,
                       scenarios=draft.scenarios, openapi=draft.openapi), []


def generate_features(
    requirements: list[Requirement],
    out_dir: Path,
    endpoint: LLMEndpoint | None = None,
    *,
    context: ContextProvider | None = None,
    contract: ApiContract | None = None,
    refresh: bool = False,
) -> GenerationResult:
    """Everything in one call (the CLI's `generate` and the tests; the flow runs the same steps as tasks).
    Reports "generate" progress (tasks/execution/progress.py): the groups, then each feature written."""
    from tasks.execution.progress import PROGRESS

    result = GenerationResult()
    taken: set[str] = set()
    groups = group_requirements(requirements)
    PROGRESS.emit("generate", total=len(groups))
    for group, members in groups.items():
        draft = draft_feature(group, members, endpoint, file_name=file_name_for(group, taken), context=context,
                              contract=contract, refresh=refresh)
        result = result.merge(draft_result(draft, out_dir, members))
        PROGRESS.emit("generate", advance=1)
    return result


def draft_result(draft: FeatureDraft, out_dir: Path, members: list[Requirement]) -> GenerationResult:
    written, problems = write_feature(draft, out_dir)
    ungenerated = list(draft.ungenerated)
    if problems:
        by_id = {r.id: r for r in members}
        ungenerated += [
            _ungenerated(by_id[rid], "generated Gherkin did not validate: " + "; ".join(problems[:3]))
            for rid in draft.requirement_ids if rid in by_id
        ]
    return GenerationResult(
        files=[written] if written else [],
        ungenerated=ungenerated,
        untranslated_lines=draft.untranslated_lines,
        llm_calls=draft.llm_calls,
        llm_repairs=draft.llm_repairs,
        llm_requested=draft.llm_requested,
        llm_generated=draft.llm_generated,
        llm_unavailable=draft.llm_unavailable,
    )
