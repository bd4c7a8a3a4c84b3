"""What a mockdata run produced: the typed result the flow returns.

`summarize(...)` builds it from the plan, the shards' results and the checks;
`.table_rows()` and `.markdown()` are the Prefect artifact, and the CLI prints
the same model (`.headline()`, `.mapping_line()`, `.checks_line()`, the
warnings split by `.skipped_line()` / `.other_warnings()`), or dumps it with
--json. Memory is in MiB (tasks.memory).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from tasks.codegen.paths import GENERATORS_DIR
from tasks.codegen.plan import Plan, TablePlan
from tasks.load.summary import LoadSummary
from tasks.memory import peak_rss_mib
from tasks.rows.publish import renamed_folders
from tasks.rows.run import ShardResult
from tasks.rows.validate import TableCheck

__all__ = ["MockdataSummary", "TableSummary", "checks_text", "summarize"]

# "skipped 106 OWNER TO statements (first at line 26)": a dump's statements qaflow does not model
SKIPPED = re.compile(r"skipped (?P<count>\d+) (?P<kind>.+?) statements? \(first at line (?P<line>\d+)\)$")


class TableSummary(BaseModel):
    """One generated table."""

    name: str
    rows: int
    columns: int
    folder: str = Field(default="", description="Its folder under out_dir (the name, made safe if need be).")
    files: list[str]
    bytes: int
    seconds: float
    rows_per_s: float
    peak_rss_mib: float
    checks: str


class MockdataSummary(BaseModel):
    """What a mockdata run produced (returned by the flow, shown by the CLI)."""

    out_dir: str
    seed: int
    locale: str
    format: str
    rows: int
    seconds: float
    generation_seconds: float
    rows_per_s: float
    peak_rss_mib: float
    tables: list[TableSummary]
    generators_dir: str
    mapping: dict[str, list[str]] = Field(description="table.column names by how they were mapped")
    llm: str
    llm_usage: dict[str, int] = Field(default_factory=dict, description="LLMUsage numbers of this run's mapping.")
    fallbacks: dict[str, str] = Field(default_factory=dict, description="table.column -> why it kept its fallback")
    learned: dict[str, str] = Field(default_factory=dict, description="table.column -> what its generator "
                                    "learned from the sample file the schema was inferred from")
    columns: dict[str, str] = Field(default_factory=dict,
                                    description="table.column -> the generator it got and why (as in mapping.yaml)")
    warnings: list[str] = Field(default_factory=list)
    load: LoadSummary | None = Field(default=None, description="The load into a database, when asked for.")
    schema_name: str = Field(default="", exclude=True, description="The schema file's name (artifact text only).")

    def table_rows(self) -> list[dict[str, object]]:
        """One row per table for the Prefect table artifact."""
        return [{"table": t.name, "rows": t.rows, "columns": t.columns, "files": len(t.files),
                 "MB": round(t.bytes / 2**20, 2), "rows/s": t.rows_per_s, "peak RSS MiB": t.peak_rss_mib,
                 "checks": t.checks} for t in self.tables]

    def markdown(self) -> str:
        """The artifact's description: what was written where, and how the columns were mapped."""
        return (f"**mockdata** {self.rows:,} rows of {self.schema_name or 'the schema'} in {self.seconds:.2f} s "
                f"({self.rows_per_s:,.0f} rows/s generating), seed {self.seed}, locale {self.locale}, "
                f"{self.format} under `{self.out_dir}`.\n\nMapping: {self.mapping_line()}. LLM: {self.llm}")

    def headline(self) -> str:
        """`N rows in S s (R rows/s generating), seed X`."""
        return (f"{self.rows:,} rows in {self.seconds:.2f} s ({self.rows_per_s:,.0f} rows/s generating), "
                f"seed {self.seed}")

    def mapping_line(self) -> str:
        """How many columns were mapped each way: `spec 2, heuristic 30, llm 0, fallback 2`."""
        return ", ".join(f"{how} {len(cols)}" for how, cols in self.mapping.items())

    def checks_line(self) -> str:
        """One line for all tables (the compact console summary of a large schema)."""
        files = sum(len(t.files) for t in self.tables)
        megabytes = sum(t.bytes for t in self.tables) / 2**20
        return (f"{len(self.tables)} tables, {files} files, {megabytes:,.1f} MB; every table passed its checks "
                "(row counts, unique keys, foreign keys; each table's with --json)")

    def skipped_line(self) -> str | None:
        """A dump's skipped statements as one line, each kind with its count and first line (None: none)."""
        skipped = [m for m in map(SKIPPED.match, self.warnings) if m]
        if not skipped:
            return None
        return "skipped statements (first line): " + ", ".join(
            f"{int(m['count']):,} {m['kind']} ({m['line']})" for m in skipped)

    def other_warnings(self) -> list[str]:
        """The warnings that are not a count of skipped statements."""
        return [w for w in self.warnings if not SKIPPED.match(w)]

    def plain_text(self) -> str:
        """A few plain lines: the totals, then one line per table (what the demo prints)."""
        lines = [f"mockdata: {self.rows:,} rows in {self.generation_seconds:.2f} s "
                 f"({self.rows_per_s:,.0f} rows/s) -> {self.out_dir}"]
        lines += [f"  {t.name:12s} {t.rows:>10,} rows  {t.rows_per_s:>12,.0f} rows/s  "
                  f"{t.bytes / 2**20:8.1f} MB  {t.checks}" for t in self.tables]
        return "\n".join(lines)

    def demo_result(self) -> dict[str, object]:
        """What `qaflow demo` collects from this pipeline."""
        return {"out_dir": self.out_dir, "rows": self.rows, "rows_per_s": self.rows_per_s, "seconds": self.seconds,
                "generators": self.generators_dir, "tables": {t.name: t.files for t in self.tables}}


