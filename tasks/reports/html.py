"""The self-contained HTML report: summary, requirement -> scenario traceability,
every step with its timing, and for failures the HTTP exchange (already
redacted by the runner). Inline CSS and JS only, so it opens from a CI
artifact store or an e-mail attachment with no network.

A big run's report is paged (see `write_html`): the summary opens at once at any
size, and the scenarios come a page at a time from files beside it."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tasks.execution.result_log import STATUSES, ResultIndex
from tasks.execution.results import RunResult, ScenarioResult, requirement_tag
from tasks.files import umask_mode, write_atomic

TEMPLATES = Path(__file__).parent / "templates"
UNTRACED = "(no requirement)"
PAGE_SIZE = 500  # scenarios a page; a run up to this size is one self-contained page
FAILURES_INLINE = 100  # failures shown in full at the top of a paged report
MATRIX_ROWS = 2000  # requirement rows of a paged report
FAILED_PAGE_LINKS = 100
WORST_FIRST = ("error", "failed", "unchecked", "skipped", "passed")  # a requirement shows its worst scenario


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
    env.filters["req"] = requirement_tag
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
        worst = next((st for st in WORST_FIRST if st in statuses), "passed")
        out.append({"id": requirement, "status": worst, "scenarios": items})
    return out


def render_html(result: RunResult, title: str = "qaflow bdd report", llm_usage: dict[str, int] | None = None) -> str:
    """The one-page report of an in-memory run (small runs, tests); `llm_usage` (LLMUsage
    numbers of the run) adds one line under the cards."""
    return _one_page(result, [("sc-" + str(i), s) for i, s in enumerate(result.scenarios)], title, llm_usage)


def _one_page(result: RunResult, anchored: list[tuple[str, ScenarioResult]], title: str,
              llm_usage: dict[str, int] | None) -> str:
    features: dict[str, list[tuple[str, ScenarioResult]]] = defaultdict(list)
    for anchor, scenario in anchored:
        features[f"{scenario.feature}\u0000{scenario.feature_file}"].append((anchor, scenario))
    matrix = _matrix(anchored)
    return _environment().get_template("report.html.j2").render(
        **_top(result, title, llm_usage, {row["id"]: row["status"] for row in matrix if row["id"] != UNTRACED}),
        matrix=matrix,
        features=[
            {"name": key.split("\u0000")[0], "file": key.split("\u0000")[1], "scenarios": items}
            for key, items in features.items()
        ],
        untraced=UNTRACED,
    )


def _top(result: RunResult, title: str, llm_usage: dict[str, int] | None, ran: dict[str, str]) -> dict[str, Any]:
    """The header's figures. The pass rate is over ALL requirements, those that ran (`ran`:
    id -> worst status) and those that did not (`result.not_run`), never only those that ran."""
    totals = result.totals
    scenario_rate = (totals.passed / totals.scenarios * 100) if totals.scenarios else 0.0
    return {"title": title, "result": result, "totals": totals, "scenario_pass_rate": scenario_rate,
            "llm_usage": llm_usage, **result.requirement_figures(ran), **_not_run_rows(result)}


def _not_run_rows(result: RunResult) -> dict[str, Any]:
    """Rows of the traceability table for the requirements that never became a running scenario."""
    labels = {"input-error": "input error", "needs-llm": "needs an LLM", "unsupported": "unsupported"}
    return {"not_run": [{**item.model_dump(), "label": labels[item.kind]} for item in result.not_run]}


def _swap_folder(new: Path, final: Path) -> None:
    """Put the folder `new` in place of `final` (its old content goes)."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def write_html(path: Path, result: RunResult, index: ResultIndex, title: str = "qaflow bdd report",
               llm_usage: dict[str, int] | None = None, page_size: int = PAGE_SIZE) -> Path:
    """Write the HTML report of a run, streaming its results from the log `index`.

    Up to `page_size` scenarios: one self-contained page, everything inline. Beyond: the
    summary, the requirement figures and the first failures inline, and the scenarios on
    pages of `page_size` (the first inline; the others as `<stem>-pages/page-NNNNN.js`,
    loaded on demand with a <script src>, which works from file:// where fetch() does not),
    so the page opens at once at any size and memory holds one page at a time.
    Every file is written whole (temporary file or folder, then rename)."""
    groups = index.groups("feature")
    pages_dir = path.with_name(f"{path.stem}-pages")
    environment = _environment()
    if len(index) <= page_size:
        anchored = [(f"sc-{i}", s) for i, s in enumerate(s for g in groups for s in index.scenarios(g))]
        write_atomic(path, _one_page(result, anchored, title, llm_usage))
        shutil.rmtree(pages_dir, ignore_errors=True)  # a bigger run's pages, left from before
        return path

    page_macro = environment.get_template("_scenario.html.j2").module.page  # type: ignore[attr-defined]
    building = Path(tempfile.mkdtemp(prefix=f".{pages_dir.name}.", dir=path.parent))
    building.chmod(umask_mode(0o777))  # mkdtemp's 0700 would hide the pages from the report's readers
    failures: list[tuple[str, ScenarioResult, int]] = []
    failed_pages: list[int] = []
    first_page = ""
    sections: list[dict[str, Any]] = []
    count = number = 0

    def flush() -> None:
        nonlocal first_page, sections, number
        number += 1
        html = str(page_macro(sections))
        if number == 1:
            first_page = html
        text = f"qaflowPage({number}, {json.dumps(html)});\n"  # ASCII: no </script>, no U+2028 trouble
        (building / f"page-{number:05d}.js").write_text(text, encoding="ascii")
        sections = []

    try:
        for group in groups:
            for scenario in index.scenarios(group):
                if not sections or sections[-1]["key"] != group.key:
                    sections.append({"key": group.key, "name": group.key[0], "file": group.key[1], "scenarios": []})
                sections[-1]["scenarios"].append((f"sc-{count}", scenario))
                if scenario.status in ("failed", "error"):
                    if len(failures) < FAILURES_INLINE:
                        failures.append((f"f-sc-{count}", scenario, count))
                    if not failed_pages or failed_pages[-1] != number + 1:
                        failed_pages.append(number + 1)
                count += 1
                if count % page_size == 0:
                    flush()
        if sections:
            flush()
        _sync_folder(building)
        rows = _requirement_rows(index.requirements)
        html = environment.get_template("report_paged.html.j2").render(
            **_top(result, title, llm_usage, {r["id"]: r["status"] for r in rows if r["id"] != UNTRACED}),
            matrix=rows[:MATRIX_ROWS],
            matrix_left_out=max(0, len(index.requirements) - MATRIX_ROWS),
            failures=failures,
            failures_total=sum(g.counts["failed"] + g.counts["error"] for g in groups),
            pages=number,
            page_size=page_size,
            pages_folder=quote(pages_dir.name),
            failed_pages=failed_pages[:FAILED_PAGE_LINKS],
            failed_pages_left_out=max(0, len(failed_pages) - FAILED_PAGE_LINKS),
            first_page=Markup(first_page),
            untraced=UNTRACED,
        )
        _swap_folder(building, pages_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return write_atomic(path, html)


def _sync_folder(folder: Path) -> None:
    for file in folder.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())


def _requirement_rows(requirements: dict[str, Counter]) -> list[dict[str, Any]]:
    """One row per requirement: how many of its scenarios ended how, worst first."""
    rows = []
    for requirement, counts in requirements.items():
        shown = requirement or UNTRACED
        worst = next((st for st in WORST_FIRST if counts[st]), "passed")
        rows.append({"id": shown, "status": worst, "total": sum(counts.values()), **{k: counts[k] for k in STATUSES}})
    return sorted(rows, key=lambda r: (r["id"] == UNTRACED, _natural(r["id"])))
