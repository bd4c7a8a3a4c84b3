"""JUnit XML as Jenkins, GitLab and Azure DevOps read it: one <testsuite> per
feature, one <testcase> per scenario (classname = feature), <failure> for a
failed check, <error> for a step that could not run, <skipped> for a skipped
scenario and for an unchecked one (it asserted nothing; the reason is the message).
A Postman script's `pm.test`s are listed by name under their step in <system-out>,
the failed ones in <failure> too. Requirements that never became a running scenario
follow in a suite of their own: <error> for an input error, <skipped> with the
reason otherwise. The shape follows the Jenkins xUnit plugin's junit-10.xsd, which
the tests validate against. Written by streaming over the run's results log."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from typing import TextIO

from tasks.execution.result_log import ResultIndex
from tasks.execution.results import NotRun, RunResult, ScenarioResult, StepResult, requirement_tag

# XML 1.0 forbids most control characters; a response body may hold them.
_ILLEGAL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)], "\ufffd")


def _clean(text: str) -> str:
    return text.translate(_ILLEGAL)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _steps_text(scenario: ScenarioResult) -> str:
    lines = []
    if scenario.requirement_ids:
        lines.append("Requirements: " + ", ".join(requirement_tag(r) for r in scenario.requirement_ids))
    if scenario.tags:
        lines.append("Tags: " + " ".join(scenario.tags))
    if scenario.flaky:
        lines.append("Flaky: passed only after retrying a transport error")
    for step in scenario.steps:
        lines.append(f"{step.status:>7}  {step.duration_s * 1000:8.1f} ms  {step.keyword} {step.text}")
        if step.error:
            lines.append(f"         {step.error}")
        lines += _assertion_lines(step)
    if scenario.status == "unchecked":
        lines.append(f"Unchecked: {scenario.error}")
    return "\n".join(lines)


def _assertion_lines(step: StepResult) -> list[str]:
    """A step's named assertions (Postman `pm.test`s), one line each."""
    return [f"         {'PASS' if a.passed else 'FAIL'}  {a.name}" + (f": {a.error}" if a.error else "")
            for a in step.assertions]


def _failure_body(scenario: ScenarioResult) -> str:
    step = scenario.failed_step
    if step is None:
        return scenario.error or ""
    parts = [f"Step: {step.keyword} {step.text}" + (f" (line {step.line})" if step.line else ""), f"Error: {step.error}"]
    failed = [a for a in step.assertions if not a.passed]
    if failed:
        parts.append("Failed assertions:\n" + "\n".join(f"  {a.name}: {a.error or 'failed'}" for a in failed))
    if step.request:
        parts.append(f"Request: {step.request.get('method')} {step.request.get('url')}")
        if step.request.get("body"):
            parts.append(f"Request body: {step.request['body']}")
    if step.response:
        if "status" in step.response:
            parts.append(f"Response: {step.response['status']} ({step.response.get('elapsed_ms')} ms)")
        if step.response.get("body"):
            parts.append(f"Response body: {step.response['body']}")
        if step.response.get("error"):
            parts.append(f"Transport error: {step.response['error']}")
    return "\n".join(parts)


def _open_tag(tag: str, attributes: dict[str, str]) -> str:
    """`<tag a="..">` with ElementTree's own attribute escaping."""
    empty = ET.tostring(ET.Element(tag, attributes), encoding="unicode")
    return empty[: -len(" />")] + ">"


def _testcase(scenario: ScenarioResult, feature: str) -> ET.Element:
    case = ET.Element("testcase", name=_clean(scenario.name), classname=_clean(feature),
                      time=_seconds(scenario.duration_s))
    if scenario.status in ("failed", "error"):
        step = scenario.failed_step
        message = (step.error if step else scenario.error) or scenario.status
        failed = [a.name for a in (step.assertions if step else []) if not a.passed]
        if failed:
            message = f"{message} ({'; '.join(failed)})"
        element = ET.SubElement(
            case,
            "failure" if scenario.status == "failed" else "error",
            message=_clean(message[:1000]),
            type="AssertionError" if scenario.status == "failed" else "StepError",
        )
        element.text = _clean(_failure_body(scenario))
    elif scenario.status == "skipped":
        ET.SubElement(case, "skipped", message="skipped")
    elif scenario.status == "unchecked":
        ET.SubElement(case, "skipped", message=_clean(f"unchecked: {scenario.error or 'asserts nothing'}"),
                      type="Unchecked")
    out = ET.SubElement(case, "system-out")
    out.text = _clean(_steps_text(scenario))
    return case


