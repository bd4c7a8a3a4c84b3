"""Operation coverage: which operations of an OpenAPI document a run exercised, and which of
their documented responses it saw (`14/19 operations, 22/41 documented responses`).

Every request a step sent (the method, URL and status kept in its result) is matched
to the operation whose path template it fits (literal paths before templated ones,
the base URL's own path taken off first) and its status to the documented response
that covers it (the exact code, else `2XX`, else `default`). A status no documented
response covers is listed as undocumented for that operation; a request that fits no
operation is counted apart. Results stream from the run's log, so memory does not
grow with the number of scenarios.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field

from tasks.execution.result_log import ResultIndex
from tasks.execution.results import RunResult, ScenarioResult

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class OperationCoverage(BaseModel):
    method: str
    path: str
    operation_id: str = ""
    requests: int = 0
    responses: dict[str, bool] = Field(default_factory=dict, description="documented response key -> seen")
    undocumented: list[int] = Field(default_factory=list, description="statuses seen that no response documents")

    @property
    def exercised(self) -> bool:
        return self.requests > 0


class Coverage(BaseModel):
    """The coverage of one OpenAPI document by one run."""

    source: str = ""
    operations: list[OperationCoverage] = Field(default_factory=list)
    unmatched_requests: int = Field(default=0, description="requests that fit no operation of the document")

    @property
    def operations_hit(self) -> int:
        return sum(1 for o in self.operations if o.exercised)

    @property
    def responses_total(self) -> int:
        return sum(len(o.responses) for o in self.operations)

    @property
    def responses_hit(self) -> int:
        return sum(sum(o.responses.values()) for o in self.operations)

    def line(self) -> str:
        """`14/19 operations, 22/41 documented responses`"""
        return (f"{self.operations_hit}/{len(self.operations)} operations, "
                f"{self.responses_hit}/{self.responses_total} documented responses")

    def summary(self) -> dict[str, Any]:
        """The figures for a run summary (summary.json, the terminal)."""
        return {
            "source": self.source,
            "operations": f"{self.operations_hit}/{len(self.operations)}",
            "responses": f"{self.responses_hit}/{self.responses_total}",
            "line": self.line(),
            "not_exercised": [f"{o.method} {o.path}" for o in self.operations if not o.exercised],
            "undocumented": [f"{o.method} {o.path}: {s}" for o in self.operations for s in o.undocumented],
            "unmatched_requests": self.unmatched_requests,
        }

    def report(self) -> dict[str, Any]:
        """What the HTML report's coverage section shows (plain data: RunResult.coverage)."""
        return {**self.summary(), "operations_table": [
            {"method": o.method, "path": o.path, "operation_id": o.operation_id, "requests": o.requests,
             "responses": o.responses, "undocumented": o.undocumented}
            for o in self.operations]}


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?$")


def operation_coverage(document: dict[str, Any], scenarios: Iterable[ScenarioResult], base_url: str,
                       source: str = "") -> Coverage:
    """Coverage of `document`'s operations by the requests of `scenarios`."""
    coverage = Coverage(source=source)
    matchers: list[tuple[re.Pattern[str], str, OperationCoverage]] = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            keys = [str(k) for k in (operation.get("responses") or {})]
            entry = OperationCoverage(method=method.upper(), path=path, operation_id=operation.get("operationId") or "",
                                      responses=dict.fromkeys(keys, False))
            coverage.operations.append(entry)
            matchers.append((_template(path), method.upper(), entry))
    # literal paths first (/pet/findByStatus before /pet/{petId}), then the longer
    matchers.sort(key=lambda m: (m[2].path.count("{"), -len(m[2].path)))
    prefix = urlsplit(base_url).path.rstrip("/")
    for scenario in scenarios:
        for step in scenario.steps:
            request, response = step.request or {}, step.response or {}
            if not request.get("method") or not request.get("url") or not isinstance(response.get("status"), int):
                continue
            path = unquote(urlsplit(str(request["url"])).path)
            if prefix and path.startswith(prefix):
                path = path[len(prefix):] or "/"
            method = str(request["method"]).upper()
            entry = next((e for pattern, m, e in matchers if m == method and pattern.match(path)), None)
            if entry is None:
                coverage.unmatched_requests += 1
                continue
            entry.requests += 1
            status = str(response["status"])
            key = next((k for k in (status, f"{status[0]}XX", f"{status[0]}xx", "default") if k in entry.responses), None)
            if key is None:
                if response["status"] not in entry.undocumented:
                    entry.undocumented.append(response["status"])
            else:
                entry.responses[key] = True
    return coverage


def load_openapi(source: str | Path) -> dict[str, Any]:
    """An OpenAPI document from a file (JSON or YAML) or an http(s) URL."""
    text_source = str(source)
    if text_source.startswith(("http://", "https://")):
        import httpx

        response = httpx.get(text_source, timeout=10.0, follow_redirects=False)
        response.raise_for_status()
        return response.json()
    from tasks.requirements.openapi import load_document

    return load_document(Path(source))


def run_coverage(run: RunResult, source: str | Path) -> Coverage:
    """Coverage of the OpenAPI document at `source` by `run` (streamed from its logs when it has them)."""
    scenarios: Iterable[ScenarioResult] = ResultIndex(run.logs).scenarios() if run.logs else run.scenarios
    return operation_coverage(load_openapi(source), scenarios, run.base_url, source=str(source))


def features_coverage(openapi_sources: Iterable[str | None], run: RunResult) -> dict[str, Any] | None:
    """RunResult.coverage for a run whose features came from OpenAPI documents (the first one's
    coverage; a document that cannot be read is logged and gives none: a report is never lost
    for its coverage section)."""
    source = next((s for s in openapi_sources if s), None)
    if source is None:
        return None
    try:
        return run_coverage(run, source).report()
    except Exception as exc:  # a broken or unreachable document
        logging.getLogger(__name__).warning("no OpenAPI coverage for %s: %s", source, exc)
        return None


def coverage_summary(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The run summary's part of RunResult.coverage (no per-operation table)."""
    return None if report is None else {k: v for k, v in report.items() if k != "operations_table"}
