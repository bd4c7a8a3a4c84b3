"""Structured requirements (sheet rows, Postman requests, OpenAPI operations)
-> scenarios, deterministically: no LLM, same input, same Gherkin.

Each kind of check is a row of `CHECK_STEPS`, each a catalogue sentence. A
precondition in prose that is not a catalogue step is kept as a comment on
the scenario, never guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tasks.execution.catalogue import CATALOGUE, strip_keyword
from tasks.execution.results import requirement_tag
from tasks.execution.steps_auth import DEFAULT_AUTH_STEP
from tasks.requirements.model import Check, Requirement, TestCaseRow
from tasks.scenarios.model import Scenario, Step


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _not_equal(check: Check) -> str:
    # The catalogue has no "should not be"; a regex that refuses exactly this
    # value says the same (strings compare as text, other values as JSON).
    text = check.value if isinstance(check.value, str) else _json(check.value)
    regex = "^(?!" + re.escape(text).replace('"', r"\x22") + "$)"
    return f'the response JSON at "{check.path}" should match "{regex}"'


def _literal(value: Any) -> str:
    """JSON for a step; a lone `${var}` or `<column>` goes unquoted so it keeps its type."""
    if isinstance(value, str) and re.fullmatch(r"\$\{[^}]+\}|<[^<>\s]+>", value):
        return value
    return _json(value)


CHECK_STEPS: dict[str, Callable[[Check], str]] = {
    "==": lambda c: f'the response JSON at "{c.path}" should be {_literal(c.value)}',
    "!=": _not_equal,
    "exists": lambda c: f'the response JSON at "{c.path}" should exist',
    "matches": lambda c: f'the response JSON at "{c.path}" should match "{str(c.value).replace(chr(34), chr(92) + "x22")}"',
    "type": lambda c: f'the response JSON at "{c.path}" should be {"an" if str(c.value)[0] in "aeiou" else "a"} {c.value}',
    "len": lambda c: f'the response JSON at "{c.path}" should have {c.value} items',
}


def _doc(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


class _Steps:
    """Appends steps choosing Given/When/Then or And, as a person would write them."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._last: str | None = None

    def add(self, keyword: str, text: str, doc_string: str | None = None, table: list[list[str]] | None = None) -> None:
        shown = "And" if keyword == self._last else keyword
        self.steps.append(Step(keyword=shown, text=text, doc_string=doc_string, data_table=table))
        self._last = keyword

    def step_line(self, keyword: str, line: str) -> None:
        """A catalogue step that may carry its doc string after a newline."""
        first, _, rest = line.partition("\n")
        self.add(keyword, first.strip(), doc_string=rest if rest.strip() else None)


def _given_line(line: str) -> tuple[str | None, str]:
    """A precondition line -> (catalogue sentence or None, the original text). A sentence may
    carry its doc string after a newline (a Postman pre-request script step)."""
    text = strip_keyword(line)
    first, newline, doc = text.partition("\n")
    match = CATALOGUE.match(first.strip())
    if match is None or (match.step.needs == "doc_string") != bool(newline and doc.strip()):
        return None, line
    return text, line


def row_steps(row: TestCaseRow, out: _Steps, comments: list[str], sticky: dict[str, str] | None = None) -> None:
    """Steps of one request. Auth and headers last for the rest of a scenario,
    so `sticky` remembers them and a later row does not repeat them."""
    sticky = {} if sticky is None else sticky
    for line in row.given:
        sentence, original = _given_line(line)
        if sentence:
            out.step_line("Given", sentence)
        else:
            comments.append(f"precondition (not a catalogue step, not executed): {original}")
    if row.auth and sticky.get("\0auth") != row.auth:
        out.add("Given", f'I am authenticated as "{row.auth}"')
        sticky["\0auth"] = row.auth
    elif row.auth == "" and "\0auth" not in sticky:  # a sheet row with no Auth value: the default profile, if any
        out.add("Given", DEFAULT_AUTH_STEP)
        sticky["\0auth"] = ""
    for name, value in row.headers.items():
        if sticky.get(name.lower()) != value:
            out.add("Given", f'the request header "{name}" is "{value}"')
            sticky[name.lower()] = value
    if row.query:
        out.add("Given", "the query parameters are:", table=[[k, v] for k, v in row.query])
    if row.body is not None:
        out.add("When", f'I send a {row.method} request to "{row.path}" with body:', doc_string=_doc(row.body))
    else:
        out.add("When", f'I send a {row.method} request to "{row.path}"')
    if len(row.expected_status) == 1:
        out.add("Then", f"the response status should be {row.expected_status[0]}")
    elif row.expected_status:
        out.add("Then", f"the response status should be one of [{', '.join(map(str, row.expected_status))}]")
    if row.expected_body is not None:
        out.add("Then", "the response body should contain:", doc_string=_doc(row.expected_body))
    for check in row.checks:
        out.add("Then", CHECK_STEPS[check.op](check))
    for line in row.then:
        out.step_line("Then", line)
    for save in row.saves:
        if save.header:
            out.add("Then", f'I save the response header "{save.header}" as "{save.name}"')
        else:
            out.add("Then", f'I save the response JSON at "{save.path}" as "{save.name}"')
    if not row.replayed:  # a replayed request's lines are reported where it stands itself
        comments.extend(f"untranslated {c}" for c in row.comments)


def requirement_scenario(requirement: Requirement) -> Scenario:
    """The one scenario of a structured requirement."""
    out = _Steps()
    comments: list[str] = []
    for name, value in requirement.variables.items():
        out.add("Given", f'the variable "{name}" is "{value}"')
    sticky: dict[str, str] = {}
    for row in requirement.rows:
        row_steps(row, out, comments, sticky)
    return Scenario(
        name=requirement.title,
        tags=[requirement_tag(requirement.id), *requirement.tags],
        steps=out.steps,
        comments=comments,
        requirement_id=requirement.id,
    )


def _argument(lines: list[str]) -> tuple[str | None, list[list[str]] | None]:
    """The doc string or data table written under a step in a document."""
    if not lines:
        return None, None
    if lines[0].startswith('"""'):
        body = [ln for ln in lines[1:] if not ln.startswith('"""')]
        return "\n".join(body), None
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines if ln.startswith("|")]
    return None, rows or None


def criteria_scenario(requirement: Requirement) -> Scenario | None:
    """A prose requirement whose acceptance criteria are already catalogue steps
    (Given/When/Then lines, with their tables and doc strings) needs no LLM."""
    lines = requirement.acceptance_criteria
    if not lines or not all(re.match(r"^\s*(Given|When|Then|And|But)\s", ln) for ln in lines):
        return None
    out = _Steps()
    for criterion in lines:
        first, *rest = [ln.strip() for ln in criterion.splitlines() if ln.strip()]
        keyword = first.split(None, 1)[0].capitalize()
        text = strip_keyword(first)
        match = CATALOGUE.match(text)
        if match is None:
            return None
        doc, table = _argument(rest)
        if (match.step.needs == "doc_string") != (doc is not None) or (match.step.needs == "data_table") != (table is not None):
            return None
        out.add(keyword if keyword in ("Given", "When", "Then") else (out._last or "Given"), text, doc, table)
    return Scenario(name=requirement.title, tags=[requirement_tag(requirement.id), *requirement.tags],
                    steps=out.steps, requirement_id=requirement.id)
