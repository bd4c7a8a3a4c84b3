"""Reports of a bdd run: JUnit XML, Cucumber JSON and a self-contained HTML page.

    paths = write_reports(result, Path("out/reports"))
    # {"junit": .../junit.xml, "cucumber": .../cucumber.json, "html": .../report.html}

Every file is written whole (temporary file, then rename), by streaming over the
run's JSON-lines results log (tasks/execution/result_log.py), so a run of any
size is reported in flat memory; a big run's HTML report is paged. The results were
redacted by the runner (tasks/execution/redaction.py: every secret of the target's
auth profiles, in its raw, URL-encoded, JSON-escaped and base64 shapes, credential
headers masked, bodies redacted whole before they are cut); nothing here sees a secret.

Beside the reports: `summary.py` (BddSummary, the run's result and summary.json),
`steps.py` (the bdd flow's Prefect task, report_run) and `direct.py` (`bdd execute`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tasks.execution.result_log import ResultIndex, write_log
from tasks.execution.results import RunResult
from tasks.files import streaming_atomic
from tasks.reports.cucumber import write_cucumber
from tasks.reports.html import write_html
from tasks.reports.junit import write_junit

DEFAULT_TITLE = "qaflow bdd report"


def write_reports(result: RunResult, out_dir: Path, title: str = DEFAULT_TITLE,
                  llm_usage: dict[str, int] | None = None) -> dict[str, Path]:
    """Write junit.xml, cucumber.json and report.html (with report-pages/ for a big run)
    into `out_dir`; returns their paths. `llm_usage` (the run's LLMUsage numbers) is shown
    in the HTML report.

    Every report streams from the run's results log (`result.logs`, written by the runner
    as scenarios finished); an in-memory run is first written to a temporary log. Memory
    holds a few integers per scenario and one page of the HTML report, whatever the size."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch: Path | None = None
    try:
        if result.logs:
            logs = [Path(p) for p in result.logs]
        else:
            scratch = Path(tempfile.mkdtemp(prefix=".results-", dir=out_dir))
            logs = [write_log(result.scenarios, scratch / "results.jsonl")]
        index = ResultIndex(logs)
        with streaming_atomic(out_dir / "junit.xml") as handle:
            write_junit(handle, result, index, title)
        with streaming_atomic(out_dir / "cucumber.json") as handle:
            write_cucumber(handle, index, result.not_run)
        html = write_html(out_dir / "report.html", result, index, title, llm_usage)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return {"junit": out_dir / "junit.xml", "cucumber": out_dir / "cucumber.json", "html": html}


__all__ = ["DEFAULT_TITLE", "write_reports"]
