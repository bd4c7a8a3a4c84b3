"""Shards on Dask give the same bytes as shards on the local runner."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flows.mockdata import mockdata_pipeline

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "examples" / "schemas" / "shop.sql"
ROWS = {"customers": 30_000, "products": 500, "orders": 20_000, "order_items": 40_000}


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}


@pytest.mark.usefixtures("prefect_api")
def test_dask_localcluster_output_equals_the_local_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL

    # Dask worker processes report their task runs to the same API as this test.
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    local = mockdata_pipeline(str(SCHEMA), ROWS, str(tmp_path / "local"), seed=7, shards=3, batch_size=8192)
    dask = mockdata_pipeline(str(SCHEMA), ROWS, str(tmp_path / "dask"), seed=7, shards=3, batch_size=8192,
                             runner="dask", workers=2)
    assert dask.rows == local.rows == sum(ROWS.values())
    local_files, dask_files = digests(tmp_path / "local"), digests(tmp_path / "dask")
    assert len(local_files) == 10  # 3 shards per table; products (500 rows) fit one batch
    assert dask_files == local_files


@pytest.mark.usefixtures("prefect_api")
def test_unknown_runner_is_a_clear_error(tmp_path: Path) -> None:
    """The choices are Literal types (tasks/rows/options.py): Prefect refuses another value before the
    flow's body runs, naming the parameter and its choices; nothing is written."""
    from prefect.exceptions import ParameterTypeError

    with pytest.raises(ParameterTypeError, match="runner: Input should be 'local' or 'dask'"):
        mockdata_pipeline(str(SCHEMA), 10, str(tmp_path / "out"), runner="spark")
    assert not (tmp_path / "out").exists()
