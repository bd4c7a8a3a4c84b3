"""infer_from_sample on a realistic customer export, as CSV and as Parquet."""

from __future__ import annotations

import csv
import datetime as dt
import random
import uuid
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.schema.errors import SchemaError
from tasks.schema.sample import infer_from_sample

FIRST = ["Ann", "Bob", "Cleo", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kim", "Lee",
         "Mo", "Nia", "Oskar", "Pia", "Quinn", "Raj", "Sam", "Tia", "Uma", "Vic", "Wes", "Xi", "Yui"]


def customer_rows(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        first = rng.choice(FIRST)
        rows.append({
            "id": i,
            "customer_ref": str(uuid.UUID(int=rng.getrandbits(128))),
            "first_name": first,
            "email": f"{first.lower()}.{i}@example.org",
            "postcode": f"{rng.randint(0, 99999):05d}",
            "sku": f"SKU-{rng.randint(1000, 9999)}-{rng.choice('ABC')}{rng.choice('XYZ')}",
            "country": rng.choices(["US", "DE", "NA"], [6, 3, 1])[0],
            "status": rng.choices(["active", "inactive", "closed"], [8, 1, 1])[0],
            "points": rng.randint(0, 1000) if i % 10 else None,
            "balance": f"{rng.uniform(0, 1000):.2f}",
            "score": rng.random(),
            "birth_date": (dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))).isoformat(),
            "signup_at": (dt.datetime(2020, 1, 1) + dt.timedelta(seconds=rng.randint(0, 10**8))).isoformat(),
            "is_active": rng.choice(["true", "false"]),
            "rating": rng.randint(1, 5),
            "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "website": f"https://{first.lower()}{i}.example.net/",
        })
    return rows


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def csv_schema(tmp_path_factory):
    path = write_csv(tmp_path_factory.mktemp("sample") / "customers.csv", customer_rows(1000))
    return infer_from_sample(path)


def test_csv_types(csv_schema):
    table = csv_schema.tables[0]
    assert table.name == "customers"
    types = {c.name: c.type for c in table.columns}
    assert types == {
        "id": "integer", "customer_ref": "uuid", "first_name": "string", "email": "string",
        "postcode": "string", "sku": "string", "country": "string", "status": "string",
        "points": "integer", "balance": "decimal", "score": "float", "birth_date": "date",
        "signup_at": "datetime", "is_active": "boolean", "rating": "integer", "ip": "string",
        "website": "string",
    }
    assert all(c.source_type == "text" for c in table.columns)


def test_csv_keys_ranges_and_nulls(csv_schema):
    table = csv_schema.tables[0]
    ident = table.column("id")
    assert ident.unique and ident.primary_key and table.primary_key == ["id"]
    assert (ident.min, ident.max) == (1, 1000)
    points = table.column("points")
    assert points.nullable and points.null_rate == pytest.approx(0.1)
    assert 0 <= points.min < 50 and 950 < points.max <= 1000
    assert not table.column("email").nullable and table.column("email").null_rate == 0
    balance = table.column("balance")
    assert balance.scale == 2 and 0 <= balance.min < balance.max <= 1000
    birth = table.column("birth_date")
    assert "1950-01-01" <= birth.min < birth.max <= "2004-10-05"
    assert table.column("signup_at").min.startswith("2020-01")
    # All distinct, yet no key: distinct floats and timestamps are chance.
    assert not table.column("score").unique and not table.column("signup_at").unique
    # A personal column is synthesised in the locale: the sample's longest name is not a limit to cut
    # made-up names to (issue 18: "nothing is cut to fit"), so the observed lengths are not kept.
    first = table.column("first_name")
    assert first.max_length is None and first.min_length is None and "never copied" in first.description
    assert table.column("sku").max_length == 11 and table.column("sku").min_length == 11


def test_csv_enums_with_frequencies(csv_schema):
    table = csv_schema.tables[0]
    status = table.column("status")
    assert status.enum[0] == "active" and set(status.enum) == {"active", "inactive", "closed"}
    assert sum(status.enum_weights) == pytest.approx(1.0)
    assert status.enum_weights[0] == pytest.approx(0.8, abs=0.05)
    country = table.column("country")
    assert set(country.enum) == {"US", "DE", "NA"}  # "NA" (Namibia) is a value, not a null
    assert not country.nullable
    assert table.column("rating").enum is not None and set(table.column("rating").enum) == {1, 2, 3, 4, 5}
    assert set(table.column("is_active").enum) == {True, False}
    assert table.column("first_name").enum is None  # 25 names: too many for an enum


