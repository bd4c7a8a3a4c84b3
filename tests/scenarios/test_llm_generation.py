"""The LLM path against the loopback OpenAI-compatible server: a valid answer, an
invalid one repaired, an unbindable one reported; offline lists "needs an LLM"."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.llm import LLMEndpoint
from tasks.execution.catalogue import CATALOGUE
from tasks.requirements.model import Requirement
from tasks.scenarios.generate import draft_feature, generate_features
from tasks.scenarios.validate import validate_text
from tests.fakes.openai_server import FakeOpenAI, endpoint_for

pytestmark = pytest.mark.usefixtures("qaflow_home")  # an empty LLM answer cache per test

PROSE = Requirement(
    id="REQ-9", title="Users can be created", text="Creating a user with a name and an email answers 201.",
    acceptance_criteria=["A user without an email is refused with 422"], source="srs.docx § Users", group="Users",
)

GOOD = {"scenarios": [
    {"name": "Create a user", "tags": ["smoke"], "steps": [
        {"keyword": "When", "text": 'I send a POST request to "/users" with body:',
         "doc_string": '{"name": "Ann", "email": "ann-${uuid}@example.com"}'},
        {"keyword": "Then", "text": "the response status should be 201"},
        {"keyword": "And", "text": 'I save the response JSON at "$.id" as "user_id"'}]},
    {"name": "Refuse <case>", "tags": ["negative"], "steps": [
        {"keyword": "When", "text": 'I send a POST request to "/users" with body:', "doc_string": "<body>"},
        {"keyword": "Then", "text": "the response status should be 422"}],
     "examples": [{"name": "bad users", "header": ["case", "body"],
                   "rows": [["no email", '{"name": "A"}'], ["no name", '{"email": "a@b.co"}']]}]},
]}
UNBINDABLE = {"scenarios": [{"name": "Create a user", "steps": [
    {"keyword": "When", "text": "the user is created"},
    {"keyword": "Then", "text": "the response body should contain:"}]}]}


def test_a_valid_answer_becomes_a_validated_feature() -> None:
    with FakeOpenAI() as llm:
        llm.reply(GOOD)
        draft = draft_feature("srs: Users", [PROSE], endpoint_for(llm),
                              context=lambda text, k: ["Users need a unique email (from the glossary)."])
        request = llm.requests[0]
    assert draft.ungenerated == [] and draft.scenarios == 2 and draft.llm_calls == 1
    assert validate_text(draft.text) == []
    assert "@REQ-9 @smoke" in draft.text and "Scenario Outline: Refuse <case>" in draft.text
    assert "Examples: bad users" in draft.text
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert CATALOGUE.prompt_text() in system
    assert "Creating a user with a name and an email answers 201." in user
    assert "A user without an email is refused with 422" in user
    assert "Users need a unique email (from the glossary)." in user


def test_an_invalid_answer_is_repaired() -> None:
    with FakeOpenAI() as llm:
        llm.reply(UNBINDABLE, GOOD)
        draft = draft_feature("srs: Users", [PROSE], endpoint_for(llm))
        repair = llm.requests[1]["messages"]
    assert draft.ungenerated == [] and draft.llm_calls == 2 and draft.llm_repairs == 1
    assert repair[2]["role"] == "assistant" and "the user is created" in repair[2]["content"]
    assert "step 'the user is created' matches no catalogue step" in repair[3]["content"]
    assert "needs a doc string" in repair[3]["content"]


def test_an_answer_that_never_binds_is_reported_not_dropped(tmp_path: Path) -> None:
    executable = Requirement(id="REQ-1", title="Health", source="srs.docx § Health", group="Users",
                             acceptance_criteria=['When I send a GET request to "/health"',
                                                  "Then the response status should be 200"])
    with FakeOpenAI() as llm:
        llm.reply(UNBINDABLE, UNBINDABLE, UNBINDABLE)
        result = generate_features([executable, PROSE], tmp_path, endpoint_for(llm))
        assert len(llm.requests) == 3  # the first answer and two repairs, then it stops
    (missing,) = result.ungenerated
    assert missing.requirement_id == "REQ-9" and not missing.needs_llm
    assert "after 2 repair(s)" in missing.reason and "matches no catalogue step" in missing.reason
    (written,) = result.files
    assert written.requirement_ids == ["REQ-1"]  # the rest of the group still goes through
    assert validate_text(Path(written.path).read_text()) == []


def test_the_answer_is_cached_so_a_rerun_costs_nothing() -> None:
    with FakeOpenAI() as llm:
        llm.reply(GOOD)
        first = draft_feature("srs: Users", [PROSE], endpoint_for(llm))
        second = draft_feature("srs: Users", [PROSE], endpoint_for(llm))
        assert len(llm.requests) == 1
    assert first.text == second.text


def test_offline_lists_prose_as_needing_an_llm(tmp_path: Path) -> None:
    result = generate_features([PROSE], tmp_path, LLMEndpoint(provider="offline"))
    assert result.files == []
    (missing,) = result.ungenerated
    assert missing.needs_llm and missing.reason.startswith("needs an LLM")
