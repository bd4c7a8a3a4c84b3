"""Cucumber JSON, the format cucumber-reporting, Allure, Xray and most CI
plugins read: a list of features, each with `elements` (scenarios) holding
`steps` with a `result` of status, duration in nanoseconds and error message.
Written by streaming over the run's results log.

Cucumber has no "unchecked": a scenario that asserted nothing keeps its steps and
gains a last step, "the scenario checks the response", `skipped` with the reason
(so every Cucumber tool shows it as not passed). A Postman script's `pm.test`s are
the step's `output` lines, by name. Requirements that never became a running
scenario come last, as a feature of their own."""

from __future__ import annotations

import base64
import contextlib
import inspect
import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from tasks.execution.catalogue import CATALOGUE
from tasks.execution.result_log import ResultIndex
from tasks.execution.results import NotRun, ScenarioResult, StepResult, requirement_tag

STATUS = {"passed": "passed", "failed": "failed", "error": "failed", "skipped": "skipped", "unchecked": "passed"}
UNCHECKED_STEP = "the scenario checks the response"
NOT_RUN_FEATURE = "Requirements not run"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


@lru_cache(maxsize=1)
def _step_locations() -> dict[str, str]:
    """pattern -> "file:line" of the code that carries the step out (Cucumber's `match`)."""
    root = Path(__file__).resolve().parents[2]
    out: dict[str, str] = {}
    for step in CATALOGUE.steps:
        func = inspect.unwrap(step.func) if step.func else None
        if func is None:
            continue
        try:
            file = Path(inspect.getsourcefile(func) or "")
            line = inspect.getsourcelines(func)[1]
        except (OSError, TypeError):
            continue
        with contextlib.suppress(ValueError):
            file = file.relative_to(root)
        out[step.pattern] = f"{file}:{line}"
    return out


def _uri(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _tags(tags: list[str], lines: dict[str, int], fallback: int | None) -> list[dict[str, Any]]:
    return [{"name": t, "line": lines.get(t) or fallback or 1} for t in tags]


def _step(step: StepResult) -> dict[str, Any]:
    result: dict[str, Any] = {"status": STATUS[step.status]}
    if step.status != "skipped":
        result["duration"] = int(step.duration_s * 1_000_000_000)
    if step.error:
        result["error_message"] = step.error
    data: dict[str, Any] = {
        "keyword": f"{step.keyword} ",
        "name": step.text,
        "line": step.line or 0,
        "match": {"location": _step_locations().get(step.pattern or "", "")},
        "result": result,
    }
    if step.doc_string is not None:
        data["doc_string"] = {"value": step.doc_string, "content_type": "", "line": (step.line or 0) + 1}
    if step.data_table:
        data["rows"] = [{"cells": row} for row in step.data_table]
    if step.assertions:
        data["output"] = [("PASS " if a.passed else "FAIL ") + a.name + (f": {a.error}" if a.error else "")
                          for a in step.assertions]
    if step.status in ("failed", "error") and (step.request or step.response):
        exchange = json.dumps({"request": step.request, "response": step.response}, indent=2)
        data["embeddings"] = [
            {"mime_type": "application/json", "data": base64.b64encode(exchange.encode()).decode(), "name": "HTTP exchange"}
        ]
    return data


def _element(feature_id: str, scenario: ScenarioResult, seen: dict[str, int]) -> dict[str, Any]:
    base = f"{feature_id};{_slug(scenario.name)}"
    seen[base] += 1
    return {
        "id": base if seen[base] == 1 else f"{base};{seen[base]}",
        "keyword": scenario.keyword,
        "name": scenario.name,
        "description": "",
        "line": scenario.line or 0,
        "type": "scenario",
        "tags": _tags(scenario.tags, scenario.tag_lines, scenario.line),
        "steps": [_step(step) for step in scenario.steps] + _unchecked_step(scenario),
    }


def _unchecked_step(scenario: ScenarioResult) -> list[dict[str, Any]]:
    if scenario.status != "unchecked":
        return []
    return [{"keyword": "Then ", "name": UNCHECKED_STEP, "line": scenario.line or 0, "match": {"location": ""},
             "result": {"status": "skipped", "error_message": scenario.error or "asserts nothing"}}]


def _not_run_feature(items: list[NotRun]) -> dict[str, Any]:
    """Requirements that never became a running scenario: one element each, whose one step
    failed (an input error) or was skipped (needs an LLM, unsupported), with the reason."""
    elements = []
    for number, item in enumerate(items, start=1):
        status = "failed" if item.kind == "input-error" else "skipped"
        elements.append({
            "id": f"requirements-not-run;{_slug(item.requirement_id)};{number}", "keyword": "Scenario",
            "name": item.title or item.requirement_id, "description": item.source, "line": number, "type": "scenario",
            "tags": [{"name": "@" + requirement_tag(item.requirement_id), "line": number}],
            "steps": [{"keyword": "Given ", "name": f"the requirement becomes a scenario ({item.kind})", "line": number,
                       "match": {"location": ""}, "result": {"status": status, "error_message": item.reason}}],
        })
    return {"uri": "qaflow:requirements-not-run", "id": "requirements-not-run", "keyword": "Feature",
            "name": NOT_RUN_FEATURE, "description": "Requirements that did not become a running scenario.",
            "line": 1, "tags": [], "elements": elements}


def write_cucumber(handle: TextIO, index: ResultIndex, not_run: list[NotRun] | None = None) -> None:
    """Write the Cucumber JSON document (a list of features) of a run to `handle`,
    streaming its results from the log `index`: one scenario element at a time;
    the requirements `not_run` last."""
    handle.write("[")
    number = -1
    for number, group in enumerate(index.groups("file")):
        head = group.head
        feature_id = _slug(head["feature"])
        feature = {
            "uri": _uri(head["feature_file"]),
            "id": feature_id,
            "keyword": "Feature",
            "name": head["feature"],
            "description": head["feature_description"],
            "line": head["feature_line"] or 1,
            "tags": _tags(head["feature_tags"], head["tag_lines"], head["feature_line"]),
        }
        opening = json.dumps(feature, ensure_ascii=False)[:-1] + ', "elements": ['
        handle.write(("," if number else "") + "\n" + opening)
        seen: dict[str, int] = defaultdict(int)
        for position, scenario in enumerate(index.scenarios(group)):
            handle.write(("," if position else "") + "\n  " + json.dumps(_element(feature_id, scenario, seen),
                                                                        ensure_ascii=False))
        handle.write("\n]}")
    if not_run:
        number += 1
        handle.write(("," if number else "") + "\n" + json.dumps(_not_run_feature(not_run), ensure_ascii=False))
    handle.write("\n]" if number >= 0 else "]")
