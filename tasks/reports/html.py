"""The self-contained HTML report: summary, requirement -> scenario traceability,
every step with its timing, and for failures the HTTP exchange (already
redacted by the runner). Inline CSS and JS only, so it opens from a CI
artifact store or an e-mail attachment with no network."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tasks.execution.results import RunResult, ScenarioResult

TEMPLATES = Path(__file__).parent / "templates"
UNTRACED = "(no requirement)"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ms"] = lambda seconds: f"{seconds * 1000:.1f} ms"
    env.filters["pretty"] = _pretty
    return env


def _pretty(body: str | None) -> str:
    """A JSON body indented for reading; anything else as it came."""
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def _natural(text: str) -> list[Any]:
    """REQ-2 before REQ-10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


def _matrix(scenarios: list[tuple[str, ScenarioResult]]) -> list[dict[str, Any]]:
    rows: dict[str, list[tuple[str, ScenarioResult]]] = defaultdict(list)
    for anchor, scenario in scenarios:
        for requirement in scenario.requirement_ids or [UNTRACED]:
            rows[requirement].append((anchor, scenario))
    out = []
    for requirement in sorted(rows, key=lambda r: (r == UNTRACED, _natural(r))):
        items = rows[requirement]
        statuses = {s.status for _, s in items}
        worst = next((st for st in ("error", "failed", "skipped", "passed") if st in statuses), "passed")
        out.append({"id": requirement, "status": worst, "scenarios": items})
    return out


def render_html(result: RunResult, title: str = "qaflow bdd report") -> str:
    anchored = [(f"sc-{i}", s) for i, s in enumerate(result.scenarios)]
    features: dict[str, list[tuple[str, ScenarioResult]]] = defaultdict(list)
    for anchor, scenario in anchored:
        features[f"{scenario.feature}\u0000{scenario.feature_file}"].append((anchor, scenario))
    totals = result.totals
    rate = (totals.passed / totals.scenarios * 100) if totals.scenarios else 0.0
    return _environment().get_template("report.html.j2").render(
        title=title,
        result=result,
        totals=totals,
        pass_rate=rate,
        matrix=_matrix(anchored),
        features=[
            {"name": key.split("\u0000")[0], "file": key.split("\u0000")[1], "scenarios": items}
            for key, items in features.items()
        ],
        untraced=UNTRACED,
    )
