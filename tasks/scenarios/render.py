"""Feature models -> Gherkin text, written by the project, never by the LLM.

Values are escaped for the places they land: `|` and `\\` in table cells,
`\"\"\"` inside doc strings, newlines in names. What the renderer writes,
`gherkin-official` parses: `validate.py` checks it on every file.
"""

from __future__ import annotations

import re

from tasks.scenarios.model import Examples, Feature, Scenario, Step

INDENT = "  "


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _tag(tag: str) -> str:
    return "@" + re.sub(r"[^\w.\-:]+", "_", tag.lstrip("@"))


def _cell(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")
    return text


def _table(rows: list[list[str]], indent: str) -> list[str]:
    if not rows:
        return []
    width = max(len(row) for row in rows)
    cells = [[_cell(c) for c in row] + [""] * (width - len(row)) for row in rows]
    sizes = [max(len(row[i]) for row in cells) for i in range(width)]
    return [indent + "| " + " | ".join(c.ljust(sizes[i]) for i, c in enumerate(row)) + " |" for row in cells]


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {_one_line(line)}" for line in str(text).splitlines() if line.strip()]


def render_step(step: Step, indent: str) -> list[str]:
    lines = [f"{indent}{step.keyword} {_one_line(step.text)}"]
    if step.data_table:
        lines += _table(step.data_table, indent + INDENT)
    if step.doc_string is not None:
        body, fence = _doc_string(step.doc_string)
        media = "json" if body.lstrip().startswith(("{", "[")) else ""
        lines.append(f"{indent}{INDENT}{fence}{media}")
        lines += [f"{indent}{INDENT}{line}" if line else "" for line in body.splitlines()]
        lines.append(f"{indent}{INDENT}{fence}")
    return lines


def _doc_string(body: str) -> tuple[str, str]:
    """The doc string's text and fence: ``` when the text holds a triple quote
    (Gherkin reads \\"\\"\\" inside a \"\"\" fence as three quotes), else \"\"\"."""
    if '"""' not in body and '\\"\\"\\"' not in body:
        return body, '"""'
    if "```" not in body:
        return body, "```"
    return body.replace('"""', '\\"\\"\\"'), '"""'



def _examples(examples: Examples, indent: str) -> list[str]:
    return [f"{indent}Examples: {_one_line(examples.name)}".rstrip(), *_table([examples.header, *examples.rows], indent + INDENT)]


def render_scenario(scenario: Scenario, indent: str = INDENT) -> list[str]:
    lines: list[str] = []
    for comment in scenario.comments:
        lines += _comment(comment, indent)
    if scenario.tags:
        lines.append(indent + " ".join(dict.fromkeys(_tag(t) for t in scenario.tags)))
    keyword = "Scenario Outline" if scenario.examples else "Scenario"
    lines.append(f"{indent}{keyword}: {_one_line(scenario.name)}")
    for step in scenario.steps:
        lines += render_step(step, indent + INDENT)
    for examples in scenario.examples:
        lines.append("")
        lines += _examples(examples, indent + INDENT)
    return lines


def render_feature(feature: Feature) -> str:
    lines: list[str] = []
    for comment in feature.comments:
        lines += _comment(comment, "")
    if feature.tags:
        lines.append(" ".join(dict.fromkeys(_tag(t) for t in feature.tags)))
    lines.append(f"Feature: {_one_line(feature.name)}")
    for line in (feature.description or "").splitlines():
        # a description line must not look like a keyword line or a comment
        text = line.strip()
        if text and not re.match(r"^(?:#|@|\||\"\"\"|Scenario|Background|Examples|Rule|Given|When|Then|And|But)\b", text):
            lines.append(f"{INDENT}{text}")
    if feature.background:
        lines += ["", f"{INDENT}Background:"]
        for step in feature.background:
            lines += render_step(step, INDENT * 2)
    for scenario in feature.scenarios:
        lines.append("")
        lines += render_scenario(scenario)
    return "\n".join(lines) + "\n"
