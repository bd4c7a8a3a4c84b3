"""JUnit XML as Jenkins, GitLab and Azure DevOps read it: one <testsuite> per
feature, one <testcase> per scenario (classname = feature), <failure> for a
failed check, <error> for a step that could not run, <skipped> for a skipped
scenario. The shape follows the Jenkins xUnit plugin's junit-10.xsd, which the
tests validate against."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections import defaultdict

from tasks.execution.results import RunResult, ScenarioResult

# XML 1.0 forbids most control characters; a response body may hold them.
_ILLEGAL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)], "\ufffd")


def _clean(text: str) -> str:
    return text.translate(_ILLEGAL)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _steps_text(scenario: ScenarioResult) -> str:
    lines = []
    if scenario.requirement_ids:
        lines.append("Requirements: " + ", ".join(f"REQ-{r}" for r in scenario.requirement_ids))
    if scenario.tags:
        lines.append("Tags: " + " ".join(scenario.tags))
    if scenario.flaky:
        lines.append("Flaky: passed only after retrying a transport error")
    for step in scenario.steps:
        lines.append(f"{step.status:>7}  {step.duration_s * 1000:8.1f} ms  {step.keyword} {step.text}")
        if step.error:
            lines.append(f"         {step.error}")
    return "\n".join(lines)


def _failure_body(scenario: ScenarioResult) -> str:
    step = scenario.failed_step
    if step is None:
        return scenario.error or ""
    parts = [f"Step: {step.keyword} {step.text}" + (f" (line {step.line})" if step.line else ""), f"Error: {step.error}"]
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


def render_junit(result: RunResult, title: str = "qaflow bdd") -> bytes:
    """The JUnit XML document of a run, as UTF-8 bytes."""
    by_feature: dict[tuple[str, str], list[ScenarioResult]] = defaultdict(list)
    for scenario in result.scenarios:
        by_feature[(scenario.feature, scenario.feature_file)].append(scenario)

    totals = result.totals
    root = ET.Element(
        "testsuites",
        name=title,
        tests=str(totals.scenarios),
        failures=str(totals.failed),
        errors=str(totals.error),
        time=_seconds(totals.duration_s),
    )
    hostname = socket.gethostname()
    for index, ((feature, feature_file), scenarios) in enumerate(by_feature.items()):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(feature),
            tests=str(len(scenarios)),
            failures=str(sum(s.status == "failed" for s in scenarios)),
            errors=str(sum(s.status == "error" for s in scenarios)),
            skipped=str(sum(s.status == "skipped" for s in scenarios)),
            time=_seconds(sum(s.duration_s for s in scenarios)),
            timestamp=result.started_at or "",
            hostname=hostname,
            id=str(index),
            file=_clean(feature_file),
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="base_url", value=_clean(result.base_url))
        requirements = sorted({r for s in scenarios for r in s.requirement_ids})
        if requirements:
            ET.SubElement(properties, "property", name="requirements", value=", ".join(f"REQ-{r}" for r in requirements))
        for scenario in scenarios:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_clean(scenario.name),
                classname=_clean(feature),
                time=_seconds(scenario.duration_s),
            )
            if scenario.status in ("failed", "error"):
                step = scenario.failed_step
                message = (step.error if step else scenario.error) or scenario.status
                element = ET.SubElement(
                    case,
                    "failure" if scenario.status == "failed" else "error",
                    message=_clean(message[:1000]),
                    type="AssertionError" if scenario.status == "failed" else "StepError",
                )
                element.text = _clean(_failure_body(scenario))
            elif scenario.status == "skipped":
                ET.SubElement(case, "skipped", message="skipped")
            out = ET.SubElement(case, "system-out")
            out.text = _clean(_steps_text(scenario))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
