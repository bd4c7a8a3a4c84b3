"""Rendering and validation: what the renderer writes, gherkin-official parses, and
the validator catches every way a feature could fail to run."""

from __future__ import annotations

import re

from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from tasks.requirements.model import Check, Requirement, Save, TestCaseRow
from tasks.scenarios.generate import factor_background
from tasks.scenarios.model import Examples, Feature, Scenario, Step
from tasks.scenarios.render import render_feature
from tasks.scenarios.translate import CHECK_STEPS, criteria_scenario, requirement_scenario
from tasks.scenarios.validate import validate_text


def test_outline_background_doc_strings_and_tables_render_and_parse() -> None:
    feature = Feature(
        name="Users\nand more",
        description="Why:\nScenario: this line must not start a scenario",
        background=[Step(keyword="Given", text='I am authenticated as "admin"')],
        scenarios=[
            Scenario(
                name="Create <name>",
                tags=["REQ-1", "@smoke", "two words"],
                comments=["kept: console.log(x)"],
                steps=[
                    Step(keyword="When", text='I send a POST request to "/users" with body:',
                         doc_string='{"name": "<name>", "note": "a \\"\\"\\" b"}'),
                    Step(keyword="Then", text="the response status should be <status>"),
                    Step(keyword="And", text="the query parameters are:", data_table=[["a|b", "c\\d"]]),
                ],
                examples=[Examples(header=["name", "status"], rows=[["Ann", "201"], ["", "422"]])],
            )
        ],
    )
    text = render_feature(feature)
    document = Parser().parse(text)
    document["uri"] = "x.feature"
    pickles = Compiler().compile(document)
    assert [p["name"] for p in pickles] == ["Create Ann", "Create "]
    steps = pickles[0]["steps"]
    assert steps[0]["text"] == 'I am authenticated as "admin"'  # background first
    assert steps[1]["argument"]["docString"]["content"] == '{"name": "Ann", "note": "a \\"\\"\\" b"}'
    assert steps[3]["argument"]["dataTable"]["rows"][0]["cells"][0]["value"] == "a|b"
    assert [t["name"] for t in pickles[0]["tags"]] == ["@REQ-1", "@smoke", "@two_words"]
    assert "# kept: console.log(x)" in text and "Feature: Users and more" in text
    assert "  Scenario: this line" not in text
    # the step "the query parameters are:" has a table, so everything binds
    assert validate_text(text, "x.feature") == []


def test_validation_finds_every_kind_of_problem() -> None:
    text = """Feature: f
  Scenario: no tag
    When I send a GET request to "/x"

  @REQ-2
  Scenario: bad steps
    When I send a GET request to "/x"
    Then the response should be lovely
    And the response body should contain:
    And the response status should be 200
      \"\"\"
      {}
      \"\"\"
"""
    problems = validate_text(text, "f.feature")
    assert "f.feature: scenario 'no tag' has no @REQ-<id> tag" in problems
    assert any(":8: step 'the response should be lovely' matches no catalogue step" in p for p in problems)
    assert any(":9:" in p and "needs a doc string" in p for p in problems)
    assert any(":10:" in p and "takes no doc string" in p for p in problems)
    assert validate_text("Feature f\n  nonsense", "g.feature")[0].startswith("g.feature: (1:1)")


def row_requirement(**row: object) -> Requirement:
    return Requirement(id="R-1", title="t", source="s.xlsx sheet 'S' row 2",
                       rows=[TestCaseRow(method="GET", path="/x", **row)], tags=["smoke"])


def test_a_row_becomes_catalogue_steps() -> None:
    requirement = row_requirement(
        auth="admin", headers={"X-A": "1"}, query=[("page", "2")], expected_status=[200, 304],
        expected_body={"id": "#number"}, given=['Given the variable "v" is "1"', "a user exists"],
        checks=[Check(path="$.id", op="==", value="${uid}"), Check(path="$.n", op="len", value=2),
                Check(path="$.items", op="type", value="array")],
        saves=[Save(name="uid", path="$.id"), Save(name="loc", header="Location")],
    )
    scenario = requirement_scenario(requirement)
    lines = [f"{s.keyword} {s.text}" for s in scenario.steps]
    assert lines == [
        'Given the variable "v" is "1"',
        'And I am authenticated as "admin"',
        'And the request header "X-A" is "1"',
        "And the query parameters are:",
        'When I send a GET request to "/x"',
        "Then the response status should be one of [200, 304]",
        "And the response body should contain:",
        'And the response JSON at "$.id" should be ${uid}',
        'And the response JSON at "$.n" should have 2 items',
        'And the response JSON at "$.items" should be an array',
        'And I save the response JSON at "$.id" as "uid"',
        'And I save the response header "Location" as "loc"',
    ]
    assert scenario.tags == ["REQ-R-1", "smoke"]
    assert scenario.comments == ["precondition (not a catalogue step, not executed): a user exists"]
    assert validate_text(render_feature(Feature(name="f", scenarios=[scenario]))) == []


def test_not_equal_becomes_a_refusing_regex() -> None:
    step = CHECK_STEPS["!="](Check(path="$.s", op="!=", value='say "hi".'))
    regex = re.search(r'should match "(.*)"$', step).group(1)
    assert re.search(regex, "other") and not re.search(regex, 'say "hi".')
    number = re.search(r'should match "(.*)"$', CHECK_STEPS["!="](Check(path="$.n", op="!=", value=0))).group(1)
    assert re.search(number, "10") and not re.search(number, "0")


def test_acceptance_criteria_written_as_steps_need_no_llm() -> None:
    requirement = Requirement(id="FR-1", title="Health", source="n.md", acceptance_criteria=[
        'When I send a GET request to "/health"', "Then the response status should be 200",
        'And the query parameters are:\n| a | 1 |'])
    scenario = criteria_scenario(requirement)
    assert scenario is not None and scenario.steps[2].data_table == [["a", "1"]]
    prose = requirement.model_copy(update={"acceptance_criteria": ["Then it works"]})
    assert criteria_scenario(prose) is None


def test_common_setup_moves_to_a_background() -> None:
    def scenario(extra: str) -> Scenario:
        return Scenario(name=extra, steps=[
            Step(keyword="Given", text='the variable "t" is "x"'),
            Step(keyword="And", text='the request header "A" is "${t}"'),
            Step(keyword="And", text=f'the request header "B" is "{extra}"'),
            Step(keyword="When", text='I send a GET request to "/x"')])
    scenarios = [scenario("1"), scenario("2")]
    background = factor_background(scenarios)
    assert [s.text for s in background] == ['the variable "t" is "x"', 'the request header "A" is "${t}"']
    assert [s.keyword for s in background] == ["Given", "And"]
    assert scenarios[0].steps[0].keyword == "Given" and len(scenarios[0].steps) == 2


def test_model_level_binding_expands_outlines() -> None:
    from tasks.scenarios.validate import scenario_problems

    outline = Scenario(
        name="s", tags=["REQ-3"],
        steps=[Step(keyword="When", text='I send a <method> request to "/x"'),
               Step(keyword="Then", text="the response status should be <status>")],
        examples=[Examples(header=["method", "status"], rows=[["GET", "200"], ["FETCH", "405"]])],
    )
    problems = scenario_problems(outline)
    assert problems == ["step 'I send a FETCH request to \"/x\"' matches no catalogue step (see `qaflow bdd steps`)"]
    untagged = outline.model_copy(update={"tags": [], "examples": outline.examples[:0]})
    assert "has no @REQ-<id> tag" in scenario_problems(untagged)[-1]
