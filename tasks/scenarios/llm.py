"""Prose requirements -> scenarios with an LLM, validated and repaired.

The LLM sees the step catalogue, the requirement (id, title, text, criteria,
and the name of its document, never a local path, so the prompt and the
answer cache key do not depend on where the checkout is or how a path was
typed), the relevant operations of the API's OpenAPI document and the target's
auth profile names when known (tasks/scenarios/contract.py), and, when a rag
index exists, the passages of the team's documents nearest to the requirement
(a `ContextProvider` the caller passes in: this stage never imports rag).
It answers JSON that `LLMAnswer` validates. The project renders the Gherkin and
checks it (`complete_json`'s `check`); the problems go back to the LLM a bounded
number of times, then the requirement is reported as ungenerated. Only an
answer that passed is cached. Requirements are generated on a few threads
(`GENERATION_THREADS`), while the LLM client keeps at most `LLM_CONCURRENCY`
requests in flight per endpoint, so rendering and checking one answer overlaps
with waiting for the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from pydantic import BaseModel, Field

from blocks.llm import LLMEndpoint
from tasks.execution.catalogue import CATALOGUE
from tasks.llm import (
    LLMError,
    LLMRequestError,
    LLMUsage,
    complete_json,
    reset_circuits,
    usage_scope,
    usage_totals,
)
from tasks.llm.client import MAX_IN_FLIGHT
from tasks.requirements.model import Requirement
from tasks.scenarios.contract import ApiContract
from tasks.scenarios.model import Examples, Feature, Scenario, Step
from tasks.scenarios.render import render_feature
from tasks.scenarios.validate import validate_text

log = logging.getLogger(__name__)

REPAIR_ROUNDS = 2
LLM_CONCURRENCY = MAX_IN_FLIGHT  # requests in flight per endpoint (tasks/llm/client.py)
GENERATION_THREADS = 2 * LLM_CONCURRENCY  # requirements in progress per feature
_hinted: set[str] = set()

RULES = """You write BDD scenarios for a REST API as JSON, never as Gherkin text.
Answer with one JSON object: {"scenarios": [{"name": str, "tags": [str], "steps": [{"keyword": "Given"|"When"|"Then"|"And"|"But", "text": str, "doc_string": str|null, "data_table": [[str]]|null}], "examples": [{"name": str, "header": [str], "rows": [[str]]}]}]}.
Rules:
- Every step text must be exactly one of the allowed steps below with its {placeholders} filled in; nothing else runs.
- Write the step text without its keyword; put the keyword in "keyword".
- Steps marked [needs a doc string] carry JSON in "doc_string"; steps marked [needs a data table] carry rows in "data_table"; other steps carry neither.
- Paths are relative to the API's base URL (e.g. "/users/${user_id}"); save ids you need later with 'I save the response JSON at ... as ...'.
- Use a Scenario Outline (non-empty "examples", <column> in steps) when the requirement lists several cases of the same shape.
- Tags are plain words without '@'; do not add requirement ids, the caller does.
- Cover the acceptance criteria: one scenario per criterion or a few that cover them all; include a negative case when the requirement names one."""


class LLMScenario(BaseModel):
    name: str
    tags: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    examples: list[Examples] = Field(default_factory=list)


class LLMAnswer(BaseModel):
    scenarios: list[LLMScenario] = Field(min_length=1)


ContextProvider = Callable[[str, int], list[str]]


def resolve_llm(llm: str | None) -> LLMEndpoint:
    """None: the saved "default" block (else the environment); "offline": no LLM; else a block name."""
    if llm == "offline":
        return LLMEndpoint(provider="offline")
    return LLMEndpoint.resolve(llm or "default")


def start_llm_run() -> LLMUsage:
    """Begin a run's LLM work: an endpoint whose circuit opened in an earlier run of this process
    gets a new chance, and the usage so far is returned (the run's cost is the difference at its end)."""
    reset_circuits()
    return usage_totals()


def context_or_hint(retriever: ContextProvider | None, store: str = "default") -> ContextProvider | None:
    """The rag index's retriever the caller found (the bdd flow and CLI pass the rag stage's
    `context_retriever(store)`), or None with a hint, once per process, that prompts go
    without document context. The bdd pipeline does not depend on rag: this stage never
    looks the index up itself."""
    if retriever is None:
        _hint_once(f"hint: the rag index {store!r} is empty, so prompts carry no document context; "
                   "`qaflow rag sync DOCS` adds it (and re-asks, as context is part of the cache key)")
    return retriever


def _hint_once(message: str) -> None:
    """Log a hint once per process (not once per requirement)."""
    if message not in _hinted:
        _hinted.add(message)
        log.warning(message)


def prompt_source(source: str) -> str:
    """The requirement's source as the prompt says it: the document's file name and the
    place in it ("srs.docx § Users"), never the folder it was read from."""
    head, sep, rest = source.partition(" ")
    name = PurePath(head.replace("\\", "/")).name or head
    return f"{name}{sep}{rest}"


def requirement_prompt(requirement: Requirement, context: list[str], contract: ApiContract | None = None) -> str:
    parts = [f"Requirement {requirement.id}: {requirement.title}", f"Source: {prompt_source(requirement.source)}"]
    if requirement.text and requirement.text != requirement.title:
        parts += ["", requirement.text]
    if requirement.acceptance_criteria:
        parts += ["", "Acceptance criteria:", *[f"- {c}" for c in requirement.acceptance_criteria]]
    if context:
        parts += ["", "Relevant passages from the team's documents (context only; the requirement decides):"]
        parts += [f"[{i}] {chunk.strip()[:1500]}" for i, chunk in enumerate(context, start=1)]
    if contract is not None:
        parts += contract.prompt_section(requirement)
    return "\n".join(parts)


def to_scenarios(answer: LLMAnswer, requirement: Requirement) -> list[Scenario]:
    """The answer as scenarios, each tagged with its requirement by us, not by the LLM."""
    scenarios = []
    for item in answer.scenarios:
        from tasks.execution.results import requirement_tag

        tags = [requirement_tag(requirement.id)] + [t.lstrip("@") for t in item.tags if not t.lstrip("@").startswith("REQ-")]
        scenarios.append(Scenario(name=item.name, tags=tags, steps=item.steps, examples=item.examples,
                                  requirement_id=requirement.id))
    return scenarios


@dataclass
class LLMOutcome:
    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    calls: int = 0
    repairs: int = 0
    cache_hits: int = 0
    llm_failed: bool = False  # the endpoint failed (not the answer): counts toward "no LLM at all"


def scenario_check(requirement: Requirement) -> Callable[[LLMAnswer], list[str]]:
    """The problems of an answer once rendered: parse errors and steps that bind to nothing."""

    def check(answer: LLMAnswer) -> list[str]:
        scenarios = to_scenarios(answer, requirement)
        text = render_feature(Feature(name=requirement.title, scenarios=scenarios))
        return [p.split(": ", 1)[-1] for p in validate_text(text, f"REQ-{requirement.id}")]

    return check


def requirement_messages(
    requirement: Requirement, chunks: list[str], contract: ApiContract | None = None
) -> list[dict]:
    """The conversation for one requirement: rules and catalogue, then the requirement."""
    return [
        {"role": "system", "content": RULES + "\n\n" + CATALOGUE.prompt_text()},
        {"role": "user", "content": requirement_prompt(requirement, chunks, contract)},
    ]


def generate_with_llm(
    requirement: Requirement,
    endpoint: LLMEndpoint,
    *,
    context: ContextProvider | None = None,
    contract: ApiContract | None = None,
    repair_rounds: int = REPAIR_ROUNDS,
    refresh: bool = False,
) -> LLMOutcome:
    """Scenarios for a prose requirement; `problems` non-empty means it failed after the repairs.

    The answer must validate and bind (`scenario_check`) before it is accepted and
    cached; `refresh` re-asks instead of reading the cache."""
    chunks: list[str] = []
    if context is not None:
        chunks = context(f"{requirement.title}\n{requirement.text}", 3)
    messages = requirement_messages(requirement, chunks, contract)
    check = scenario_check(requirement)
    outcome = LLMOutcome()
    with usage_scope() as spent:
        try:
            answer = complete_json(messages, LLMAnswer, endpoint=endpoint, repair_attempts=repair_rounds,
                                   use_cache=not refresh, check=check)
        except LLMError as exc:
            partial = getattr(exc, "answer", None)
            outcome.problems = check(partial) if isinstance(partial, LLMAnswer) else [f"LLM: {exc}"]
            outcome.llm_failed = isinstance(exc, LLMRequestError)
        else:
            outcome.scenarios = to_scenarios(answer, requirement)
    used = spent[0]
    outcome.calls, outcome.repairs, outcome.cache_hits = used.calls, used.repairs, used.cache_hits
    return outcome
