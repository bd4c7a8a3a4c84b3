"""A run's scenario results on disk, as they finish: one JSON line per scenario.

A big run must not hold every ScenarioResult in memory (100,000 scenarios of
results is gigabytes), so the runner appends each (already redacted) result to
a JSON-lines log and keeps only a running tally: counts, per-feature and
per-requirement figures, and the first few failures. The reports are then
written by streaming over the log (tasks/reports), in the order the scenarios
were planned, with only byte offsets held in memory.

    log = ResultLog(out / "results.jsonl")     # written to results.jsonl.partial
    log.append(index, result)                  # as each scenario ends
    log.close()                                # fsync, then rename to results.jsonl
    for scenario in ResultIndex([log.path]).scenarios(): ...

A line is `{"i": <planned index>, "r": <ScenarioResult, defaults left out>}`.
"""

from __future__ import annotations

import json
import os
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.execution.results import ScenarioResult, Totals

FAILURE_CAP = 200  # failures kept in a run's summary (the log holds them all)
STATUSES = ("passed", "failed", "error", "skipped", "unchecked")


def failure_brief(scenario: ScenarioResult) -> dict[str, Any]:
    """What a summary says about a failed scenario."""
    step = scenario.failed_step
    return {
        "scenario": scenario.name,
        "feature": scenario.feature,
        "requirements": scenario.requirement_ids,
        "error": (step.error if step else scenario.error) or scenario.status,
    }


@dataclass
class Tally:
    """Counts of a run, built one result at a time (memory: per status, not per scenario)."""

    counts: Counter = field(default_factory=Counter)
    flaky: int = 0
    steps: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    failures_total: int = 0

    def add(self, scenario: ScenarioResult) -> None:
        self.counts[scenario.status] += 1
        self.flaky += scenario.flaky
        self.steps += len(scenario.steps)
        if scenario.status in ("failed", "error"):
            self.failures_total += 1
            if len(self.failures) < FAILURE_CAP:
                self.failures.append(failure_brief(scenario))

    def totals(self, duration_s: float) -> Totals:
        return Totals(
            scenarios=sum(self.counts.values()),
            passed=self.counts["passed"],
            failed=self.counts["failed"],
            error=self.counts["error"],
            skipped=self.counts["skipped"],
            unchecked=self.counts["unchecked"],
            flaky=self.flaky,
            steps=self.steps,
            duration_s=round(duration_s, 3),
        )


class ResultLog:
    """Append-only JSON-lines log of redacted scenario results, written under
    `<path>.partial` and renamed to `path` once complete and fsync'd."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self._handle = open(self.partial, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.tally = Tally()

    def append(self, index: int, scenario: ScenarioResult) -> None:
        self._handle.write(f'{{"i":{int(index)},"r":{scenario.model_dump_json(exclude_defaults=True)}}}\n')
        self.tally.add(scenario)

    def close(self) -> Path:
        """Flush, fsync and give the log its final name."""
        if not self._handle.closed:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self.partial, self.path)
        return self.path

    def discard(self) -> None:
        """A run that broke off leaves no log under the final name."""
        if not self._handle.closed:
            self._handle.close()
        self.partial.unlink(missing_ok=True)

    def __enter__(self) -> ResultLog:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def write_log(scenarios: Iterable[ScenarioResult], path: Path) -> Path:
    """An in-memory run's results as a log (planned order = the order given)."""
    with ResultLog(path) as log:
        for index, scenario in enumerate(scenarios):
            log.append(index, scenario)
    return log.path


@dataclass
class Group:
    """The scenarios of one feature (or feature file) in a log, with the figures a
    report header needs, computed in the indexing pass."""

    key: tuple[str, ...]
    first: int  # planned index of its first scenario: features come in planned order
    tests: int = 0
    counts: Counter = field(default_factory=Counter)
    duration_s: float = 0.0
    requirements: set[str] = field(default_factory=set)
    head: dict[str, Any] = field(default_factory=dict)  # feature fields of its first scenario
    order: array = field(default_factory=lambda: array("q"))  # positions in the index, planned order


class ResultIndex:
    """Byte offsets of the results in one or more logs (in the order given; each
    log's planned indices follow the previous log's), for streaming them back in
    planned order, grouped by feature. Memory: a few integers per scenario."""

    def __init__(self, paths: Iterable[Path | str]) -> None:
        self.paths = [Path(p) for p in paths]
        self._file = array("l")
        self._offset = array("q")
        self._planned = array("q")
        self.requirements: dict[str, Counter] = {}
        base = 0
        for number, path in enumerate(self.paths):
            top = -1
            with open(path, "rb") as handle:
                offset = 0
                for line in handle:
                    if line.strip():
                        index = json.loads(line[: line.index(b',"r":')] + b"}")["i"]
                        self._file.append(number)
                        self._offset.append(offset)
                        self._planned.append(base + index)
                        top = max(top, index)
                    offset += len(line)
            base += top + 1

    def __len__(self) -> int:
        return len(self._offset)

    def _read(self, handles: dict[int, Any], position: int) -> ScenarioResult:
        number = self._file[position]
        handle = handles.get(number)
        if handle is None:
            handle = handles[number] = open(self.paths[number], "rb")  # noqa: SIM115 - closed by the caller
        handle.seek(self._offset[position])
        return ScenarioResult.model_validate(json.loads(handle.readline())["r"])

    def groups(self, by: str = "feature") -> list[Group]:
        """Scenarios grouped by (feature, feature_file) (`by="feature"`, JUnit's suites)
        or by feature_file (`by="file"`, Cucumber's features), in planned order; one
        streaming pass over the logs, which also tallies the requirements."""
        groups: dict[tuple[str, ...], Group] = {}
        self.requirements = {}
        for position, scenario in self._in_planned_order():
            key = (scenario.feature_file,) if by == "file" else (scenario.feature, scenario.feature_file)
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(key=key, first=self._planned[position], head={
                    "feature": scenario.feature, "feature_file": scenario.feature_file,
                    "feature_line": scenario.feature_line, "feature_description": scenario.feature_description,
                    "feature_tags": scenario.feature_tags, "tag_lines": scenario.tag_lines,
                })
            group.tests += 1
            group.counts[scenario.status] += 1
            group.duration_s += scenario.duration_s
            group.requirements.update(scenario.requirement_ids)
            group.order.append(position)
            for requirement in scenario.requirement_ids or [""]:
                self.requirements.setdefault(requirement, Counter())[scenario.status] += 1
        return sorted(groups.values(), key=lambda g: g.first)

    def _in_planned_order(self) -> Iterator[tuple[int, ScenarioResult]]:
        order = sorted(range(len(self._planned)), key=self._planned.__getitem__)
        handles: dict[int, Any] = {}
        try:
            for position in order:
                yield position, self._read(handles, position)
        finally:
            for handle in handles.values():
                handle.close()

    def scenarios(self, group: Group | None = None) -> Iterator[ScenarioResult]:
        """The results of `group` (or of the whole run), in planned order."""
        if group is None:
            for _, scenario in self._in_planned_order():
                yield scenario
            return
        handles: dict[int, Any] = {}
        try:
            for position in group.order:
                yield self._read(handles, position)
        finally:
            for handle in handles.values():
                handle.close()
