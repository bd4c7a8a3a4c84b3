"""The mockdata stage tasks as plain functions (`task.fn`), the run's arguments, its summary,
publishing, and the CLI's parsing of choices; no Prefect API is started here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import get_args

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.failures import is_expected
from tasks.codegen.paths import GENERATORS_DIR, table_folders
from tasks.codegen.providers import list_providers
from tasks.codegen.standalone import write_standalone
from tasks.codegen.steps import map_columns, render_generators
from tasks.generator_runtime.writer import FORMATS
from tasks.load.steps import load_mockdata
from tasks.rows.options import BadArgument, Format, check_arguments
from tasks.rows.publish import publish, staging_folder
from tasks.rows.shards import plan_shards
from tasks.rows.steps import validate_table, warm_pools, write_shard
from tasks.rows.summary import MockdataSummary, summarize
from tasks.rows.validate import TableCheck, tables_read
from tasks.schema import read_schema_file
from tasks.schema.steps import read_schema
from tests.codegen.conftest import POOL_CACHE

SHOP = Path(__file__).resolve().parents[2] / "examples" / "schemas" / "shop.sql"
ROWS = {"customers": 600, "products": 20, "orders": 700, "order_items": 900}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[MockdataSummary, Path]:
    """The flow's stages, in its order, through each task's plain function; then publish and summarize."""
    out = tmp_path_factory.mktemp("shop")
    spec = read_schema.fn(str(SHOP))
    plan = map_columns.fn(spec, ROWS, "en_US")
    folders = table_folders(t.name for t in plan.tables)
    with staging_folder(out) as staging:
        modules = render_generators.fn(plan, spec, str(staging / GENERATORS_DIR), 256, str(POOL_CACHE))
        assert warm_pools.fn(plan, str(POOL_CACHE))  # the pool groups the plan draws from
        written = [write_shard.fn(modules[t.name], part, 5, "parquet", "en_US", str(POOL_CACHE))
                   for t in plan.tables
                   for part in plan_shards(t.name, t.rows, staging / folders[t.name], shards=2, batch_size=256)]
        checks = [validate_table.fn(plan, t, str(staging), "parquet") for t in plan.tables]
        publish(staging, out, [*folders.values(), GENERATORS_DIR], checks)
    assert not staging.exists()  # the staging folder goes whatever happens
    summary = summarize(plan, list(reversed(written)), checks, folders, out, schema_name="shop.sql", seed=5,
                        fmt="parquet", seconds=2.0, generation_seconds=1.0)
    return summary, out


def test_the_stage_tasks_write_checked_tables_and_the_summary_reports_them(run):
    summary, out = run
    assert [t.name for t in summary.tables] == list(ROWS)
    assert summary.rows == sum(ROWS.values()) and summary.rows_per_s == summary.rows  # in 1.0 s
    for table in summary.tables:
        assert table.files == sorted(str(p) for p in (out / table.name).glob("part-*.parquet"))  # shard order
        assert sum(pq.ParquetFile(f).metadata.num_rows for f in table.files) == ROWS[table.name]
        assert table.checks.startswith(f"{ROWS[table.name]:,} rows") and table.peak_rss_mib > 0
    assert "FK: customer_id -> customers.id" in summary.tables[2].checks
    assert summary.peak_rss_mib >= max(t.peak_rss_mib for t in summary.tables)
    assert sorted(p.name for p in (out / GENERATORS_DIR).iterdir()) == sorted(
        [f"{name}_generator.py" for name in ROWS] + ["mapping.yaml"])
    rows = summary.table_rows()
    assert [r["table"] for r in rows] == list(ROWS) and rows[0]["rows"] == 600 and rows[0]["files"] == 2
    assert set(rows[0]) == {"table", "rows", "columns", "files", "MB", "rows/s", "peak RSS MiB", "checks"}
    text = summary.markdown()
    assert text.startswith("**mockdata** 2,220 rows of shop.sql in 2.00 s (2,220 rows/s generating), seed 5")
    assert f"Mapping: {summary.mapping_line()}. LLM: {summary.llm}" in text
    assert summary.headline() == "2,220 rows in 2.00 s (2,220 rows/s generating), seed 5"
    assert summary.checks_line().startswith("4 tables, 7 files, ")  # products: one batch, one file
    assert "schema_name" not in summary.model_dump()  # the JSON the CLI prints keeps its keys


def test_the_tables_a_check_reads_are_its_own_and_its_parents(run):
    spec = read_schema_file(SHOP)
    plan = map_columns.fn(spec, 10)
    assert tables_read(plan.table("orders")) == {"orders", "customers"}
    assert tables_read(plan.table("order_items")) == {"order_items", "orders", "products"}
    assert tables_read(plan.table("customers")) == {"customers"}


def test_nothing_is_published_when_a_check_failed(tmp_path):
    out = tmp_path / "out"
    (out / "t").mkdir(parents=True)
    (out / "t" / "part-00000.parquet").write_bytes(b"old")
    bad = TableCheck(table="t", rows_expected=5, rows_found=4, files=[], bytes=0,
                     problems=["t: expected 5 rows, found 4"])
    with pytest.raises(RuntimeError, match="failed its checks: t: expected 5 rows, found 4"), \
            staging_folder(out) as staging:
        (staging / "t").mkdir(parents=True)
        (staging / "t" / "part-00000.parquet").write_bytes(b"new")
        publish(staging, out, ["t"], [bad])
    assert (out / "t" / "part-00000.parquet").read_bytes() == b"old"
    assert [p.name for p in out.iterdir()] == ["t"]  # and the staging folder is gone


def test_warnings_split_into_skipped_statements_and_the_rest(run):
    summary = run[0].model_copy(update={"warnings": [
        "skipped 1006 OWNER TO statements (first at line 26)", "t.c: something else",
        "skipped 1 extension statement (first at line 4)"]})
    assert summary.skipped_line() == "skipped statements (first line): 1,006 OWNER TO (26), 1 extension (4)"
    assert summary.other_warnings() == ["t.c: something else"]
    assert run[0].model_copy(update={"warnings": ["t.c: x"]}).skipped_line() is None


def test_check_arguments_names_each_bad_value(tmp_path, monkeypatch):
    assert check_arguments({"a": 1}, tmp_path / "new", "ko_KR", 2, 0.5) == (tmp_path / "new").resolve()
    for args, message in [
        ((0, tmp_path, "en_US", None, None), "rows must be a positive integer, got 0"),
        (({"a": 3, "b": 0}, tmp_path, "en_US", None, None), "rows must be a positive integer"),
        ((True, tmp_path, "en_US", None, None), "rows must be a positive integer"),
        ((5, tmp_path, "en_US", 0, None), "shards must be positive, got 0"),
        ((5, tmp_path, "en-US;", None, None), "not a locale: 'en-US;'"),
        ((5, tmp_path, "en_US", None, 1.5), "null_rate must be between 0 and 1, got 1.5"),
    ]:
        with pytest.raises(BadArgument, match=message):
            check_arguments(*args)
    (tmp_path / "file").write_text("")
    with pytest.raises(BadArgument, match="cannot write to the output folder"):
        check_arguments(5, tmp_path / "file" / "out", "en_US", None, None)
    monkeypatch.setitem(sys.modules, "prefect_dask", None)  # as if the dask extra were not installed
    with pytest.raises(BadArgument, match=r"needs the dask extra: pip install 'qaflow\[dask\]'"):
        check_arguments(5, tmp_path, "en_US", None, None, "dask")
    assert is_expected(BadArgument("x"))  # a run fails with its one line, no traceback
    assert set(get_args(Format)) == set(FORMATS)  # the choices are the writer's formats


@pytest.mark.parametrize(("option", "value", "choices"), [
    ("--format", "xml", "'parquet', 'csv', 'jsonl'"), ("--mode", "fork", "'thread', 'process'"),
    ("--runner", "spark", "'local', 'dask'"), ("--shards", "0", "greater than or equal to 1"),
])
def test_the_cli_refuses_a_bad_choice_while_parsing(tmp_path, option, value, choices):
    from flows.cli import app

    result = CliRunner().invoke(app, ["mockdata", "generate", str(SHOP), "--rows", "5", "--out",
                                      str(tmp_path / "o"), option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output and choices in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "o").exists()


def test_codegen_writes_one_table_to_a_file_and_providers_list_a_family(tmp_path):
    result = write_standalone(read_schema_file(SHOP), tmp_path / "c.py", source=str(SHOP), rows=50,
                              table="customers")
    assert result.modules == {"customers": str((tmp_path / "c.py").resolve())}
    assert Path(result.mapping) == (tmp_path / "mapping.yaml").resolve() and "customers.email" in result.mapped[
        "heuristic"]
    with pytest.raises(ValueError, match="one .py file takes one table"):
        write_standalone(read_schema_file(SHOP), tmp_path / "all.py", source=str(SHOP), rows=50)
    assert not (tmp_path / "all.py").exists()
    person = list_providers("person")
    assert person and {p["family"] for p in person} == {"person"}
    assert [p["name"] for p in person] == sorted(p["name"] for p in person)


def test_load_refuses_a_password_in_the_url_before_connecting(tmp_path):
    with pytest.raises(ValueError, match="a password in the load URL would be stored with the flow run"):
        load_mockdata.fn(str(tmp_path), "postgresql://qa:secret@127.0.0.1:1/db")
