"""Running shards (threads and child processes give the same file) and checking output."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.codegen.mapping import map_schema
from tasks.codegen.render import render_plan
from tasks.rows.progress import PROGRESS
from tasks.rows.run import run_shard
from tasks.rows.shards import plan_shards
from tasks.rows.validate import check_table, duplicates, missing_keys
from tasks.schema import read_schema_file
from tasks.settings import project_root
from tests.codegen.conftest import POOL_CACHE

SHOP = project_root() / "examples" / "schemas" / "shop.sql"
ROWS = {"customers": 3000, "products": 50, "orders": 4000, "order_items": 6000}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The shop schema rendered and written with 2 shards per table (threads)."""
    root = tmp_path_factory.mktemp("shop")
    plan = map_schema(read_schema_file(SHOP), ROWS)
    modules = render_plan(plan, root / "generators", batch_size=1024, pool_cache=str(POOL_CACHE))
    seen: list[tuple[str, int]] = []

    with PROGRESS.listening(lambda event: seen.append((event.info["table"], event.advance))):
        for table in plan.tables:
            for shard in plan_shards(table.name, table.rows, root / table.name, shards=2, batch_size=1024):
                run_shard(modules[table.name], shard, seed=9, fmt="parquet", locale="en_US",
                          pool_cache=str(POOL_CACHE))
    assert sum(n for _, n in seen) == sum(ROWS.values())  # the CLI's progress bar sees every row
    assert {name: sum(n for t, n in seen if t == name) for name in ROWS} == ROWS  # ... of each table
    assert not PROGRESS.active  # the listener is gone after the block
    return plan, modules, root


def test_written_tables_pass_counts_uniqueness_and_foreign_keys(shop):
    plan, _, root = shop
    for table in plan.tables:
        check = check_table(plan, table, root, "parquet")
        assert check.ok, check.problems
        assert check.rows_found == ROWS[table.name]
    orders = check_table(plan, plan.table("orders"), root, "parquet")
    assert orders.unique_checked == ["id", "order_number"]
    assert orders.foreign_keys_checked == ["customer_id -> customers.id"]
    assert check_table(plan, plan.table("order_items"), root, "parquet").unique_checked == ["(order_id, line_no)"]


def test_checks_find_duplicates_missing_parents_and_short_files(shop, tmp_path):
    plan, _, root = shop
    bad = tmp_path / "bad"
    shutil.copytree(root, bad)
    # duplicate the first order's id, point an order at a customer that does not exist
    path = bad / "orders" / "part-00000.parquet"
    table = pq.read_table(path)
    ids = table.column("id").to_pylist()
    ids[1] = ids[0]
    customers = table.column("customer_id").to_pylist()
    customers[5] = 10**9
    table = table.set_column(0, "id", pa.array(ids, pa.int64())).set_column(1, "customer_id",
                                                                          pa.array(customers, pa.int64()))
    pq.write_table(table, path)
    (bad / "order_items" / "part-00001.parquet").unlink()
    # repeat the first order line's (order_id, line_no) in the second row
    path = bad / "order_items" / "part-00000.parquet"
    items = pq.read_table(path)
    for name in ("order_id", "line_no"):
        values = items.column(name).to_pylist()
        values[1] = values[0]
        items = items.set_column(items.schema.get_field_index(name), name, pa.array(values, items.schema.field(name).type))
    pq.write_table(items, path)
    orders = check_table(plan, plan.table("orders"), bad, "parquet")
    assert any("1 duplicate" in p for p in orders.problems)
    assert any("customer_id: 1 value(s) missing" in p for p in orders.problems)
    items = check_table(plan, plan.table("order_items"), bad, "parquet")
    assert any("expected 6000 rows" in p for p in items.problems)
    assert any("(order_id, line_no): 1 duplicate primary key" in p for p in items.problems)
    big = check_table(plan, plan.table("customers"), root, "parquet", max_check_rows=50)
    assert big.ok and big.unique_checked == [] and big.skipped


def test_checks_find_nulls_and_out_of_range_integers_from_the_footers(shop, tmp_path):
    plan, _, root = shop
    bad = tmp_path / "bad"
    shutil.copytree(root, bad)
    path = bad / "products" / "part-00000.parquet"
    table = pq.read_table(path)
    stock = table.column("stock").to_pylist()
    stock[0] = 40_000  # past SMALLINT
    categories = table.column("category").to_pylist()
    categories[1] = None  # category is NOT NULL
    for name, values in (("stock", stock), ("category", categories)):
        at = table.schema.get_field_index(name)
        table = table.set_column(at, name, pa.array(values, table.schema.field(name).type))
    pq.write_table(table, path)
    check = check_table(plan, plan.table("products"), bad, "parquet")
    assert "stock" in check.ranges_checked and "category" in check.not_null_checked
    assert [p for p in check.problems if p.startswith("products.stock: values ")
            and p.endswith("..40000 outside its type's range -32768..32767")], check.problems
    assert "products.category: 1 NULL(s) in a NOT NULL column" in check.problems


