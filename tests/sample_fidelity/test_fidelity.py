"""Generated rows against real public samples (data/LICENSES.md): value sets, frequencies, shapes,
quantiles, zero and null shares, and joint combinations, each with the tolerance stated beside it.

Each sample goes the way a user's does: infer_from_sample -> map_schema -> the generator loop of the
rendered modules, 4,000 rows, fixed seed. Derived sums are checked in tests/codegen/test_learned.py
(none of these samples has one).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from tasks.codegen.mapping import map_schema
from tasks.generator_runtime.kernel import generate_table
from tasks.generator_runtime.pools import Pools
from tasks.generators.registry import registry
from tasks.schema.sample import NULL_VALUES, infer_from_sample
from tests.codegen.conftest import POOL_CACHE

DATA = Path(__file__).parent / "data"
ROWS = 4000

# Tolerances
TVD = 0.08  # total variation distance between observed and generated category frequencies, or 1.5x what
# resampling the observed values themselves gives (many rare categories: time zones)
SHARE = 0.05  # absolute difference of a share (a shape's, NULLs', zeros')
QUANTILE = 0.10  # |generated - observed| quantile, as a share of the observed 5-95% spread


def generated(name: str, locale: str = "en_US") -> tuple[dict, dict, object]:
    """(observed columns, generated columns, plan) for one sample file."""
    path = DATA / name
    schema = infer_from_sample(path)
    plan = map_schema(schema, rows=ROWS, locale=locale)
    table = plan.tables[0]
    batches = generate_table(
        table=table.name, columns=[c.runtime() for c in table.columns], order=table.order(), n_rows=ROWS,
        seed=11, start_row=0, total_rows=ROWS, batch_size=2048, pools=Pools(locale, POOL_CACHE),
        registry={n: g.fn for n, g in registry().items()})
    made = pa.Table.from_batches(list(batches))
    names = [c.name for c in schema.tables[0].columns]
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=NULL_VALUES,
                                   strings_can_be_null=True, quoted_strings_can_be_null=False)
    observed = pacsv.read_csv(path, convert_options=convert)
    return ({n: observed.column(n).to_pylist() for n in names}, {n: made.column(n).to_pylist() for n in names},
            plan)


def tvd(observed: list, made: list) -> float:
    a, b = Counter(observed), Counter(made)
    return 0.5 * sum(abs(a[k] / len(observed) - b[k] / len(made)) for k in set(a) | set(b))


def tvd_limit(observed: list) -> float:
    rng = np.random.default_rng(0)
    again = [observed[i] for i in rng.integers(0, len(observed), ROWS)]
    return max(TVD, 1.5 * tvd(observed, again))


def share(values: list, test) -> float:
    return sum(1 for v in values if test(v)) / len(values)


def shape_share(values: list, pattern: str) -> float:
    present = [v for v in values if v is not None]
    rx = re.compile(pattern)
    return share(present, lambda v: rx.fullmatch(str(v)) is not None)


def numbers(values: list) -> np.ndarray:
    return np.array([float(v) for v in values if v is not None], dtype=float)


def close_quantiles(observed: list, made: list, qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> None:
    a, b = numbers(observed), numbers(made)
    spread = np.quantile(a, 0.95) - np.quantile(a, 0.05)
    for q in qs:
        assert abs(np.quantile(a, q) - np.quantile(b, q)) <= QUANTILE * spread, q


# ---------------------------------------------------------------- airports (OpenFlights)


@pytest.fixture(scope="module")
def airports():
    return generated("airports.csv")


def test_airport_categories_keep_value_sets_and_frequencies(airports):
    observed, made, _ = airports
    for name in ("type", "source", "dst", "tz", "timezone"):
        obs = [v for v in observed[name] if v is not None]
        gen = [str(v) if not isinstance(v, float) else f"{v:g}" for v in made[name] if v is not None]
        obs = [f"{float(v):g}" if name == "timezone" else v for v in obs]
        assert set(gen) <= set(obs), name
        assert tvd(obs, gen) <= tvd_limit(obs), name
        assert abs(share(observed[name], lambda v: v is None) - share(made[name], lambda v: v is None)) <= SHARE


def test_airport_codes_keep_their_shapes(airports):
    observed, made, _ = airports
    for name, pattern in (("iata", r"[A-Z]{3}"), ("icao", r"[A-Z]{4}")):
        assert abs(shape_share(observed[name], pattern) - shape_share(made[name], pattern)) <= SHARE, name
        assert abs(share(observed[name], lambda v: v is None) - share(made[name], lambda v: v is None)) <= SHARE


def test_airport_names_are_names_of_the_same_kind(airports):
    observed, made, _ = airports
    words = {w for v in observed["name"] for w in v.split()}
    last = Counter(v.split()[-1] for v in observed["name"])
    assert all(set(v.split()) <= words for v in made["name"])  # never random letters
    top = {w for w, _ in last.most_common(3)}  # Airport, Airfield, Field ...
    assert abs(share(observed["name"], lambda v: v.split()[-1] in top)
               - share(made["name"], lambda v: v.split()[-1] in top)) <= 2 * SHARE
    close_quantiles([len(v) for v in observed["name"]], [len(v) for v in made["name"]], qs=(0.25, 0.5, 0.75))


def test_airport_places_are_drawn_jointly_with_their_coordinates(airports):
    observed, made, _ = airports
    combos: dict[tuple, list[tuple[float, float]]] = {}
    for city, country, lat, lon in zip(observed["city"], observed["country"], observed["latitude"],
                                       observed["longitude"], strict=True):
        combos.setdefault((city, country), []).append((float(lat), float(lon)))
    for city, country, lat, lon in zip(made["city"], made["country"], made["latitude"], made["longitude"],
                                       strict=True):
        seen = combos[(city, country)]  # an observed (city, country) pair: 100%
        lats, lons = [p[0] for p in seen], [p[1] for p in seen]
        assert min(lats) - 1e-9 <= lat <= max(lats) + 1e-9 and min(lons) - 1e-9 <= lon <= max(lons) + 1e-9
    assert tvd(observed["country"], made["country"]) <= TVD


def test_airport_numbers_follow_the_sample(airports):
    observed, made, _ = airports
    close_quantiles(observed["altitude"], made["altitude"])
    zeros = [abs(share(observed["altitude"], lambda v: v is not None and float(v) == 0)
                 - share(made["altitude"], lambda v: v is not None and float(v) == 0))]
    assert zeros[0] <= SHARE
    assert all(isinstance(v, int) for v in made["altitude"] if v is not None)
    ids = made["id"]
    assert len(set(ids)) == len(ids) and min(ids) >= 1


def test_the_summary_says_what_was_learned_per_column(airports):
    _, _, plan = airports
    reasons = {c.name: c.reason for c in plan.tables[0].columns}
    assert all(r.startswith("learned from the sample") for r in reasons.values()), reasons


# ---------------------------------------------------------------- world cities (GeoNames)


@pytest.fixture(scope="module")
def cities():
    return generated("world_cities.csv")


def test_cities_keep_country_and_subcountry_together(cities):
    observed, made, _ = cities
    pairs = set(zip(observed["country"], observed["subcountry"], strict=True))
    assert all(p in pairs for p in zip(made["country"], made["subcountry"], strict=True))
    assert tvd(observed["country"], made["country"]) <= TVD
    words = {w for v in observed["name"] for w in v.split()}
    assert all(set(v.split()) <= words for v in made["name"])
    assert len(set(made["geonameid"])) == ROWS


# ---------------------------------------------------------------- Korean legal-district codes (Hangul headers)


@pytest.fixture(scope="module")
def korea():
    return generated("korea_legal_dong.csv", locale="ko_KR")


def test_korean_sample_keeps_its_headers_regions_and_shares(korea):
    observed, made, plan = korea
    assert list(made) == ["법정동코드", "시도명", "시군구명", "읍면동명", "리명", "순위", "생성일자", "삭제일자",
                          "과거법정동코드"]
    pairs = set(zip(observed["시도명"], observed["시군구명"], strict=True))
    assert all(p in pairs for p in zip(made["시도명"], made["시군구명"], strict=True))  # no 부산광역시 강남구
    assert tvd(observed["시도명"], made["시도명"]) <= TVD
    assert set(made["순위"]) - {None} <= {int(v) for v in observed["순위"] if v is not None}
    for name in ("읍면동명", "리명", "삭제일자"):
        assert abs(share(observed[name], lambda v: v is None) - share(made[name], lambda v: v is None)) <= SHARE
    hangul = re.compile(r"[가-힣0-9·.]+")
    assert all(hangul.fullmatch(v) for v in made["읍면동명"] if v is not None)
    codes = made["법정동코드"]
    assert len(set(codes)) == ROWS and min(codes) >= int(min(observed["법정동코드"]))
    assert all(c.reason.startswith("learned from the sample") for c in plan.tables[0].columns
               if c.name not in ("생성일자", "삭제일자"))
