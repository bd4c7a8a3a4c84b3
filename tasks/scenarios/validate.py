"""Is a .feature file runnable? Parsed by the official Cucumber parser
(`gherkin-official`), every step (Outlines expanded) bound to the catalogue,
every scenario tagged with its requirement. A file with problems never
reaches execution.
"""

from __future__ import annotations

from pathlib import Path

from gherkin.errors import CompositeParserException, ParserException
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from tasks.execution.catalogue import CATALOGUE, AmbiguousStep
from tasks.scenarios.model import Scenario


def _step_lines(document: dict) -> dict[str, int]:
    lines: dict[str, int] = {}
    feature = document.get("feature") or {}
    children = list(feature.get("children", []))
    for child in list(children):
        children += (child.get("rule") or {}).get("children", [])
    for child in children:
        node = child.get("background") or child.get("scenario") or {}
        for step in node.get("steps", []):
            lines[step["id"]] = step["location"]["line"]
    return lines


def parse_problems(text: str, uri: str) -> tuple[dict | None, list[str]]:
    try:
        document = Parser().parse(text)
    except CompositeParserException as exc:
        return None, [f"{uri}: {e}" for e in exc.errors]
    except ParserException as exc:
        return None, [f"{uri}: {exc}"]
    document["uri"] = uri
    return document, []


def validate_text(text: str, uri: str = "<feature>", *, require_req_tag: bool = True) -> list[str]:
    """Everything that stops this Gherkin from running; empty when it can run."""
    document, problems = parse_problems(text, uri)
    if document is None:
        return problems
    if not document.get("feature"):
        return [f"{uri}: no Feature"]
    lines = _step_lines(document)
    pickles = Compiler().compile(document)
    if not pickles:
        problems.append(f"{uri}: no scenarios")
    seen: set[tuple[int, str]] = set()
    for pickle in pickles:
        tags = [t["name"] for t in pickle.get("tags", [])]
        if require_req_tag and not any(t.startswith("@REQ-") for t in tags):
            problems.append(f"{uri}: scenario {pickle['name']!r} has no @REQ-<id> tag")
        for step in pickle["steps"]:
            line = lines.get(step["astNodeIds"][0], 0)
            key = (line, step["text"])
            if key in seen:
                continue
            seen.add(key)
            problems += [f"{uri}:{line}: {p}" for p in step_problems(step["text"], step.get("argument") or {})]
    return problems


def step_problems(text: str, argument: dict) -> list[str]:
    """Why one step (text without keyword, its docString/dataTable argument) cannot run."""
    try:
        match = CATALOGUE.match(text)
    except AmbiguousStep as exc:
        return [str(exc)]
    if match is None:
        return [f"step {text!r} matches no catalogue step (see `qaflow bdd steps`)"]
    needs = match.step.needs
    has_doc, has_table = "docString" in argument, "dataTable" in argument
    if needs == "doc_string" and not has_doc:
        return [f"step {text!r} needs a doc string (\"\"\" ... \"\"\")"]
    if needs == "data_table" and not has_table:
        return [f"step {text!r} needs a data table (| name | value |)"]
    if needs is None and (has_doc or has_table):
        return [f"step {text!r} takes no doc string or table"]
    return []


def validate_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{path}: cannot read ({exc})"]
    return validate_text(text, str(path))


def _fill(text: str, row: dict[str, str]) -> str:
    for name, value in row.items():
        text = text.replace(f"<{name}>", value)
    return text


def scenario_problems(scenario: Scenario) -> list[str]:
    """The binding check of `validate_text`, on the model, without a Gherkin parse
    (gherkin-official takes ~7 ms per file; a sheet of thousands of rows would pay
    that per row). Outline rows are expanded as the parser would. The whole file is
    still parsed before it is written."""
    rows = [dict(zip(e.header, r, strict=False)) for e in scenario.examples for r in e.rows] or [{}]
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for step in scenario.steps:
            argument: dict = {}
            if step.doc_string is not None:
                argument["docString"] = {"content": _fill(step.doc_string, row)}
            if step.data_table is not None:
                argument["dataTable"] = {"rows": step.data_table}
            for problem in step_problems(_fill(step.text, row), argument):
                if problem not in seen:
                    seen.add(problem)
                    problems.append(problem)
    if not any(t.lstrip("@").startswith("REQ-") for t in scenario.tags):
        problems.append(f"scenario {scenario.name!r} has no @REQ-<id> tag")
    return problems
