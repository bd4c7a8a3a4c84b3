"""Real public dumps go in unmodified; DuckDB over the Parquet output checks what came out.

The fixtures (tests/schema/fixtures/dumps, licences in LICENSES.md) are Sakila (MySQL,
with DELIMITER routines and a /*!50705 GEOMETRY */ column), Pagila (a pg_dump of
PostgreSQL 18: domains, enums, arrays, bytea, a partitioned table, a VIRTUAL column,
COPY data), Chinook 1.4.5 (`\\c chinook;`), Northwind, the MySQL employees database
(partitioned, `source` lines) and a Django migration rendered by `sqlmigrate`. Each runs
through `qaflow mockdata generate` once per module; the checks are SQL, not qaflow's validator:
every table and column present, NOT NULL, enums, integer type ranges, primary keys and UNIQUEs
(multi-column too), foreign keys, in-row order from CHECK (a < b), and each dump's own cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.schema import read_schema_file
from tests.schema.dump_checks import (
    INTEGER_RANGES,
    column_types,
    connect,
    count,
    generate,
    nulls,
    tables,
    violations,
)

pytestmark = pytest.mark.usefixtures("prefect_api")

DUMPS = Path(__file__).parent / "fixtures" / "dumps"
NAMES = ["sakila_mysql", "pagila_pg_dump", "chinook_pg", "northwind_pg", "employees_mysql", "django_polls_pg"]
ROWS = 150  # Sakila's TINYINT UNSIGNED keys hold 255 rows at most


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each dump generated once: name -> (schema as read, summary, duckdb connection)."""
    out = {}
    for name in NAMES:
        folder = tmp_path_factory.mktemp(name)
        summary = generate(DUMPS / f"{name}.sql", folder, ROWS)
        out[name] = (read_schema_file(DUMPS / f"{name}.sql"), summary, connect(folder))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_dump_generates_every_table_and_checks_hold(runs, name):
    schema, summary, con = runs[name]
    assert tables(con) == {t.name for t in schema.tables}
    for table in schema.tables:
        types = column_types(con, table.name)
        assert set(types) == {c.name for c in table.columns}, table.name
        for col in table.columns:
            where = f"{table.name}.{col.name}"
            if not col.nullable:
                assert nulls(con, table.name, col.name) == 0, where
            if col.enum and col.type == "string":
                values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in col.enum)
                assert violations(con, table.name, f'"{col.name}" IN ({values})') == 0, where
            sql_type = re.sub(r"\(\d+\)", "", (col.source_type or "").lower()).strip()
            if sql_type in INTEGER_RANGES and not col.foreign_key:
                low, high = INTEGER_RANGES[sql_type]
                assert violations(con, table.name, f'"{col.name}" BETWEEN {low} AND {high}') == 0, where
                assert types[col.name] in {"BIGINT", "INTEGER"}, where
            if col.unique or table.primary_key == [col.name]:
                assert duplicates(con, table.name, [col.name]) == 0, f"{where}: duplicate keys"
            fk = col.foreign_key
            if fk is not None and fk.table in {t.name for t in schema.tables}:
                assert violations(con, table.name, f'"{col.name}" IN (SELECT "{fk.column}" FROM "{fk.table}")') == 0, \
                    f"{where} -> {fk.table}.{fk.column}: values that are no parent's key"
        for key in [table.primary_key, *table.unique_keys]:
            if len(key) > 1:
                assert duplicates(con, table.name, key) == 0, f"{table.name} {tuple(key)}: duplicate keys"
        for earlier, later in (pair for pair in table.row_order if len(pair) == 2):
            assert violations(con, table.name, f'"{earlier}" <= "{later}"') == 0, \
                f"{table.name}: {later} before {earlier} in a row"


def duplicates(con, table: str, columns: list[str]) -> int:
    """Values (or combinations) of `columns` that occur in more than one row (NULLs aside)."""
    names = ", ".join(f'"{c}"' for c in columns)
    present = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
    return count(con, f'SELECT count(*) FROM (SELECT {names} FROM "{table}" WHERE {present} '
                      f'GROUP BY {names} HAVING count(*) > 1)')


