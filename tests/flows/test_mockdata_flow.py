"""The mockdata flow under a real Prefect API: files, summary, artifact, the CLI, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from typer.testing import CliRunner

from flows.mockdata import mockdata_pipeline
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec
from tasks.schema.yamlspec import write_yaml_spec
from tasks.settings import project_root

pytestmark = pytest.mark.usefixtures("prefect_api")

SHOP = str(project_root() / "examples" / "schemas" / "shop.sql")
ROWS = {"customers": 3000, "products": 40, "orders": 4000, "order_items": 5000}


def _artifacts(flow_run_id) -> list:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))


def test_flow_writes_every_table_checks_it_and_reports(tmp_path):
    out = tmp_path / "shop"
    state = mockdata_pipeline(SHOP, ROWS, str(out), seed=3, shards=2, batch_size=1024, return_state=True)
    summary = state.result()
    assert summary.seed == 3 and summary.rows == sum(ROWS.values())
    assert [t.name for t in summary.tables] == ["customers", "products", "orders", "order_items"]
    for table in summary.tables:
        files = sorted((out / table.name).glob("part-*.parquet"))
        assert [str(f) for f in files] == table.files
        assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == ROWS[table.name]
        assert table.rows_per_s > 0 and table.peak_rss_mib > 0 and table.bytes > 0
    assert len(summary.tables[0].files) == 2 and len(summary.tables[1].files) == 1
    assert "FK: customer_id -> customers.id" in summary.tables[2].checks
    assert "unique: id, email" in summary.tables[0].checks
    assert len(summary.mapping["heuristic"]) == 34 and summary.mapping["fallback"] == []
    assert summary.llm  # says what the LLM did (nothing, offline)
    gen = Path(summary.generators_dir)
    assert sorted(p.name for p in gen.iterdir()) == [
        "customers_generator.py", "mapping.yaml", "order_items_generator.py", "orders_generator.py",
        "products_generator.py", "source.json"]  # source.json: the schema behind the rows (tasks/load)
    assert sorted(p.name for p in out.iterdir()) == ["customers", "generators", "order_items", "orders", "products"]
    (artifact,) = _artifacts(state.state_details.flow_run_id)
    assert artifact.key == "mockdata-summary" and artifact.type == "table"
    rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert [r["table"] for r in rows] == ["customers", "products", "orders", "order_items"]
    assert {"rows", "columns", "files", "MB", "rows/s", "peak RSS MiB"} <= set(rows[0])
    # the same seed with one shard per table gives the same rows
    again = mockdata_pipeline(SHOP, ROWS, str(tmp_path / "again"), seed=3, shards=1, batch_size=1024)
    for name in ROWS:
        assert pq.read_table(tmp_path / "again" / name).equals(pq.read_table(out / name)), name
    assert again.tables[0].files[0].endswith("part-00000.parquet")


def test_cli_generate_prints_json_and_codegen_and_providers(tmp_path):
    from flows.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["mockdata", "generate", SHOP, "--rows", "500", "--out", str(tmp_path / "o"),
                                 "--seed", "1", "--format", "csv", "--table-rows", "products=20", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["format"] == "csv" and summary["rows"] == 500 * 3 + 20
    assert (tmp_path / "o" / "orders" / "part-00000.csv").read_text().startswith('"id","customer_id"')
    result = runner.invoke(app, ["mockdata", "providers", "--json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) >= 40
    result = runner.invoke(app, ["mockdata", "codegen", SHOP, "--out", str(tmp_path / "gen"), "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["modules"]) == set(ROWS)
    result = runner.invoke(app, ["mockdata", "generate", SHOP, "--rows", "0", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "--rows must be positive" in result.output
    assert not (tmp_path / "x").exists()


def test_bad_input_gives_clear_errors_and_leaves_nothing_behind(tmp_path):
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        mockdata_pipeline(SHOP, 0, str(tmp_path / "a"))
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(ValueError, match="cannot write to the output folder"):
        mockdata_pipeline(SHOP, 10, str(blocker / "out"))
    orphan = SchemaSpec(source="orphan.yaml", tables=[TableSpec(name="orders", columns=[
        ColumnSpec(name="id", type="integer", primary_key=True, nullable=False),
        ColumnSpec(name="customer_id", type="integer", foreign_key=ForeignKey(table="customers", column="id"))])])
    path = write_yaml_spec(orphan, tmp_path / "orphan.yaml")
    with pytest.raises(ValueError, match="references table 'customers'"):  # SchemaError from the reader
        mockdata_pipeline(str(path), 10, str(tmp_path / "b"))
    # a generator that fails half-way: nothing is left under the output folder
    tight = SchemaSpec(source="tight.yaml", tables=[TableSpec(name="t", columns=[
        ColumnSpec(name="n", type="integer", unique=True, generator="id.unique_int", params={"min": 1, "max": 1500})])])
    path = write_yaml_spec(tight, tmp_path / "tight.yaml")
    with pytest.raises(ValueError, match="do not fit"):
        mockdata_pipeline(str(path), 3000, str(tmp_path / "c"), shards=3, batch_size=1024)
    assert list((tmp_path / "c").iterdir()) == []
