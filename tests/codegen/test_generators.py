"""Every registry generator: its Arrow type and the range or shape of what it makes."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import re
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tasks.generator_runtime.kernel import arrow_type, permute
from tasks.generator_runtime.pools import romanize_hangul, slug
from tasks.generators.registry import get, registry
from tests.codegen.conftest import column, make_table, values

HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")
CJK = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff\u3005]+$")


def _all(pattern: str):
    rx = re.compile(pattern)
    return lambda vs: all(rx.fullmatch(v) for v in vs)


def _between(lo, hi):
    return lambda vs: all(lo <= v <= hi for v in vs)


def _luhn(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _ean_ok(code: str) -> bool:
    digits = [int(d) for d in code]
    return (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12])) % 10) % 10 == digits[12]


NONEMPTY = lambda vs: all(isinstance(v, str) and v.strip() for v in vs)  # noqa: E731

# generator -> (params, check on the Python values)
CASES: dict[str, tuple[dict, object]] = {
    "person.first_name": ({}, NONEMPTY),
    "person.last_name": ({}, NONEMPTY),
    "person.full_name": ({}, _all(r"\S+( \S+)+")),
    "person.username": ({}, _all(r"[a-z0-9_.]+")),
    "person.phone": ({}, lambda vs: all(sum(ch.isdigit() for ch in v) >= 10 for v in vs)),
    "person.gender": ({}, lambda vs: set(vs) <= {"female", "male", "nonbinary"}),
    "person.birth_date": ({"min_age": 20, "max_age": 30},
                          _between(dt.date(1995, 12, 1), dt.date(2006, 1, 2))),
    "person.age": ({"min": 18, "max": 65}, _between(18, 65)),
    "company.name": ({}, NONEMPTY),
    "company.job": ({}, NONEMPTY),
    "company.product": ({}, lambda vs: all(len(v.split(" ")) == 3 and v.istitle() for v in vs)),
    "company.category": ({"values": ["Books", "Toys"]}, lambda vs: set(vs) == {"Books", "Toys"}),
    "media.title": ({"min_words": 2, "max_words": 2}, lambda vs: all(len(v.split(" ")) == 2 and v[0].isupper()
                                                                     for v in vs)),
    "media.genre": ({}, lambda vs: "Comedy" in vs and all(v[0].isupper() for v in vs)),
    "media.language": ({}, lambda vs: "English" in vs),
    "media.language_code": ({}, _all(r"[a-z]{2}")),
    "address.secondary": ({}, _all(r"(Apt\. [0-9]{3}|Apt\. [0-9][A-Z]|Suite [0-9]{3}|Unit [0-9]{2}|Floor [0-9]{2})")),
    "internet.password_hash": ({}, _all(r"\$2b\$12\$[./A-Za-z0-9]{53}")),
    "id.unique_datetime": ({"min": "2024-01-01T00:00:00", "max": "2024-01-02T00:00:00"},
                           lambda vs: len(set(vs)) == len(vs)),
    "company.department": ({}, lambda vs: set(vs) <= set(get("company.department").params["values"])),
    "internet.email": ({}, _all(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+")),
    "internet.domain": ({}, _all(r"[a-z0-9-]+(\.[a-z0-9-]+)+")),
    "internet.url": ({}, _all(r"https://www\.[a-z0-9.-]+/\S*")),
    "internet.ipv4": ({}, lambda vs: all(ipaddress.ip_address(v).version == 4 for v in vs)),
    "internet.ipv6": ({}, lambda vs: all(ipaddress.ip_address(v).version == 6 for v in vs)),
    "internet.mac_address": ({}, _all(r"([0-9a-f]{2}:){5}[0-9a-f]{2}")),
    "internet.user_agent": ({}, lambda vs: all(v.startswith("Mozilla/") or v.startswith("Opera/") for v in vs)),
    "internet.port": ({"min": 2000, "max": 3000}, _between(2000, 3000)),
    "internet.http_status": ({}, lambda vs: set(vs) <= {200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 503}),
    "address.street": ({}, NONEMPTY),
    "address.city": ({}, NONEMPTY),
    "address.state": ({}, NONEMPTY),
    "address.postcode": ({}, _all(r"\d{5}")),
    "address.country": ({}, NONEMPTY),
    "address.country_code": ({}, _all(r"[A-Z]{2}")),
    "address.full": ({}, _all(r".+, \d{5} .+")),
    "address.latitude": ({}, _between(-90, 90)),
    "address.longitude": ({}, _between(-180, 180)),
    "numeric.integer": ({"min": -5, "max": 5}, lambda vs: set(vs) == set(range(-5, 6))),
    "numeric.float": ({"min": 1.5, "max": 2.5, "decimals": 2},
                      lambda vs: all(1.5 <= v <= 2.5 and round(v, 2) == v for v in vs)),
    "numeric.decimal": ({"min": 0, "max": 99.99, "precision": 6, "scale": 2},
                        lambda vs: all(isinstance(v, decimal.Decimal) and 0 <= v <= decimal.Decimal("99.99")
                                       and v.as_tuple().exponent == -2 for v in vs)),
    "numeric.boolean": ({"probability": 0.3}, lambda vs: 0.25 < sum(vs) / len(vs) < 0.35),
    "numeric.quantity": ({"min": 1, "max": 9}, _between(1, 9)),
    "numeric.percentage": ({}, _between(0, 100)),
    "temporal.date": ({"min": "2024-02-01", "max": "2024-02-29"},
                      lambda vs: set(vs) == {dt.date(2024, 2, d) for d in range(1, 30)}),
    "temporal.datetime": ({"min": "2024-01-01T00:00:00", "max": "2024-01-02T00:00:00"},
                          _between(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2))),
    "temporal.time": ({"min_hour": 9, "max_hour": 17}, _between(dt.time(9), dt.time(16, 59, 59))),
    "temporal.date_after": ({"min": "2024-01-01", "min_days": 2, "max_days": 3},
                            lambda vs: set(vs) == {dt.date(2024, 1, 3), dt.date(2024, 1, 4)}),
    "temporal.datetime_after": ({"min": "2024-01-01T00:00:00", "min_seconds": 60, "max_seconds": 120},
                                _between(dt.datetime(2024, 1, 1, 0, 1), dt.datetime(2024, 1, 1, 0, 2))),
    "temporal.year": ({"min": 2000, "max": 2002}, lambda vs: set(vs) == {2000, 2001, 2002}),
    "text.word": ({}, NONEMPTY),
    "text.words": ({"count": 3}, lambda vs: all(len(v.split(" ")) >= 3 for v in vs)),
    "text.sentence": ({"max_length": 30}, lambda vs: all(0 < len(v) <= 30 for v in vs)),
    "text.paragraph": ({}, lambda vs: all(len(v) > 10 and v.endswith(".") for v in vs)),
    "text.pattern": ({"pattern": "SKU-####-??"}, _all(r"SKU-\d{4}-[A-Z]{2}")),
    "text.string": ({"min_length": 3, "max_length": 5}, _all(r"[a-z]{3,5}")),
    "text.hex": ({"length": 40}, _all(r"[0-9a-f]{40}")),
    "text.slug": ({}, _all(r"[^\s]+-[^\s]+-[^\s]+")),
    "id.sequence": ({"start": 100, "step": 2}, lambda vs: vs == list(range(100, 100 + 2 * len(vs), 2))),
    "id.uuid4": ({}, lambda vs: all(uuid.UUID(bytes=v.bytes if isinstance(v, uuid.UUID) else v).version == 4
                                    for v in vs)),
    "id.code": ({"prefix": "C-", "width": 6}, _all(r"C-[0-9a-z]{6}")),
    "id.unique_int": ({"min": 10, "max": 10_000}, lambda vs: len(set(vs)) == len(vs) and min(vs) >= 10
                      and max(vs) <= 10_000),
    "id.isbn13": ({}, lambda vs: all(v.startswith("978") and _ean_ok(v) for v in vs)),
    "id.ean13": ({}, lambda vs: all(len(v) == 13 and _ean_ok(v) for v in vs)),
    "id.key_part": ({"min": 1, "max": 5000, "composite": {"radices": [1, 5000], "pos": 1, "per": 0}},
                    lambda vs: len(set(vs)) == len(vs) and min(vs) >= 1 and max(vs) <= 5000),
    "id.foreign_key": ({"table": "p", "column": "id", "rows": 50, "target": "id.sequence",
                        "target_params": {"start": 1, "step": 1}}, lambda vs: set(vs) == set(range(1, 51))),
    "finance.credit_card": ({}, lambda vs: all(len(v) == 16 and _luhn(v) and v[0] in "45" for v in vs)),
    "finance.iban": ({"country": "DE"}, lambda vs: all(len(v) == 22 and v.startswith("DE") and _iban_ok(v)
                                                      for v in vs)),
    "finance.bic": ({}, _all(r"[A-Z]{4}DE[A-Z0-9]{2}")),
    "finance.account_number": ({"pattern": "##########"}, _all(r"\d{10}")),
    "finance.currency_code": ({}, _all(r"[A-Z]{3}")),
    "finance.price": ({"min": 1, "max": 100, "precision": 8, "scale": 2},
                      lambda vs: all(decimal.Decimal("1") <= v <= decimal.Decimal("100") for v in vs)
                      and sum(str(v).endswith(".99") for v in vs) > len(vs) // 3),
    "choice.enum": ({"values": ["a", "b", "c"], "weights": [0.8, 0.2, 0.0]},
                    lambda vs: set(vs) == {"a", "b"} and 0.75 < vs.count("a") / len(vs) < 0.85),
    "choice.constant": ({"values": [42]}, lambda vs: set(vs) == {42}),
    "choice.null": ({"type": "int64"}, lambda vs: set(vs) == {None}),
    "choice.color": ({}, NONEMPTY),
    # objects, arrays and oneOfs in the schema's shape (tasks/generators/nested.py; more in tests/jsonschema_fidelity)
    "nested.value": ({"node": {"kind": "array", "min": 1, "max": 3, "unique": True, "prefix": [], "contains": None,
                               "items": {"kind": "leaf", "generator": "numeric.integer", "arrow": "int64",
                                         "params": {"min": 1, "max": 9}}}},
                     lambda vs: all(1 <= len(v) <= 3 and len(set(v)) == len(v) and all(1 <= x <= 9 for x in v)
                                    for v in vs)),
    # learned from samples (tasks/generators/learned.py)
    "learned.numeric": ({"quantiles": [1.0, 2.0, 10.0], "zero_share": 0.5, "arrow": "int64"},
                        lambda vs: 0.45 < vs.count(0) / len(vs) < 0.55 and all(v == 0 or 1 <= v <= 10 for v in vs)),
    "learned.joint": ({"group": "g", "weights": [3.0, 1.0], "values": ["a", "b"]},
                      lambda vs: set(vs) == {"a", "b"} and 0.7 < vs.count("a") / len(vs) < 0.8),
    "learned.sum": ({"a": 2.5, "b": 1.5, "sign": -1}, lambda vs: set(vs) == {1.0}),
    "learned.shapes": ({"patterns": ["010-[0-9]{4}-[0-9]{4}", "[A-Z]{3}"], "weights": [0.9, 0.1]},
                       lambda vs: all(re.fullmatch(r"010-\d{4}-\d{4}|[A-Z]{3}", v) for v in vs)
                       and 0.85 < sum(v.startswith("010-") for v in vs) / len(vs) < 0.95),
    "learned.serial": ({"prefix": "M", "start": 100001, "width": 6, "span": 500},
                       lambda vs: all(re.fullmatch(r"M1005\d\d|M100[0-4]\d\d", v) for v in vs)),
    "learned.words": ({"first": ["North", "Lake"], "last": ["Field", "Airport"], "counts": [1.0, 1.0],
                       "max_length": 12},
                      lambda vs: all(len(v) <= 12 and v.split()[0] in ("North", "Lake") for v in vs)),
    "learned.email": ({"domains": ["gmail.com", "naver.com"], "weights": [1, 1], "max_length": 30},
                      lambda vs: all(len(v) <= 30 and re.fullmatch(r"[a-z0-9._]+@(gmail|naver)\.com", v)
                                     for v in vs)),
    "learned.date_text": ({"quantiles": [18000, 19000], "order": "MDY", "sep": "/", "pad": False},
                          _all(r"([1-9]|1[0-2])/([1-9]|[12]\d|3[01])/(2019|202\d)")),
    # 11a: real bytes for BLOB/bytea, WKT for spatial columns, JSON objects for json/jsonb
    "binary.bytes": ({"min_length": 4, "max_length": 8},
                     lambda vs: all(isinstance(v, bytes) and 4 <= len(v) <= 8 for v in vs)),
    "geometry.wkt": ({"kind": "POINT"}, _all(r"POINT\(-?\d+\.\d{6} -?\d+\.\d{6}\)")),
    "document.json": ({}, lambda vs: all(__import__("json").loads(v)["id"] >= 1 for v in vs)),
}


def test_every_generator_has_a_case_and_there_are_at_least_forty():
    assert set(CASES) == set(registry())
    assert len(registry()) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_generator_type_and_range(name: str):
    params, check = CASES[name]
    gen = get(name)
    col = column("c", name, params)
    table = make_table([col], 3000)
    array = table.column("c")
    assert len(array) == 3000
    assert array.type == arrow_type(gen.arrow_type(col["params"])), name
    assert check(array.to_pylist()), f"{name}: {array.slice(0, 5).to_pylist()}"


@pytest.mark.parametrize("locale", ["ko_KR", "ja_JP", "de_DE"])
def test_locales_fill_names_addresses_and_phones_in_their_own_style(locale: str):
    table = make_table([column("first_name", "person.first_name"), column("last_name", "person.last_name"),
                        column("full_name", "person.full_name", {"first_name": "first_name",
                                                                 "last_name": "last_name"}),
                        column("phone", "person.phone"), column("city", "address.city"),
                        column("email", "internet.email", {"first_name": "first_name",
                                                           "last_name": "last_name"})],
                       500, locale=locale).to_pylist()
    if locale == "ko_KR":
        assert all(HANGUL.match(r["first_name"]) and HANGUL.match(r["last_name"]) for r in table)
        assert all(r["full_name"] == r["last_name"] + r["first_name"] for r in table)
        assert all(re.fullmatch(r"0\d{1,2}-\d{3,4}-\d{4}", r["phone"]) for r in table)
    elif locale == "ja_JP":
        assert all(CJK.match(r["first_name"]) and CJK.match(r["last_name"]) for r in table)
        assert all(r["full_name"] == f"{r['last_name']} {r['first_name']}" for r in table)
        assert all(re.fullmatch(r"\d{2,3}-\d{4}-\d{4}", r["phone"]) for r in table)
    else:
        assert all(r["phone"].startswith(("+49", "0", "(0")) for r in table)
        assert any(ch in "äöüßÄÖÜ" for r in table for ch in r["first_name"] + r["last_name"] + r["city"])
        assert all(r["full_name"] == f"{r['first_name']} {r['last_name']}" for r in table)
    assert all(r["email"].isascii() and "@" in r["email"] for r in table)


def test_email_is_built_from_the_same_rows_names():
    cols = [column("first_name", "person.first_name"), column("last_name", "person.last_name"),
            column("email", "internet.email", {"first_name": "first_name", "last_name": "last_name"})]
    for locale in ("en_US", "ko_KR", "de_DE"):
        for row in make_table(cols, 300, locale=locale).to_pylist():
            local = row["email"].split("@")[0]
            assert local.startswith(slug(row["first_name"])), (locale, row)
            assert slug(row["last_name"]) in local, (locale, row)


def test_hangul_romanization():
    assert romanize_hangul("김민준") == "gimminjun"
    assert slug("이서연") == "iseoyeon"
    assert slug("Müller-Weiß") == "muellerweiss" or slug("Müller-Weiß") == "mullerweiss"


def test_date_after_follows_its_anchor_column_row_by_row():
    cols = [column("ordered_at", "temporal.datetime"),
            column("shipped_at", "temporal.datetime_after", {"after": "ordered_at", "min_seconds": 3600,
                                                             "max_seconds": 7200})]
    table = make_table(cols, 5000)
    gap = pc.subtract(table["shipped_at"], table["ordered_at"]).cast(pa.int64()).to_numpy()
    assert gap.min() >= 3600 * 10**6 and gap.max() <= 7200 * 10**6


@pytest.mark.parametrize("size", [1, 2, 7, 1000, 36**3, 10**6 + 3])
def test_permute_is_a_bijection_of_the_range(size: int):
    out = permute(np.arange(size, dtype=np.uint64), size, key=12345)
    assert out.max() < size
    assert len(np.unique(out)) == size


def test_unique_columns_stay_unique_at_two_million_rows():
    cols = [column("id", "id.uuid4", {"unique": True}),
            column("first_name", "person.first_name"), column("last_name", "person.last_name"),
            column("email", "internet.email", {"first_name": "first_name", "last_name": "last_name",
                                               "unique": True}),
            column("sku", "text.pattern", {"pattern": "SKU-####-??", "unique": True}),
            column("code", "id.code", {"width": 5, "unique": True})]
    n = 2_000_000
    table = make_table(cols, n, seed=3)
    for name in ("id", "email", "sku", "code"):
        array = table[name]
        if isinstance(array.type, pa.BaseExtensionType):
            array = pa.chunked_array([c.storage for c in array.chunks])
        assert pc.count_distinct(array).as_py() == n, name


def test_unique_values_do_not_depend_on_the_shard_split():
    cols = [column("code", "id.code", {"width": 6, "unique": True})]
    whole = make_table(cols, 10_000, batch_size=1024)
    parts = [make_table(cols, 3072, start=s, total=10_000, batch_size=1024) for s in (0, 3072, 6144)]
    parts.append(make_table(cols, 10_000 - 9216, start=9216, total=10_000, batch_size=1024))
    assert pa.concat_tables(parts).equals(whole)


def test_unique_int_refuses_more_rows_than_its_range():
    with pytest.raises(ValueError, match="do not fit"):
        make_table([column("n", "id.unique_int", {"min": 1, "max": 100})], 101)


def test_null_rate_and_seed():
    cols = [column("x", "numeric.integer", null_rate=0.25)]
    a = make_table(cols, 20_000, seed=1)["x"]
    assert 0.22 < a.null_count / len(a) < 0.28
    assert make_table(cols, 20_000, seed=1).equals(make_table(cols, 20_000, seed=1))
    assert not make_table(cols, 20_000, seed=2).equals(make_table(cols, 20_000, seed=1))


def test_values_helper_runs_a_single_generator():
    assert len(values("person.first_name", n=10)) == 10


def _order_items(rows: int, orders: int, per: int, **kw) -> pa.Table:
    layout = {"radices": [orders, 50], "per": per}
    cols = [column("order_id", "id.foreign_key", {"table": "orders", "column": "id", "rows": orders,
                                                  "target": "id.sequence", "target_params": {"start": 1, "step": 1},
                                                  "composite": {**layout, "pos": 0}}),
            column("line_no", "id.key_part", {"min": 1, "max": 50, "composite": {**layout, "pos": 1}})]
    return make_table(cols, rows, table="order_items", **kw)


def test_a_composite_key_is_unique_as_a_whole_and_lines_count_up_per_parent():
    rows, orders = 300_000, 100_000
    table = _order_items(rows, orders, per=1, batch_size=8192)  # laid out for fewer rows: refitted
    order_id = np.asarray(table["order_id"].to_numpy(), dtype=np.int64)
    line_no = np.asarray(table["line_no"].to_numpy(), dtype=np.int64)
    pairs = order_id * 100 + line_no
    assert len(np.unique(pairs)) == rows
    assert order_id.min() >= 1 and order_id.max() <= orders
    # each order that has lines has 1, 2, 3: numbered from 1 without gaps
    per_order = np.bincount(order_id)
    assert set(np.unique(per_order[per_order > 0])) == {3}
    assert set(np.unique(line_no)) == {1, 2, 3}
    parts = [_order_items(100_000, orders, per=3, start=s, total=rows, batch_size=8192)
             for s in (0, 100_000, 200_000)]
    assert pa.concat_tables(parts).equals(table)  # the same rows whatever the split


def test_a_composite_key_refuses_more_rows_than_it_can_hold():
    with pytest.raises(ValueError, match=r"order_items \(order_id, line_no\): 5,001 rows need more"):
        _order_items(5001, 100, per=50)


def test_a_key_of_two_foreign_keys_is_unique_as_a_whole():
    layout = {"radices": [300, 400], "per": 0}
    fk = {"column": "id", "target": "id.sequence", "target_params": {"start": 1, "step": 1}}
    cols = [column("student_id", "id.foreign_key", {**fk, "table": "students", "rows": 300,
                                                    "composite": {**layout, "pos": 0}}),
            column("course_id", "id.foreign_key", {**fk, "table": "courses", "rows": 400,
                                                   "composite": {**layout, "pos": 1}})]
    table = make_table(cols, 120_000, table="enrolments")  # every one of the 300 x 400 pairs
    pairs = set(zip(table["student_id"].to_pylist(), table["course_id"].to_pylist(), strict=True))
    assert len(pairs) == 120_000


def test_timestamptz_keeps_its_zone_and_polygons_close():
    """11a: a timestamptz column is an Arrow timestamp with tz=UTC; a POLYGON ring ends where it starts."""
    col = column("seen", "temporal.datetime", {"min": "2024-01-01T00:00:00+02:00", "max": "2024-01-01T02:00:00Z",
                                               "tz": "UTC"})
    array = make_table([col], 500).column("seen")
    assert array.type == pa.timestamp("us", tz="UTC")
    assert {v.tzinfo is not None for v in array.to_pylist()} == {True}
    low = dt.datetime(2023, 12, 31, 22, tzinfo=dt.UTC)  # +02:00 read as an offset, not dropped
    assert all(low <= v <= low + dt.timedelta(hours=4) for v in array.to_pylist())
    shapes = make_table([column("area", "geometry.wkt", {"kind": "POLYGON"})], 50).column("area").to_pylist()
    for shape in shapes:
        points = shape.removeprefix("POLYGON((").removesuffix("))").split(", ")
        assert len(points) == 4 and points[0] == points[-1]