@pytest.mark.parametrize(("values", "type_", "expected"), [
    ([1, 2, 3, None, 2, None, 3], pa.int64(), 2),  # bitmap path, nulls ignored
    ([-128, 127, -128, 0], pa.int8(), 1),  # narrow signed type at both ends
    ([2**64 - 1, 2**64 - 2, 2**64 - 1], pa.uint64(), 1),
    ([0, 2**40, 2**40, -(2**40)], pa.int64(), 1),  # span too wide for a bitmap: hashing
    (["a", "b", "a", None], pa.string(), 1),
    ([None, None], pa.int64(), 0),
])
def test_duplicates_counts_repeats_of_non_null_values(values, type_, expected):
    assert duplicates(pa.array(values, type_)) == expected
    assert duplicates(pa.array([values[0], *values], type_).slice(1)) == expected  # an offset view


_U = [bytes([i]) * 16 for i in range(4)]
_SAME_HEAD = [b"\x07" * 8 + bytes([i]) * 8 for i in range(3)]  # first 8 bytes collide, values differ


@pytest.mark.parametrize(("values", "expected"), [
    ([_U[0], _U[1], _U[2]], 0),
    ([_U[0], _U[1], _U[0], None, _U[0], None], 2),
    ([*_SAME_HEAD, _SAME_HEAD[1]], 1),  # colliding heads are compared whole
    ([*_SAME_HEAD, _U[3]], 0),
    ([None, None], 0),
])
def test_duplicates_of_fixed_width_binary_values(values, expected):
    assert duplicates(pa.array(values, pa.binary(16))) == expected
    assert duplicates(pa.array([_U[3], *values], pa.binary(16)).slice(1)) == expected
    assert duplicates(pa.array(values, pa.uuid())) == expected  # Arrow's UUID extension type


@pytest.mark.parametrize(("values", "keys", "type_", "expected"), [
    ([1, 2, 3, None], [1, 2, 3], pa.int64(), 0),
    ([1, 4, 0, None, 9, -5], [1, 2, 3], pa.int64(), 4),  # outside the keys' span both ways
    ([2, 5], [1, 3, 5], pa.int32(), 1),  # a hole inside the span
    ([2**64 - 1, 7], [2**64 - 1], pa.uint64(), 1),
    ([0, 2**40], [0, 2**41], pa.int64(), 1),  # span too wide for a bitmap: hashing
    (["a", "b", None], ["a"], pa.string(), 1),
    ([1, 2], [], pa.int64(), 2),
])
def test_missing_keys_counts_orphans(values, keys, type_, expected):
    assert missing_keys(pa.array(values, type_), pa.array(keys, type_)) == expected
    assert missing_keys(pa.array([values[0], *values], type_).slice(1), pa.array(keys, type_)) == expected


def test_a_child_process_writes_the_same_file_as_a_thread(shop, tmp_path):
    plan, modules, root = shop
    shard = plan_shards("customers", 3000, tmp_path, shards=2, batch_size=1024)[1]
    result = run_shard(modules["customers"], shard, seed=9, fmt="parquet", locale="en_US",
                       pool_cache=str(POOL_CACHE), mode="process")
    assert result.rows == shard.rows and result.peak_rss_mib > 0
    assert (tmp_path / "part-00001.parquet").read_bytes() == (root / "customers" / "part-00001.parquet").read_bytes()


def test_a_failing_child_process_names_the_module_and_rows(shop, tmp_path):
    plan, modules, _ = shop
    shard = plan_shards("customers", 3000, tmp_path, shards=1)[0]
    with pytest.raises(RuntimeError, match="customers_generator.py failed for rows 0..3000"):
        run_shard(modules["customers"], shard, seed=9, fmt="parquet", locale="xx_XX",
                  pool_cache=None, mode="process")
    assert list(tmp_path.iterdir()) == []


def test_fixed_width_keys_are_checked_further_than_strings(shop):
    plan, _, root = shop
    check = check_table(plan, plan.table("customers"), root, "parquet", max_check_rows=1000)
    assert check.unique_checked == ["id"] and "email" in check.skipped[0]
    orders = check_table(plan, plan.table("orders"), root, "parquet", max_check_rows=1000)
    assert orders.foreign_keys_checked == ["customer_id -> customers.id"]

