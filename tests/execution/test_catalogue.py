"""The catalogue holds exactly the steps of shared/STEPS.md, and every sentence
means at most one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.execution.catalogue import CATALOGUE
from tasks.execution.registry import AmbiguousStep, StepDef, StepRegistry, strip_keyword

# The patterns of shared/STEPS.md, kept here too so the test stands where shared/ is absent.
STEPS_MD = [
    'the base URL is "{url}"',
    'the variable "{name}" is "{value}"',
    'I am authenticated as "{profile}"',
    'I am authenticated for the security scheme "{scheme}"',
    'the request header "{name}" is "{value}"',
    "the query parameters are:",
    "the request body is:",
    'the request body is loaded from "{file}"',
    'I send a {METHOD} request to "{path}"',
    'I send a {METHOD} request to "{path}" with body:',
    'I poll {METHOD} "{path}" until the response JSON at "{jsonpath}" is {json} within {n} attempts',
    "I am authenticated as the default profile, if the target has one",
    "the response status should be {code}",
    "the response status should be one of {codes}",
    'the response header "{name}" should contain "{text}"',
    "the response time should be less than {ms} ms",
    'the response JSON at "{jsonpath}" should be {json}',
    'the response JSON at "{jsonpath}" should exist',
    'the response JSON at "{jsonpath}" should not exist',
    'the response JSON at "{jsonpath}" should match "{regex}"',
    'the response JSON at "{jsonpath}" should be a {type}',
    'the response JSON at "{jsonpath}" should have {n} items',
    "the response body should contain:",
    'the response should match the JSON schema "{file}"',
    'the response should conform to the OpenAPI operation "{operationId}"',
    'I save the response JSON at "{jsonpath}" as "{name}"',
    'I save the response header "{name}" as "{var}"',
    'the Postman pre-request script of "{name}" runs:',
    'the Postman tests of "{name}" pass:',
]


# Sentences qaflow adds to the shared vocabulary (OpenAPI security schemes, a target's default
# auth profile, Postman scripts run as written); docs/steps.md documents every step.
EXTENSIONS = {
    'I am authenticated for the security scheme "{scheme}"',
    "I am authenticated as the default profile, if the target has one",
    'the Postman pre-request script of "{name}" runs:',
    'the Postman tests of "{name}" pass:',
}


def test_catalogue_is_exactly_steps_md():
    assert [s.pattern for s in CATALOGUE.steps] == STEPS_MD
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "STEPS.md"
    if shared.exists():  # the design document itself, where the checkout has it
        lines = shared.read_text().splitlines()
        documented = [
            re.sub(r"\s{2,}\(.*$", "", strip_keyword(line)).strip()
            for line in lines
            if re.match(r"\s{4}(Given|When|Then|And)\s", line)
        ]
        assert documented == [p for p in STEPS_MD if p not in EXTENSIONS]


def test_every_step_has_code_doc_and_a_matching_example():
    for step in CATALOGUE.steps:
        assert step.func is not None and step.doc and step.example
        first_line = step.example.splitlines()[0]
        found = CATALOGUE.match(strip_keyword(first_line))
        assert found is not None and found.step is step, first_line
        if step.needs == "doc_string":
            assert '"""' in step.example
        if step.needs == "data_table":
            assert "|" in step.example