def checks_text(check: TableCheck) -> str:
    """What was checked on one table, as one line: `3,000 rows; unique: id, email; FK: ...`."""
    done = [f"{check.rows_found:,} rows"]
    if check.unique_checked:
        done.append(f"unique: {', '.join(check.unique_checked)}")
    if check.foreign_keys_checked:
        done.append(f"FK: {', '.join(check.foreign_keys_checked)}")
    if check.not_null_checked:
        done.append(f"NOT NULL: {len(check.not_null_checked)} column(s)")
    if check.ranges_checked:
        done.append(f"in type range: {', '.join(check.ranges_checked)}")
    return "; ".join(done + check.skipped)


def _table(table: TablePlan, check: TableCheck, parts: list[ShardResult], folder: str, out: Path) -> TableSummary:
    seconds = max(p.seconds for p in parts)
    return TableSummary(
        name=table.name, rows=table.rows, columns=len(table.columns), folder=folder,
        files=[str(out / folder / Path(p.path).name) for p in parts], bytes=check.bytes,
        seconds=round(seconds, 3), rows_per_s=round(table.rows / max(seconds, 1e-9)),
        peak_rss_mib=round(max(p.peak_rss_mib for p in parts), 1), checks=checks_text(check),
    )


def summarize(plan: Plan, shards: list[ShardResult], checks: list[TableCheck], folders: dict[str, str], out: Path,
              *, schema_name: str, seed: int, fmt: str, seconds: float, generation_seconds: float) -> MockdataSummary:
    """The run's summary: `checks` in the plan's table order, `shards` in any order."""
    parts: dict[str, list[ShardResult]] = {t.name: [] for t in plan.tables}
    for shard in sorted(shards, key=lambda s: s.index):
        parts[shard.table].append(shard)
    tables = [_table(t, check, parts[t.name], folders[t.name], out)
              for t, check in zip(plan.tables, checks, strict=True)]
    rows = sum(t.rows for t in plan.tables)
    columns = [(t.name, c) for t in plan.tables for c in t.columns]
    return MockdataSummary(
        out_dir=str(out), seed=seed, locale=plan.locale, format=fmt, rows=rows, seconds=round(seconds, 3),
        generation_seconds=round(generation_seconds, 3), rows_per_s=round(rows / max(generation_seconds, 1e-9)),
        peak_rss_mib=round(max(peak_rss_mib(), *(t.peak_rss_mib for t in tables)), 1),
        tables=tables, generators_dir=str(out / GENERATORS_DIR), mapping=plan.columns_by_how(),
        llm=plan.summary.llm_note, llm_usage=plan.summary.llm_usage,
        fallbacks={f"{t}.{c.name}": c.reason for t, c in columns if c.how == "fallback"},
        learned={f"{t}.{c.name}": c.reason.removeprefix("learned from the sample: ") for t, c in columns
                 if c.reason.startswith("learned from the sample")},
        columns={f"{t}.{c.name}": f"{c.generator} ({c.how}: {c.reason})" for t, c in columns},
        warnings=[*plan.warnings, *renamed_folders(folders)], schema_name=schema_name,
    )
