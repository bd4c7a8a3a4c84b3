"""The console of a CLI run: the summary of a big schema fits a screen, and Prefect's
bookkeeping lines stay in the run's logs (flows/console.py)."""

from __future__ import annotations

import io
import logging

from rich.console import Console

from flows.cli import common
from flows.cli.mockdata import _render_summary
from flows.console import QuietConsole
from tasks.rows.summary import MockdataSummary, TableSummary


def _summary(tables: int) -> MockdataSummary:
    return MockdataSummary(
        out_dir="/tmp/out", seed=1, locale="en_US", format="parquet", rows=tables * 1000, seconds=1.0,
        generation_seconds=0.5, rows_per_s=1000.0, peak_rss_mib=100.0, generators_dir="/tmp/out/generators",
        tables=[TableSummary(name=f"table_{i:02d}_with_a_longer_name", rows=1000, columns=9, files=["a.parquet"],
                             bytes=2**20, seconds=0.1, rows_per_s=10_000.0, peak_rss_mib=90.0,
                             checks="1,000 rows; unique: id, code; FK: parent_id -> table_00.id")
                for i in range(tables)],
        mapping={"heuristic": [f"table_{i:02d}.c" for i in range(tables * 9)]}, llm="every column placed without the LLM",
    )


def _rendered(summary: MockdataSummary, width: int) -> str:
    buffer = io.StringIO()
    previous = common.stdout, common.STATE.json
    common.stdout, common.STATE.json = Console(file=buffer, width=width, force_terminal=False), False
    try:
        _render_summary(summary)
    finally:
        common.stdout, common.STATE.json = previous
    return buffer.getvalue()


def test_a_70_table_summary_fits_a_screen_on_a_narrow_terminal() -> None:
    text = _rendered(_summary(70), width=80)
    assert len(text.splitlines()) <= 30, text
    assert "70 tables" in text and "and 50 more" in text and "every table passed" in text


def test_a_small_schema_keeps_its_per_table_checks() -> None:
    text = _rendered(_summary(3), width=160)
    assert "FK: parent_id -> table_00.id" in text
    assert text.count("table_0") >= 3


def _record(name: str, message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_prefect_bookkeeping_leaves_the_console_and_the_pipelines_lines_stay() -> None:
    quiet = QuietConsole(keep_links=False)
    assert not quiet.filter(_record("prefect.task_runs", "Finished in state Completed()"))
    assert not quiet.filter(_record("prefect.flow_runs", "Beginning flow run 'x' for flow 'mockdata'"))
    assert not quiet.filter(_record("prefect.flow_runs", "View at http://127.0.0.1:1/runs/flow-run/1"))
    assert quiet.filter(_record("prefect.flow_runs", "wrote 1,000 rows in 1.00 s"))
    assert quiet.filter(_record("prefect.task_runs", "Finished in state Failed('boom')", logging.ERROR))
    assert QuietConsole(keep_links=True).filter(_record("prefect.flow_runs", "View at http://127.0.0.1:1/x"))


def test_a_dumps_skipped_statements_are_one_line_and_other_warnings_stay() -> None:
    summary = _summary(3)
    summary.warnings = ["skipped 106 OWNER TO statements (first at line 26)",
                        "skipped 1 extension statement (first at line 489)",
                        "film.length_hours: generated (computed) column left out; the database computes it"]
    text = _rendered(summary, width=200)
    assert "skipped statements (first line): 106 OWNER TO (26), 1 extension (489)" in text
    assert text.count("OWNER TO") == 1
    assert "warning: film.length_hours: generated (computed) column left out" in text


def test_a_schemas_warnings_reach_the_run_log_but_not_the_console_twice() -> None:
    record = _record("prefect.task_runs", "shop.sql: skipped 1 index statement", logging.WARNING)
    record.qaflow_in_summary = True
    assert not QuietConsole(keep_links=True).filter(record)