def test_sakila_types_kept(runs):
    schema, summary, con = runs["sakila_mysql"]
    kinds = " ".join(summary["warnings"])
    for skipped in ("trigger", "view", "routine", "USE", "SET"):
        assert f" {skipped}" in kinds, skipped
    assert column_types(con, "rental")["rental_date"] == "TIMESTAMP"  # DATETIME: a timestamp, not a date
    assert column_types(con, "customer")["create_date"] == "TIMESTAMP"
    assert violations(con, "rental", "CAST(rental_date AS TIME) = TIME '00:00:00'") > 0  # it has times of day
    assert column_types(con, "staff")["picture"] == "BLOB"
    assert violations(con, "film", "rating IN ('G', 'PG', 'PG-13', 'R', 'NC-17')") == 0
    assert violations(con, "film", "special_features IN ('Trailers', 'Commentaries', 'Deleted Scenes', "
                                   "'Behind the Scenes')") == 0
    assert violations(con, "film", "release_year BETWEEN 1901 AND 2155") == 0  # YEAR
    assert violations(con, "category", "category_id BETWEEN 0 AND 255") == 0  # TINYINT UNSIGNED
    assert violations(con, "address", "location LIKE 'POINT(% %)'") == 0  # /*!50705 GEOMETRY */ as WKT
    assert any("address.location" in w and "WKT" in w for w in summary["warnings"])


def test_pagila_types_partitions_and_generated_column(runs):
    schema, summary, con = runs["pagila_pg_dump"]
    payment = column_types(con, "payment")
    assert payment["payment_date"] == "TIMESTAMP WITH TIME ZONE"
    assert column_types(con, "rental")["rental_date"] == "TIMESTAMP WITH TIME ZONE"
    assert column_types(con, "film")["special_features"] == "VARCHAR[]"  # text[]
    assert column_types(con, "staff")["picture"] == "BLOB"  # bytea
    assert "length_hours" not in column_types(con, "film")  # GENERATED ALWAYS AS (...) VIRTUAL: left out
    assert violations(con, "film", "rating IN ('G', 'PG', 'PG-13', 'R', 'NC-17')") == 0  # CREATE TYPE AS ENUM
    assert violations(con, "film", "release_year BETWEEN 1901 AND 2155") == 0  # DOMAIN year CHECK
    assert not any(t.startswith("payment_p") for t in tables(con))  # partitions are not tables
    assert violations(con, "payment", "payment_date >= TIMESTAMPTZ '2022-01-01 00:00:00+00' "
                                      "AND payment_date < TIMESTAMPTZ '2026-08-01 00:00:00+00'") == 0
    assert violations(con, "payment", "amount >= 0") == 0
    # pg_dump writes payment's foreign keys on each partition: they hold on payment itself
    assert violations(con, "payment", "customer_id IN (SELECT customer_id FROM customer)") == 0
    assert violations(con, "payment", "rental_id IN (SELECT rental_id FROM rental)") == 0
    warnings = summary["warnings"]
    assert any("partitioned" in w and "payment_p2022_01" in w for w in warnings)
    assert any("film.length_hours" in w and "left out" in w for w in warnings)
    assert any(re.search(r"skipped \d+ OWNER TO statements", w) for w in warnings)


def test_chinook_psql_meta_command_and_insert_sample(runs):
    schema, summary, con = runs["chinook_pg"]
    assert any("psql meta-command" in w for w in summary["warnings"])
    assert column_types(con, "invoice")["invoice_date"] == "TIMESTAMP"
    # 30 track rows in the file: unit_price 0.99 in every one, and the output keeps to it
    assert violations(con, "track", "unit_price = 0.99") == 0


def test_northwind_and_employees(runs):
    _, _, con = runs["northwind_pg"]
    assert column_types(con, "orders")["order_date"] == "DATE"
    assert column_types(con, "categories")["picture"] == "BLOB"
    _, summary, con = runs["employees_mysql"]
    assert violations(con, "employees", "gender IN ('M', 'F')") == 0
    assert column_types(con, "salaries")["from_date"] == "DATE"
    # PARTITION BY RANGE COLUMNS (from_date) ... LESS THAN (MAXVALUE): no upper bound, the table generates
    assert any("SOURCE" in w for w in summary["warnings"])


def test_django_migration_rendered_to_sql(runs):
    schema, summary, con = runs["django_polls_pg"]
    assert column_types(con, "polls_question")["pub_date"] == "TIMESTAMP WITH TIME ZONE"
    assert schema.table("polls_choice").column("question_id").foreign_key.table == "polls_question"
    assert violations(con, "polls_choice", "question_id IN (SELECT id FROM polls_question)") == 0
    assert any("transaction" in w for w in summary["warnings"])  # BEGIN; ... COMMIT; skipped and counted
