"""Prose requirements -> scenarios with an LLM, validated and repaired.

The LLM sees the step catalogue (and, when a rag index exists, the passages of
the team's documents nearest to the requirement) and answers JSON that
`LLMAnswer` validates. The project renders the Gherkin and checks it; the
problems go back to the LLM a bounded number of times, then the requirement
is reported as ungenerated.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from blocks.llm import LLMEndpoint, LLMError, complete_json
from tasks.execution.catalogue import CATALOGUE
from tasks.requirements.model import Requirement
from tasks.scenarios.model import Examples, Feature, Scenario, Step
from tasks.scenarios.render import render_feature
from tasks.scenarios.validate import validate_text

log = logging.getLogger(__name__)

REPAIR_ROUNDS = 2

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


def rag_context_provider(store: str = "default") -> ContextProvider | None:
    """Retrieval from the rag pipeline's index when there is one, else None.

    The bdd pipeline does not depend on rag: without the module or without an
    index, prompts carry no document context, and the log says so.
    """
    if importlib.util.find_spec("flows.rag") is None:
        log.info("no rag pipeline (flows.rag): prompts carry no document context")
        return None
    rag = importlib.import_module("flows.rag")
    status = rag.rag_status(store)
    if not status.get("chunks"):
        log.info("the rag index %r is empty (run `qaflow rag sync`): prompts carry no document context", store)
        return None

    def retrieve(text: str, k: int) -> list[str]:
        return [hit["text"] for hit in rag.rag_query(text, k=k, store=store) if hit.get("text")]

    return retrieve


def requirement_prompt(requirement: Requirement, context: list[str]) -> str:
    parts = [f"Requirement {requirement.id}: {requirement.title}", f"Source: {requirement.source}"]
    if requirement.text and requirement.text != requirement.title:
        parts += ["", requirement.text]
    if requirement.acceptance_criteria:
        parts += ["", "Acceptance criteria:", *[f"- {c}" for c in requirement.acceptance_criteria]]
    if context:
        parts += ["", "Relevant passages from the team's documents (context only; the requirement decides):"]
        parts += [f"[{i}] {chunk.strip()[:1500]}" for i, chunk in enumerate(context, start=1)]
    return "\n".join(parts)


def to_scenarios(answer: LLMAnswer, requirement: Requirement) -> list[Scenario]:
    """The answer as scenarios, each tagged with its requirement by us, not by the LLM."""
    scenarios = []
    for item in answer.scenarios:
        tags = [f"REQ-{requirement.id}"] + [t.lstrip("@") for t in item.tags if not t.lstrip("@").startswith("REQ-")]
        scenarios.append(Scenario(name=item.name, tags=tags, steps=item.steps, examples=item.examples,
                                  requirement_id=requirement.id))
    return scenarios


@dataclass
class LLMOutcome:
    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    calls: int = 0
    repairs: int = 0


def generate_with_llm(
    requirement: Requirement,
    endpoint: LLMEndpoint,
    *,
    context: ContextProvider | None = None,
    repair_rounds: int = REPAIR_ROUNDS,
) -> LLMOutcome:
    """Scenarios for a prose requirement; `problems` non-empty means it failed after the repairs."""
    chunks: list[str] = []
    if context is not None:
        chunks = context(f"{requirement.title}\n{requirement.text}", 3)
    messages: list[dict] = [
        {"role": "system", "content": RULES + "\n\n" + CATALOGUE.prompt_text()},
        {"role": "user", "content": requirement_prompt(requirement, chunks)},
    ]
    outcome = LLMOutcome()
    for attempt in range(repair_rounds + 1):
        try:
            answer = complete_json(messages, LLMAnswer, endpoint=endpoint)
        except LLMError as exc:
            outcome.problems = [f"LLM: {exc}"]
            return outcome
        finally:
            outcome.calls += 1
        scenarios = to_scenarios(answer, requirement)
        text = render_feature(Feature(name=requirement.title, scenarios=scenarios))
        problems = [p.split(": ", 1)[-1] for p in validate_text(text, f"REQ-{requirement.id}")]
        if not problems:
            outcome.scenarios, outcome.problems = scenarios, []
            return outcome
        outcome.problems = problems
        if attempt == repair_rounds:
            break
        outcome.repairs += 1
        log.info("requirement %s: %d problem(s) in the LLM's scenarios, asking for a repair", requirement.id, len(problems))
        messages = [
            *messages,
            {"role": "assistant", "content": json.dumps(answer.model_dump(mode="json"), ensure_ascii=False)},
            {"role": "user", "content": "The scenarios cannot run:\n" + "\n".join(f"- {p}" for p in problems)
             + "\nAnswer the whole JSON again with every step taken from the allowed steps."},
        ]
    return outcome