@pytest.mark.parametrize(
    ("text", "pattern", "args"),
    [
        ('the base URL is "http://localhost:8000/api v1"', 'the base URL is "{url}"', {"url": "http://localhost:8000/api v1"}),
        ('the variable "full name" is "Ann Lee"', 'the variable "{name}" is "{value}"', {"name": "full name", "value": "Ann Lee"}),
        ('I send a delete request to "/users/${id}"', 'I send a {METHOD} request to "{path}"', {"METHOD": "DELETE", "path": "/users/${id}"}),
        ('I send a PATCH request to "/users/1" with body:', 'I send a {METHOD} request to "{path}" with body:', {"METHOD": "PATCH", "path": "/users/1"}),
        ("the response status should be <status>", "the response status should be {code}", {"code": "<status>"}),
        ("the response status should be one of 200, 201", "the response status should be one of {codes}", {"codes": "200, 201"}),
        ("the response status should be one of [200,204]", "the response status should be one of {codes}", {"codes": "[200,204]"}),
        ('the response JSON at "$.tags" should be ["a b", "c"]', 'the response JSON at "{jsonpath}" should be {json}', {"jsonpath": "$.tags", "json": '["a b", "c"]'}),
        ('the response JSON at "$.n" should be ${count}', 'the response JSON at "{jsonpath}" should be {json}', {"jsonpath": "$.n", "json": "${count}"}),
        ('the response JSON at "$.ok" should be true', 'the response JSON at "{jsonpath}" should be {json}', {"jsonpath": "$.ok", "json": "true"}),
        ('the response JSON at "$.items" should be an array', 'the response JSON at "{jsonpath}" should be a {type}', {"jsonpath": "$.items", "type": "array"}),
        ('the response JSON at "$.x" should be null', 'the response JSON at "{jsonpath}" should be {json}', {"jsonpath": "$.x", "json": "null"}),
        ('the response JSON at "$.name" should match "^[A-Z]" ', 'the response JSON at "{jsonpath}" should match "{regex}"', {"jsonpath": "$.name", "regex": "^[A-Z]"}),
        ('the response JSON at "$.name" should match "say "hi""', 'the response JSON at "{jsonpath}" should match "{regex}"', {"jsonpath": "$.name", "regex": 'say "hi"'}),
        ('I poll GET "/jobs/1" until the response JSON at "$.state" is {"done": true} within 5 attempts', 'I poll {METHOD} "{path}" until the response JSON at "{jsonpath}" is {json} within {n} attempts', {"METHOD": "GET", "path": "/jobs/1", "jsonpath": "$.state", "json": '{"done": true}', "n": "5"}),
        ("the response time should be less than 250.5 ms", "the response time should be less than {ms} ms", {"ms": "250.5"}),
    ],
)
def test_matches(text, pattern, args):
    found = CATALOGUE.match(text)
    assert found is not None, text
    assert found.step.pattern == pattern
    assert found.args == args


@pytest.mark.parametrize(
    "text",
    [
        'I send a FETCH request to "/users"',  # not an HTTP method
        "the response status should be 20",
        "the response status should be ok",
        'the response JSON at "$.a" should be a thing',  # not a JSON type, not JSON either
        'the response JSON at "$.a" should be {broken',
        "the response status should be one of many",
        "I click the button",
        'the response JSON at "$.items" should have some items',
        "",
    ],
)
def test_does_not_match(text):
    assert CATALOGUE.match(text) is None


def test_no_sentence_matches_two_steps():
    """Fill every pattern with awkward values and check each reads as its own step only."""
    fills = {
        "url": 'http://h:1/a "b"',
        "name": "a b",
        "value": 'x" is "y',
        "profile": "read only",
        "scheme": "api key",
        "file": "a b.json",
        "path": '/x" with body:',
        "jsonpath": '$.a" should exist',
        "json": '"should be a string"',
        "code": "200",
        "codes": "[200, 201]",
        "text": "a b",
        "ms": "10",
        "regex": '"x" should exist',
        "type": "object",
        "n": "3",
        "operationId": "get user",
        "var": "v",
        "METHOD": "POST",
    }
    for step in CATALOGUE.steps:
        text = re.sub(r"\{(\w+)\}", lambda m: fills[m.group(1)], step.pattern)
        found = CATALOGUE.match(text)  # raises AmbiguousStep on two matches
        assert found is not None and found.step is step, text


def test_ambiguity_is_reported():
    async def nothing(ctx):
        return None

    registry = StepRegistry(
        [
            StepDef('I send "{a}"', "request", None, "d", "e", nothing),
            StepDef('I send "{b}" to "{c}"', "request", None, "d", "e", nothing),
        ]
    )
    with pytest.raises(AmbiguousStep):
        registry.match('I send "x" to "y"')


def test_bad_pattern_is_refused():
    with pytest.raises(ValueError, match="unknown placeholder"):
        StepDef("wait {seconds} s", "request", None, "d", "e")


def test_describe_and_prompt_text():
    described = CATALOGUE.describe()
    assert len(described) == len(STEPS_MD)
    assert set(described[0]) == {"pattern", "kind", "needs", "doc", "example"}
    kinds = {d["pattern"]: d["kind"] for d in described}
    assert kinds["the response status should be {code}"] == "response"
    assert kinds["the request body is:"] == "request"
    prompt = CATALOGUE.prompt_text()
    for pattern in STEPS_MD:
        assert pattern in prompt
    assert "[needs a doc string]" in prompt and "${env.NAME}" in prompt


def test_strip_keyword():
    assert strip_keyword("And I send a GET request to \"/x\"") == 'I send a GET request to "/x"'
    assert strip_keyword("  But the response status should be 200") == "the response status should be 200"
