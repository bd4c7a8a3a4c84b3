"""Non-finite numbers from any reader are dropped with a warning naming table, column and field."""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.schema import read_schema_file
from tasks.schema.finite import drop_non_finite
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec


def test_a_parquet_sample_holding_inf_gives_no_infinite_bound(tmp_path):
    path = tmp_path / "scores.parquet"
    pq.write_table(pa.table({"score": [1.5, math.inf, -2.0], "ok": [1.0, 2.0, 3.0]}), path)
    spec = read_schema_file(path)
    score = spec.tables[0].column("score")
    assert score.max is None and score.min == -2.0
    assert spec.tables[0].column("ok").max == 3.0
    assert any(w.startswith("scores.score: max inf is not a finite number") for w in spec.warnings), spec.warnings


def test_enum_values_weights_defaults_and_params_lose_only_what_is_not_finite():
    col = ColumnSpec(name="c", type="float", enum=[1.0, math.nan, 2.0, math.inf], enum_weights=[1, 2, 3, 4],
                     default=math.nan, params={"max": -math.inf, "min": 0.0, "nested": [1.0, math.nan]})
    spec = drop_non_finite(SchemaSpec(source="s", tables=[TableSpec(name="t", columns=[col])]))
    out = spec.tables[0].columns[0]
    assert out.enum == [1.0, 2.0] and out.enum_weights == [1, 3]
    assert out.default is None and out.params == {"min": 0.0}
    assert len(spec.warnings) == 3 and all(w.startswith("t.c: ") for w in spec.warnings)
    assert all("not a finite number" in w for w in spec.warnings)


def test_a_finite_schema_comes_back_unchanged():
    spec = SchemaSpec(source="s", tables=[TableSpec(name="t", columns=[ColumnSpec(name="c", min=0, max=1e308)])])
    assert drop_non_finite(spec) is spec