def _indented(element: ET.Element, level: int) -> str:
    ET.indent(element, space="  ", level=level)
    return "  " * level + ET.tostring(element, encoding="unicode") + "\n"


NOT_RUN_SUITE = "Requirements not run"


def _not_run_case(item: NotRun) -> ET.Element:
    """A requirement that never became a running scenario: an input error is an <error>,
    anything else (needs an LLM, unsupported) is <skipped> with the reason."""
    name = requirement_tag(item.requirement_id) + (f" {item.title}" if item.title and item.title != item.requirement_id else "")
    case = ET.Element("testcase", name=_clean(name), classname=NOT_RUN_SUITE, time="0.000")
    if item.kind == "input-error":
        element = ET.SubElement(case, "error", message=_clean(item.reason[:1000]), type="InputError")
    else:
        element = ET.SubElement(case, "skipped", message=_clean(f"{item.kind}: {item.reason}"[:1000]),
                                type="NeedsLLM" if item.kind == "needs-llm" else "Unsupported")
    element.text = _clean(f"{item.reason}\nSource: {item.source}" if item.source else item.reason)
    return case


def _write_not_run(handle: TextIO, result: RunResult, number: int, hostname: str) -> None:
    if not result.not_run:
        return
    errors = sum(1 for n in result.not_run if n.kind == "input-error")
    handle.write("  " + _open_tag("testsuite", {
        "name": NOT_RUN_SUITE, "tests": str(len(result.not_run)), "failures": "0", "errors": str(errors),
        "skipped": str(len(result.not_run) - errors), "time": "0.000", "timestamp": result.started_at or "",
        "hostname": hostname, "id": str(number),
    }) + "\n")
    for item in result.not_run:
        handle.write(_indented(_not_run_case(item), 2))
    handle.write("  </testsuite>\n")


def write_junit(handle: TextIO, result: RunResult, index: ResultIndex, title: str = "qaflow bdd") -> None:
    """Write the JUnit XML of a run to `handle`, streaming its results from the log
    `index`: one <testcase> serialised at a time, so memory does not grow with the run.
    The suites' counts come from the index's grouping pass."""
    totals = result.totals
    handle.write("<?xml version='1.0' encoding='utf-8'?>\n")
    input_errors = sum(1 for n in result.not_run if n.kind == "input-error")
    handle.write(_open_tag("testsuites", {
        "name": title, "tests": str(totals.scenarios + len(result.not_run)), "failures": str(totals.failed),
        "errors": str(totals.error + input_errors), "time": _seconds(totals.duration_s),
    }) + "\n")
    hostname = socket.gethostname()
    number = -1
    for number, group in enumerate(index.groups("feature")):
        feature, feature_file = group.key
        handle.write("  " + _open_tag("testsuite", {
            "name": _clean(feature),
            "tests": str(group.tests),
            "failures": str(group.counts["failed"]),
            "errors": str(group.counts["error"]),
            "skipped": str(group.counts["skipped"] + group.counts["unchecked"]),
            "time": _seconds(group.duration_s),
            "timestamp": result.started_at or "",
            "hostname": hostname,
            "id": str(number),
            "file": _clean(feature_file),
        }) + "\n")
        properties = ET.Element("properties")
        ET.SubElement(properties, "property", name="base_url", value=_clean(result.base_url))
        if group.requirements:
            ET.SubElement(properties, "property", name="requirements",
                          value=", ".join(requirement_tag(r) for r in sorted(group.requirements)))
        handle.write(_indented(properties, 2))
        for scenario in index.scenarios(group):
            handle.write(_indented(_testcase(scenario, feature), 2))
        handle.write("  </testsuite>\n")
    _write_not_run(handle, result, number + 1, hostname)
    handle.write("</testsuites>\n")
