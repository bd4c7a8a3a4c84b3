"""The database password never reaches logs, summaries, artifacts or flow-run parameters."""

from __future__ import annotations

import json
import os

import psycopg
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.sorting import FlowRunSort
from typer.testing import CliRunner

from blocks.database import Database
from flows.cli import app
from flows.local_server import free_port
from flows.mockdata import mockdata_pipeline
from tasks.load import load_output
from tasks.settings import project_root

pytestmark = [pytest.mark.server, pytest.mark.usefixtures("prefect_api")]

SHOP = str(project_root() / "examples" / "schemas" / "shop.sql")
ROWS = {"customers": 300, "products": 20, "orders": 300, "order_items": 300}


def _everything_about(flow_run_id) -> str:
    """The run's parameters, logs and artifacts, as the API returns them."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        tasks = client.read_task_runs()
    return json.dumps([run.model_dump(mode="json"), [log.model_dump(mode="json") for log in logs],
                       [a.model_dump(mode="json") for a in artifacts],
                       [t.model_dump(mode="json") for t in tasks if t.flow_run_id == flow_run_id]])


def test_deployment_style_run_takes_the_block_name(pg_server, tmp_path):
    database = pg_server.new_database()
    Database(host=pg_server.host, port=pg_server.port, database=database, user=pg_server.user,
             password=pg_server.password, sslmode="disable").save("load-test-db", overwrite=True)
    state = mockdata_pipeline(SHOP, ROWS, str(tmp_path / "shop"), seed=1, load="load-test-db", return_state=True)
    summary = state.result()
    assert summary.load.ok and summary.load.rows == sum(ROWS.values())
    assert summary.load.database == f"postgresql://postgres@127.0.0.1:{pg_server.port}/{database}"
    seen = _everything_about(state.state_details.flow_run_id)
    assert '"load": "load-test-db"' in seen and "mockdata-load" in seen  # the run and its load artifact
    assert pg_server.password not in seen
    assert pg_server.password not in summary.model_dump_json()
    with psycopg.connect(pg_server.dsn(database)) as conn:
        assert conn.execute("SELECT count(*) FROM order_items").fetchone()[0] == 300
    # the nightly reseed: the same run again empties and reloads
    again = mockdata_pipeline(SHOP, ROWS, str(tmp_path / "shop"), seed=2, load="load-test-db")
    assert again.load.ok and again.load.truncated
    # and `qaflow mockdata load --database NAME` reads the same block
    result = CliRunner().invoke(app, ["mockdata", "load", str(tmp_path / "shop"), "--database", "load-test-db",
                                      "--truncate", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 920 and pg_server.password not in result.output


def test_cli_generate_with_a_password_in_the_url_keeps_it_out_of_the_run(pg_server, tmp_path, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    database = pg_server.new_database()
    dsn = pg_server.dsn(database)
    assert pg_server.password in dsn
    result = CliRunner().invoke(app, ["mockdata", "generate", SHOP, "--rows", "200", "--out", str(tmp_path / "o"),
                                      "--seed", "5", "--load", dsn, "--json"])
    os.environ.pop("PGPASSWORD", None)  # the CLI handed the password to libpq this way
    assert result.exit_code == 0, result.output
    assert pg_server.password not in result.output
    summary = json.loads(result.stdout)
    assert summary["load"]["rows"] == 800 and not [t for t in summary["load"]["tables"] if t["status"] != "loaded"]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=50, sort=FlowRunSort.START_TIME_DESC)  # the session has many runs
    mine = [r for r in runs if r.parameters.get("out_dir") == str(tmp_path / "o")]
    assert len(mine) == 1 and mine[0].parameters["load"].startswith("postgresql://postgres@127.0.0.1")
    assert pg_server.password not in _everything_about(mine[0].id)


def test_a_password_in_a_flow_parameter_is_refused(pg_server, tmp_path):
    state = mockdata_pipeline(SHOP, 50, str(tmp_path / "x"), seed=1, load=pg_server.dsn(pg_server.new_database()),
                              return_state=True)
    assert state.is_failed()
    with pytest.raises(ValueError, match="Database block"):
        state.result()


def test_wrong_password_error_does_not_echo_it(pg_server, tmp_path):
    guess = "Wrong-Guess-" + pg_server.password[::-1]
    out = tmp_path / "o"
    mockdata_pipeline(SHOP, 20, str(out), seed=1)
    with pytest.raises(ConnectionError) as caught:
        load_output(out, f"postgresql://postgres:{guess}@127.0.0.1:{pg_server.port}/postgres")
    assert "password authentication failed" in str(caught.value)
    assert guess not in str(caught.value) and "postgresql://postgres@127.0.0.1" in str(caught.value)


def test_unreachable_server_is_retried_then_named(tmp_path):
    free = free_port()  # nothing listens there
    state = mockdata_pipeline(SHOP, 20, str(tmp_path / "x"), seed=1, load=f"postgresql://qa@127.0.0.1:{free}/db",
                              return_state=True)
    assert state.is_failed()
    with pytest.raises(ConnectionError, match=f"cannot connect to postgresql://qa@127.0.0.1:{free}/db"):
        state.result()
    with get_client(sync_client=True) as client:
        runs = [t for t in client.read_task_runs() if t.flow_run_id == state.state_details.flow_run_id
                and t.name.startswith("load-into-database")]
    assert len(runs) == 1 and runs[0].run_count == 3  # two retries, then the error
