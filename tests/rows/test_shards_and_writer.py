"""Shard planning, the streaming writer (tuned Parquet, CSV, JSONL, never half-written)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.generator_runtime.kernel import num_array, str_array, uuid_array
from tasks.generator_runtime.writer import parquet_options, uuid_text, write_batches
from tasks.rows.shards import plan_shards


def test_shards_are_batch_aligned_and_cover_every_row(tmp_path):
    parts = plan_shards("t", 1_000_000, tmp_path, shards=3, batch_size=131_072)
    assert [p.start % 131_072 for p in parts] == [0, 0, 0]
    assert sum(p.rows for p in parts) == 1_000_000
    assert [p.start + p.rows for p in parts[:-1]] == [p.start for p in parts[1:]]
    assert parts[0].path.endswith("part-00000.parquet") and parts[2].path.endswith("part-00002.parquet")
    assert len(plan_shards("t", 10, tmp_path, shards=8)) == 1  # never less than a batch per shard
    assert plan_shards("t", 10, tmp_path, fmt="csv")[0].path.endswith(".csv")


@pytest.mark.parametrize(("rows", "shards"), [(0, None), (-5, None), (10, 0)])
def test_shard_planning_rejects_bad_counts(tmp_path, rows, shards):
    with pytest.raises(ValueError, match="positive"):
        plan_shards("t", rows, tmp_path, shards=shards)


def _batches(n_batches: int = 3, n: int = 1000):
    for k in range(n_batches):
        ids = np.arange(k * n, (k + 1) * n, dtype=np.int64)
        yield pa.RecordBatch.from_arrays(
            [num_array(ids), str_array(["a", "b"] * (n // 2)), uuid_array(ids.astype(np.uint64), ids.astype(np.uint64))],
            names=["id", "status", "key"])


COLUMNS = [{"name": "id", "type": "int64", "generator": "id.sequence"},
           {"name": "status", "type": "string", "generator": "choice.enum", "low_cardinality": True},
           {"name": "key", "type": "uuid", "generator": "id.uuid4"}]


def test_parquet_settings_follow_the_measured_recipe(tmp_path):
    options = parquet_options(COLUMNS + [{"name": "email", "type": "string", "generator": "internet.email"}])
    assert options["compression"] == "zstd" and options["compression_level"] == 1
    assert options["use_dictionary"] == ["status"]
    assert options["write_statistics"] == ["id", "status"]
    assert options["column_encoding"] == {"email": "DELTA_LENGTH_BYTE_ARRAY"}
    schema = next(_batches()).schema
    info = write_batches(_batches(), tmp_path / "t.parquet", schema, options=parquet_options(COLUMNS))
    meta = pq.ParquetFile(tmp_path / "t.parquet").metadata
    assert info["rows"] == 3000 and meta.num_row_groups == 3  # one row group per batch
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.row_group(0).column(2).statistics is None
    assert pq.read_schema(tmp_path / "t.parquet").field("key").type == pa.uuid()


def test_a_failed_stream_leaves_nothing_under_the_name(tmp_path):
    def broken():
        yield next(_batches())
        raise RuntimeError("generator died")

    target = tmp_path / "t.parquet"
    with pytest.raises(RuntimeError, match="died"):
        write_batches(broken(), target, next(_batches()).schema)
    assert list(tmp_path.iterdir()) == []


def test_csv_and_jsonl_write_uuids_as_text(tmp_path):
    schema = next(_batches()).schema
    write_batches(_batches(1, 4), tmp_path / "t.csv", schema)
    write_batches(_batches(1, 4), tmp_path / "t.jsonl", schema)
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == '"id","status","key"' and len(lines) == 5
    rows = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert rows[1]["status"] == "b" and len(rows[1]["key"]) == 36 and rows[1]["key"][14] == "4"
    assert list(tmp_path.glob(".*")) == []


def test_uuid_text_matches_python():
    import uuid

    arr = uuid_array(np.array([1, 2**63 + 5], dtype=np.uint64), np.array([7, 9], dtype=np.uint64))
    assert uuid_text(arr).to_pylist() == [str(uuid.UUID(bytes=v.bytes)) for v in arr.to_pylist()]
