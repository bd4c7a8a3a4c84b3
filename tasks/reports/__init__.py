"""Reports of a bdd run: JUnit XML, Cucumber JSON and a self-contained HTML page.

    paths = write_reports(result, Path("out/reports"))
    # {"junit": .../junit.xml, "cucumber": .../cucumber.json, "html": .../report.html}

Every file is written whole (temporary file, then rename). The results were
redacted by the runner; nothing here sees a secret.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect import task

from tasks.execution.results import RunResult
from tasks.reports.cucumber import render_cucumber
from tasks.reports.files import write_atomic
from tasks.reports.html import render_html
from tasks.reports.junit import render_junit

DEFAULT_TITLE = "qaflow bdd report"


def write_reports(result: RunResult, out_dir: Path, title: str = DEFAULT_TITLE) -> dict[str, Path]:
    """Write junit.xml, cucumber.json and report.html into `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "junit": write_atomic(out_dir / "junit.xml", render_junit(result, title)),
        "cucumber": write_atomic(
            out_dir / "cucumber.json", json.dumps(render_cucumber(result), indent=2, ensure_ascii=False)
        ),
        "html": write_atomic(out_dir / "report.html", render_html(result, title)),
    }


@task(name="write-reports")
def write_reports_task(result: RunResult, out_dir: Path, title: str = DEFAULT_TITLE) -> dict[str, Path]:
    """Prefect task around `write_reports` (local files only: no retries)."""
    return write_reports(result, out_dir, title)


__all__ = ["DEFAULT_TITLE", "write_reports", "write_reports_task"]