def test_csv_formats_and_shapes(csv_schema):
    table = csv_schema.tables[0]
    assert table.column("email").format == "email" and table.column("email").unique
    assert table.column("ip").format == "ipv4"
    assert table.column("website").format == "uri"
    assert table.column("customer_ref").format == "uuid"
    # Leading zeros keep postcodes as text, with their shape.
    assert table.column("postcode").pattern == "^[0-9]{5}$"
    assert table.column("sku").pattern == "^[A-Z]{3}-[0-9]{4}-[A-Z]{2}$"
    assert table.column("first_name").pattern is None


def test_reads_only_max_rows(tmp_path):
    path = write_csv(tmp_path / "big.csv", customer_rows(5000))
    schema = infer_from_sample(path, max_rows=1200)
    assert schema.tables[0].column("id").max == 1200
    assert any("first 1200 rows" in w for w in schema.warnings)


def test_tsv_and_semicolons(tmp_path):
    rows = customer_rows(200)
    for name, delimiter in (("people.tsv", "\t"), ("people.csv", ";")):
        table = infer_from_sample(write_csv(tmp_path / name, rows, delimiter)).tables[0]
        assert table.column("balance").type == "decimal" and table.column("id").type == "integer"


def test_parquet_keeps_its_types(tmp_path):
    rows = customer_rows(600)
    data = pa.table({
        "id": pa.array([r["id"] for r in rows], pa.int64()),
        "ref": pa.array([uuid.UUID(r["customer_ref"]).bytes for r in rows], pa.binary(16)),
        "email": pa.array([r["email"] for r in rows]),
        "status": pa.array([r["status"] for r in rows]).dictionary_encode(),
        "balance": pa.array([Decimal(r["balance"]) for r in rows], pa.decimal128(10, 2)),
        "born": pa.array([dt.date.fromisoformat(r["birth_date"]) for r in rows]),
        "seen": pa.array([dt.datetime.fromisoformat(r["signup_at"]) for r in rows], pa.timestamp("ms")),
        "points": pa.array([r["points"] for r in rows], pa.int32()),
        "tags": pa.array([["a", "b"]] * len(rows)),
        "active": pa.array([r["is_active"] == "true" for r in rows]),
    })
    path = tmp_path / "customers.parquet"
    pq.write_table(data, path, row_group_size=128)
    schema = infer_from_sample(path, max_rows=500)
    table = schema.tables[0]
    by = {c.name: c for c in table.columns}
    assert by["id"].max == 500 and by["id"].primary_key  # row groups read only up to max_rows
    assert by["ref"].type == "uuid"
    assert by["email"].type == "string" and by["email"].format == "email"
    assert by["status"].type == "string" and set(by["status"].enum) == {"active", "inactive", "closed"}
    assert by["balance"].type == "decimal" and (by["balance"].precision, by["balance"].scale) == (10, 2)
    assert by["born"].type == "date" and by["seen"].type == "datetime"
    assert by["points"].null_rate == pytest.approx(0.1, abs=0.01)
    assert by["tags"].type == "json"
    assert by["active"].type == "boolean"


# ----------------------------------------------------------------------------- bad input


def test_empty_file(tmp_path):
    for name in ("empty.csv", "empty.parquet"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(SchemaError, match=rf"{name}: the file is empty"):
            infer_from_sample(tmp_path / name)


def test_header_only_gives_nullable_strings_and_a_warning(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("id,name\n")
    schema = infer_from_sample(path)
    assert [(c.name, c.type, c.nullable) for c in schema.tables[0].columns] == [
        ("id", "string", True), ("name", "string", True),
    ]
    assert any("no data rows" in w for w in schema.warnings)


def test_a_few_malformed_rows_are_skipped_with_their_line(tmp_path):
    path = write_csv(tmp_path / "people.csv", customer_rows(100))
    lines = path.read_text().splitlines()
    lines[41] = lines[41] + ",surplus"
    path.write_text("\n".join(lines) + "\n")
    schema = infer_from_sample(path)
    assert any("skipped 1 malformed row(s); first at line 42" in w for w in schema.warnings)


def test_mostly_malformed_rows_are_an_error_with_the_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6\n7,8\n")
    with pytest.raises(SchemaError) as err:
        infer_from_sample(path)
    assert err.value.line == 3 and "broken.csv:3" in str(err.value)


def test_duplicate_header_and_corrupt_parquet(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("id,name,id\n1,a,2\n")
    with pytest.raises(SchemaError, match=r"dup\.csv:1: header names column\(s\) id"):
        infer_from_sample(dup)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"this is not parquet at all")
    with pytest.raises(SchemaError, match=r"corrupt\.parquet: not a readable Parquet file"):
        infer_from_sample(corrupt)
