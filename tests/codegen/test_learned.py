"""Learning from a sample (tasks/schema/learn.py -> tasks/generators/learned.py): a membership list with
Hangul headers in the shapes a Korean CRM export has (member ids, names, 010 mobiles, e-mails, M/D/YYYY
dates, Y/N flags, zero-inflated points, a derived payment column, zip codes with leading zeros).

The values are made up here on purpose (a real membership list would be personal data); the real
public samples are in tests/sample_fidelity.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tasks.codegen.mapping import map_schema
from tasks.codegen.render import render_table
from tasks.rows.run import load_generator
from tasks.schema.sample import learn_columns
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec
from tests.codegen.conftest import POOL_CACHE, make_table

SURNAMES = "김이박최정강조윤장임"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지우", "예준", "수아", "주원", "지호", "서윤", "하준"]
REGIONS = [("서울특별시", "강남구", "06"), ("서울특별시", "마포구", "04"), ("부산광역시", "해운대구", "48"),
           ("경기도", "수원시", "16"), ("경기도", "성남시", "13"), ("대구광역시", "수성구", "42")]
HEADER = ["회원번호", "이름", "전화번호", "이메일", "가입일", "수신동의", "성별", "시도", "시군구", "우편번호",
          "포인트", "구매액", "할인액", "결제액"]
N = 600


def member_rows(n: int = N, seed: int = 3) -> list[list[str | None]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        sido, sigungu, zip_head = rng.choice(REGIONS)
        joined = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))
        buy = rng.randint(1, 400) * 100
        discount = rng.choice([0, 0, 0, 500, 1000, 2000])
        rows.append([
            f"M{100001 + i}", rng.choice(SURNAMES) + rng.choice(GIVEN),
            f"010-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}",
            f"user{rng.randint(1, 99999)}@{rng.choice(['naver.com', 'naver.com', 'gmail.com', 'daum.net'])}",
            f"{joined.month}/{joined.day}/{joined.year}", rng.choice(["Y", "Y", "Y", "N"]), rng.choice("남여"),
            sido, sigungu, f"{zip_head}{rng.randint(0, 999):03d}",
            str(rng.choice([0] * 8 + [rng.randint(1, 5000)] * 2)), str(buy), str(discount), str(buy - discount),
        ])
    return rows


@pytest.fixture(scope="module")
def learned():
    rows = member_rows()
    columns, warnings = learn_columns(HEADER, rows, table="members")
    schema = SchemaSpec(source="members.csv", tables=[TableSpec(name="members", columns=columns)],
                        warnings=warnings)
    plan = map_schema(schema, rows=3000, locale="ko_KR")
    table = plan.tables[0]
    runtime = [c.runtime() for c in table.columns]
    from tasks.generator_runtime.kernel import generate_table
    from tasks.generator_runtime.pools import Pools
    from tasks.generators.registry import registry

    batches = generate_table(table="members", columns=runtime, order=table.order(), n_rows=3000, seed=5,
                             start_row=0, total_rows=3000, batch_size=1024, pools=Pools("ko_KR", POOL_CACHE),
                             registry={name: g.fn for name, g in registry().items()})
    out = pa.Table.from_batches(list(batches))
    return rows, columns, plan, out


def col(rows, name):
    return [r[HEADER.index(name)] for r in rows]


def test_every_column_says_what_was_learned(learned):
    _, _, plan, _ = learned
    reasons = {c.name: c.reason for c in plan.tables[0].columns}
    assert all(r.startswith("learned from the sample") for r in reasons.values()), reasons
    gens = {c.name: c.generator for c in plan.tables[0].columns}
    assert gens["회원번호"] == "learned.serial" and gens["이름"] == "person.full_name"
    assert gens["전화번호"] == "learned.shapes" and gens["이메일"] == "learned.email"
    assert gens["가입일"] == "learned.date_text"
    assert "learned.sum" in (gens["결제액"], gens["구매액"])  # 결제액 = 구매액 - 할인액, or 구매액 = 할인액 + 결제액
    assert gens["시도"] == gens["시군구"] == "learned.joint"


def test_member_ids_stay_unique_past_the_samples_range(learned):
    _, _, _, out = learned
    ids = out.column("회원번호").to_pylist()
    assert len(set(ids)) == len(ids) == 3000 > N
    assert all(re.fullmatch(r"M\d{6}", v) for v in ids) and max(ids) > f"M{100000 + N}"


def test_personal_values_are_synthesised_in_the_locale_never_copied(learned):
    rows, _, _, out = learned
    names = out.column("이름").to_pylist()
    assert all(re.fullmatch(r"[가-힣]{2,4}", v) for v in names)
    phones = out.column("전화번호").to_pylist()
    assert all(re.fullmatch(r"010-\d{4}-\d{4}", v) for v in phones)  # the 010 prefix: 100% -> 100%
    assert len(set(phones) & set(col(rows, "전화번호"))) <= 3
    emails = out.column("이메일").to_pylist()
    sample_emails = set(col(rows, "이메일"))
    assert not set(emails) & sample_emails
    assert {e.split("@")[1] for e in emails} <= {"naver.com", "gmail.com", "daum.net"}
    naver = sum(e.endswith("@naver.com") for e in emails) / len(emails)
    assert abs(naver - 0.5) < 0.06
    assert all(re.fullmatch(r"[a-z0-9._-]+@[a-z.]+", e) for e in emails)


def test_spelling_and_formats_are_kept_so_csv_output_does_not_change_type(learned):
    rows, _, _, out = learned
    assert out.schema.field("수신동의").type == pa.string() and set(out.column("수신동의").to_pylist()) == {"Y", "N"}
    yes = out.column("수신동의").to_pylist().count("Y") / 3000
    assert abs(yes - col(rows, "수신동의").count("Y") / N) < 0.05
    dates = out.column("가입일").to_pylist()
    assert all(re.fullmatch(r"([1-9]|1[0-2])/([1-9]|[12]\d|3[01])/20(19|2[0-3])", d) for d in dates)
    zips = out.column("우편번호").to_pylist()
    assert out.schema.field("우편번호").type == pa.string()
    assert all(re.fullmatch(r"\d{5}", z) for z in zips) and any(z.startswith("0") for z in zips)


def test_joint_columns_and_derived_sums_survive(learned):
    rows, _, _, out = learned
    observed = set(zip(col(rows, "시도"), col(rows, "시군구"), strict=True))
    pairs = list(zip(out.column("시도").to_pylist(), out.column("시군구").to_pylist(), strict=True))
    assert all(p in observed for p in pairs)  # no 부산광역시 강남구
    buy, discount, paid = (np.array(out.column(n).to_pylist(), dtype=float) for n in ("구매액", "할인액", "결제액"))
    assert np.allclose(paid, buy - discount)


def test_numbers_follow_the_samples_distribution(learned):
    rows, _, _, out = learned
    sample = np.array(col(rows, "포인트"), dtype=float)
    made = np.array(out.column("포인트").to_pylist(), dtype=float)
    assert out.schema.field("포인트").type == pa.int64()
    assert abs((made == 0).mean() - (sample == 0).mean()) < 0.04
    assert abs(np.median(made[made > 0]) - np.median(sample[sample > 0])) < 0.25 * np.median(sample[sample > 0])
    assert made.max() <= sample.max() and made.min() >= 0


def test_learned_tables_render_into_the_standalone_module(learned, tmp_path: Path):
    _, _, plan, out = learned
    code = render_table(plan.tables[0], source="members.csv", locale="ko_KR")
    path = tmp_path / "members_generator.py"
    path.write_text(code, encoding="utf-8")
    module = load_generator(path)
    again = pa.Table.from_batches(list(module.generate(3000, seed=5, batch_size=1024, pool_cache=str(POOL_CACHE))))
    assert again.to_pylist() == out.to_pylist()


def test_unique_integers_grow_past_the_sample_and_keep_its_start():
    rows = [[str(i), str(i % 7)] for i in range(1, 301)]
    columns, _ = learn_columns(["id", "grp"], rows)
    plan = map_schema(SchemaSpec(source="s.csv", tables=[TableSpec(name="s", columns=columns)]), rows=5000)
    ident = plan.tables[0].column("id")
    assert ident.generator == "learned.numeric" and ident.params["unique"] is True
    from tests.codegen.conftest import column

    values = make_table([column("id", "learned.numeric", ident.params)], 5000, batch_size=1000).column("id")
    values = values.to_pylist()
    assert len(set(values)) == 5000 and min(values) == 1 and max(values) > 300
    assert sorted(values[:300]) == list(range(1, 301))  # the sample's range first, then on past it


@pytest.mark.parametrize("name,generator", [
    ("이름", "person.full_name"), ("성명", "person.full_name"), ("주소", "address.street"),
    ("전화번호", "person.phone"), ("이메일", "internet.email"), ("휴대폰번호", "text.pattern"),
    ("名前", "person.full_name"), ("Vorname", "person.first_name"), ("correo", "internet.email"),
])
def test_column_names_in_other_languages_map_to_generators(name: str, generator: str):
    table = TableSpec(name="회원", columns=[ColumnSpec(name=name)])
    plan = map_schema(SchemaSpec(source="x.json", tables=[table]), rows=10, locale="ko_KR")
    chosen = plan.tables[0].columns[0]
    assert chosen.generator == generator
    if generator == "text.pattern":
        assert chosen.params["pattern"] == "010-####-####"


def test_korean_names_and_mobiles_in_the_ko_kr_locale():
    from tests.codegen.conftest import column

    table = make_table([column("이름", "person.full_name"), column("휴대폰", "text.pattern",
                                                                   {"pattern": "010-####-####"})],
                       300, locale="ko_KR").to_pylist()
    assert all(re.fullmatch(r"[가-힣]{2,4}", r["이름"]) and r["휴대폰"].startswith("010-") for r in table)


def test_unique_code_shapes_keep_their_shares_and_never_repeat():
    from tests.codegen.conftest import column

    params = {"patterns": ["[A-Z]{4}", "[A-Z]{2}[0-9]{2}"], "weights": [0.9, 0.1], "unique": True}
    values = make_table([column("icao", "learned.shapes", params)], 6000, batch_size=2500).column("icao").to_pylist()
    assert len(set(values)) == 6000
    letters = sum(bool(re.fullmatch(r"[A-Z]{4}", v)) for v in values) / len(values)
    assert abs(letters - 0.9) < 0.01 and all(re.fullmatch(r"[A-Z]{4}|[A-Z]{2}\d{2}", v) for v in values)


def test_unique_codes_grow_past_their_shapes_capacity_instead_of_failing():
    from tests.codegen.conftest import column

    params = {"patterns": ["[A-C][0-9]"], "weights": [1.0], "unique": True}  # 30 codes, then A7123 ...
    values = make_table([column("c", "learned.shapes", params)], 500, batch_size=200).column("c").to_pylist()
    assert len(set(values)) == 500
    assert sum(bool(re.fullmatch(r"[A-C]\d", v)) for v in values) == 30
    assert all(re.fullmatch(r"[A-C]\d(\d{3})?", v) for v in values)
