"""Issue 11: keys that always hold, values that look real, modules that stand alone.

Sakila (MySQL's sample database, BSD licence; tests/schema/fixtures/dumps) has a foreign-key
cycle (store -> staff -> store), a UNIQUE foreign key (store.manager_staff_id), composite
primary keys, a three-column UNIQUE with a DATETIME member, TINYINT/SMALLINT/YEAR columns
and rental/return dates. Every table is rendered, written to Parquet, and checked by an
independent SQL engine (DuckDB over the files), not only by qaflow's own validator.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tasks.codegen.mapping import MappingError, map_schema
from tasks.codegen.render import mapping_text, render_plan
from tasks.rows.run import run_shard
from tasks.rows.shards import plan_shards
from tasks.rows.validate import check_table
from tasks.schema.ddl import parse_ddl
from tests.codegen.conftest import POOL_CACHE

DUMPS = Path(__file__).resolve().parents[1] / "schema" / "fixtures" / "dumps"
SAKILA = DUMPS / "sakila_mysql.sql"  # the whole file, routines and data included, as a team would give it
ROWS = 1000
SAKILA_ROWS = {"store": 40, "staff": 60, "country": 100, "city": 400, "language": 20, "category": 16}

# Our own small schema (written for this test) with the key shapes Sakila lacks: a 1:1 table
# whose primary key is a foreign key, a self-reference, a nextval() member of a composite
# primary key, a composite key with a timestamp member, a UNIQUE INT UNSIGNED, CHECK (a < b).
KEYS_DDL = """
CREATE SEQUENCE events_id_seq;
CREATE TABLE users (
    id          BIGSERIAL PRIMARY KEY,
    email       VARCHAR(120) NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP
);
CREATE TABLE user_profiles (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id),
    composer    VARCHAR(80),
    state       VARCHAR(40),
    job_title   VARCHAR(80),
    quantity    SMALLINT NOT NULL,
    age         SMALLINT
);
CREATE TABLE employees (
    id          INTEGER PRIMARY KEY,
    manager_id  INTEGER REFERENCES employees (id),
    badge       INTEGER NOT NULL UNIQUE,
    start_date  DATE NOT NULL,
    end_date    DATE,
    CHECK (start_date < end_date)
);
CREATE TABLE events (
    id          INTEGER DEFAULT nextval('events_id_seq') NOT NULL,
    happened_at TIMESTAMP NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    note        TEXT,
    PRIMARY KEY (happened_at, id)
);
CREATE TABLE visits (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    seen_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, seen_at)
);
"""
KEYS_ROWS = {"users": 800, "user_profiles": 700, "employees": 500, "events": 900, "visits": 1200}


def _write(plan, root: Path) -> None:
    modules = render_plan(plan, root / "generators", batch_size=512, pool_cache=str(POOL_CACHE))
    for table in plan.tables:
        for shard in plan_shards(table.name, table.rows, root / table.name, shards=2, batch_size=512):
            run_shard(modules[table.name], shard, seed=11, fmt="parquet", locale="en_US",
                      pool_cache=str(POOL_CACHE))


def _duck(root: Path, tables) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in tables:
        con.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{root / table}/*.parquet')")
    return con


def _one(con, sql: str):
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def sakila(tmp_path_factory):
    root = tmp_path_factory.mktemp("sakila")
    schema = parse_ddl(SAKILA.read_text(), source=str(SAKILA))
    plan = map_schema(schema, {t.name: SAKILA_ROWS.get(t.name, ROWS) for t in schema.tables})
    _write(plan, root)
    return schema, plan, root, _duck(root, [t.name for t in schema.tables])


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    root = tmp_path_factory.mktemp("keys")
    schema = parse_ddl(KEYS_DDL, source="keys.sql")
    plan = map_schema(schema, KEYS_ROWS)
    _write(plan, root)
    return schema, plan, root, _duck(root, list(KEYS_ROWS))


def test_a_foreign_key_cycle_is_generated_and_named_in_the_warnings(sakila):
    _, plan, _, _ = sakila
    assert any("cycle store -> staff -> store" in w for w in plan.warnings)
    assert {t.name for t in plan.tables} >= {"customer", "store", "staff"}


def test_sakila_keys_hold_in_sql(sakila):
    schema, _, _, con = sakila
    for table in schema.tables:  # every primary key, single or composite
        cols = ", ".join(table.primary_key)
        assert _one(con, f"SELECT count(*) - count(DISTINCT ({cols})) FROM {table.name}") == 0, table.name
        for col in table.columns:
            if not col.nullable:
                assert _one(con, f"SELECT count(*) FROM {table.name} WHERE {col.name} IS NULL") == 0, col.name
            fk = col.foreign_key
            if fk is not None:
                missing = _one(con, f"SELECT count(*) FROM {table.name} c LEFT JOIN {fk.table} p "
                                    f"ON c.{col.name} = p.{fk.column} WHERE c.{col.name} IS NOT NULL "
                                    f"AND p.{fk.column} IS NULL")
                assert missing == 0, f"{table.name}.{col.name}"
    # UNIQUE foreign key (a manager runs one store) and the three-column UNIQUE with a DATETIME
    assert _one(con, "SELECT count(*) - count(DISTINCT manager_staff_id) FROM store") == 0
    assert _one(con, "SELECT count(*) - count(DISTINCT (rental_date, inventory_id, customer_id)) FROM rental") == 0


def test_sakila_values_stay_inside_their_types_and_look_real(sakila):
    _, _, _, con = sakila
    lo, hi = con.execute("SELECT min(rental_duration), max(rental_duration) FROM film").fetchone()
    assert lo >= 1 and hi <= 30  # TINYINT UNSIGNED, a duration in days: not 0..255
    lo, hi = con.execute("SELECT min(length), max(length) FROM film").fetchone()
    assert lo >= 1 and hi <= 300  # SMALLINT UNSIGNED minutes: not 0..65535
    lo, hi = con.execute("SELECT min(release_year), max(release_year) FROM film").fetchone()
    assert lo >= 1950 and hi <= 2030
    lo, hi, mid = con.execute("SELECT min(rental_rate), max(rental_rate), median(amount) FROM film, "
                              "(SELECT median(amount) AS amount FROM payment)").fetchone()
    assert lo > 0 and hi <= 99.99 and 0 < mid < 200
    for table, col in (("address", "district"), ("film", "title"), ("category", "name"), ("language", "name")):
        values = [v for (v,) in con.execute(f"SELECT {col} FROM {table} LIMIT 50").fetchall()]
        assert all(v[:1].isupper() for v in values), (table, col, values[:5])  # not random lowercase
    assert _one(con, "SELECT count(*) FROM staff WHERE password IS NOT NULL AND NOT "
                     "regexp_full_match(password, '[0-9a-f]{40}')") == 0  # a hash fits VARCHAR(40)
    assert _one(con, "SELECT count(*) FROM address WHERE address2 NOT LIKE 'Apt.%' AND address2 NOT LIKE "
                     "'Suite%' AND address2 NOT LIKE 'Unit%' AND address2 NOT LIKE 'Floor%'") == 0
    assert _one(con, "SELECT count(*) FROM rental WHERE return_date < rental_date") == 0
    assert _one(con, "SELECT count(*) FROM customer WHERE last_update < create_date") == 0
    # nullable non-key columns hold NULLs at about the default 5%, keys and NOT NULL none
    rate = _one(con, "SELECT avg((original_language_id IS NULL)::INT) FROM film")
    assert 0.02 < rate < 0.09
    assert _one(con, "SELECT count(*) FROM film WHERE language_id IS NULL OR title IS NULL") == 0


def test_qaflow_own_checks_cover_keys_not_null_and_ranges(sakila):
    _, plan, root, _ = sakila
    rental = check_table(plan, plan.table("rental"), root, "parquet")
    assert rental.ok, rental.problems
    assert "(rental_date, inventory_id, customer_id)" in rental.unique_checked
    assert len(rental.foreign_keys_checked) == 3 and "rental_date" in rental.not_null_checked
    assert "inventory_id" in rental.ranges_checked
    film = check_table(plan, plan.table("film"), root, "parquet")
    assert film.ok and "release_year" in film.ranges_checked and "rental_duration" in film.ranges_checked


def test_mapping_yaml_says_what_each_column_got_and_why(sakila):
    schema, plan, _, _ = sakila
    text = mapping_text(schema, plan)
    assert re.search(r"#   rental\.return_date: temporal\.datetime_after \[heuristic, NULL 5%\] after rental_date",
                     text)
    assert "#   store.manager_staff_id: id.foreign_key" in text


def test_one_to_one_self_reference_sequences_and_composite_keys_hold_in_sql(keys):
    _, plan, _, con = keys
    # a primary key that is also a foreign key: unique, every value a parent key
    assert _one(con, "SELECT count(*) - count(DISTINCT user_id) FROM user_profiles") == 0
    assert _one(con, "SELECT count(*) FROM user_profiles p LEFT JOIN users u ON p.user_id = u.id "
                     "WHERE u.id IS NULL") == 0
    # a self-reference points into its own table, NULL now and then
    assert _one(con, "SELECT count(*) FROM employees e LEFT JOIN employees m ON e.manager_id = m.id "
                     "WHERE e.manager_id IS NOT NULL AND m.id IS NULL") == 0
    assert 0 < _one(con, "SELECT count(*) FROM employees WHERE manager_id IS NULL") < 60
    # a UNIQUE INTEGER without a foreign key stays unique and inside INTEGER
    assert _one(con, "SELECT count(*) - count(DISTINCT badge) FROM employees") == 0
    assert _one(con, "SELECT max(badge) FROM employees") <= 2**31 - 1
    # nextval() member of a composite key is a sequence; a timestamp member of a composite key
    assert _one(con, "SELECT count(*) - count(DISTINCT id) FROM events") == 0
    assert _one(con, "SELECT min(id) = 1 AND max(id) = 900 FROM events")
    assert _one(con, "SELECT count(*) - count(DISTINCT (user_id, seen_at)) FROM visits") == 0
    # in-row order from CHECK (start_date < end_date) and from names (created <= updated)
    assert _one(con, "SELECT count(*) FROM employees WHERE end_date <= start_date") == 0
    assert _one(con, "SELECT count(*) FROM users WHERE updated_at < created_at") == 0
    # values by name and the SQL type
    profiles = plan.table("user_profiles")
    assert profiles.column("composer").generator == "person.full_name"
    assert profiles.column("state").generator == "address.state"
    assert profiles.column("job_title").generator == "company.job"
    lo, hi = con.execute("SELECT min(quantity), max(quantity) FROM user_profiles").fetchone()
    assert lo >= 1 and hi <= 20
    lo, hi = con.execute("SELECT min(age), max(age) FROM user_profiles").fetchone()
    assert lo >= 18 and hi <= 90


def test_keys_that_cannot_hold_the_rows_are_refused_before_any_work():
    tiny = parse_ddl("CREATE TABLE t (id TINYINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, n INT);", source="t.sql")
    with pytest.raises(MappingError, match=r"t\.id: 300 rows take the sequence to 300, beyond its type's maximum 255"):
        map_schema(tiny, 300)
    assert map_schema(tiny, 255).table("t").column("id").bounds == [0, 255]
    one_to_one = parse_ddl(KEYS_DDL, source="keys.sql")
    with pytest.raises(MappingError, match=r"user_profiles\.user_id: a 1:1 key into users needs at most 800 rows"):
        map_schema(one_to_one, {**KEYS_ROWS, "user_profiles": 801})


def test_null_rate_option_and_the_specs_own_rate():
    schema = parse_ddl(KEYS_DDL, source="keys.sql")
    off = map_schema(schema, KEYS_ROWS, null_rate=0)
    assert all(c.null_rate == 0 for t in off.tables for c in t.columns)
    schema.table("users").column("updated_at").null_rate = 0.5
    given = map_schema(schema, KEYS_ROWS)
    assert given.table("users").column("updated_at").null_rate == 0.5
    assert given.table("user_profiles").column("composer").null_rate == 0.05
    assert given.table("users").column("email").null_rate == 0  # NOT NULL


def test_values_by_name_follow_the_locale():
    ddl = ("CREATE TABLE albums (id SERIAL PRIMARY KEY, title VARCHAR(80) NOT NULL, genre VARCHAR(20) NOT NULL, "
           "address2 VARCHAR(40) NOT NULL, language VARCHAR(20) NOT NULL);")
    plan = map_schema(parse_ddl(ddl, source="albums.sql"), 200, locale="ko_KR")
    from tests.codegen.conftest import make_table

    table = make_table([c.runtime() for c in plan.table("albums").columns], 200, locale="ko_KR")
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for name in ("genre", "address2", "language"):
        assert all(hangul.search(v) for v in table.column(name).to_pylist()), name
    assert plan.table("albums").column("title").generator == "media.title"


def test_a_module_run_alone_keeps_its_foreign_keys_valid(sakila, tmp_path):
    _, plan, root, _ = sakila
    module = root / "generators" / "customer_generator.py"
    helped = subprocess.run([sys.executable, str(module), "--help"], capture_output=True, text=True, check=True)
    assert "store=40" in helped.stdout and "address=1000" in helped.stdout and "--parent-rows" in helped.stdout
    out = tmp_path / "customer.parquet"
    done = subprocess.run([sys.executable, str(module), "--rows", "300", "--out", str(out),
                           "--pool-cache", str(POOL_CACHE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["rows"] == 300
    con = _duck(root, ["store", "address"])
    missing = _one(con, f"SELECT count(*) FROM read_parquet('{out}') c LEFT JOIN store s USING (store_id) "
                        "WHERE s.store_id IS NULL")
    assert missing == 0


def test_codegen_null_rate_option_and_short_unique_text(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    schema = tmp_path / "keys.sql"
    schema.write_text(KEYS_DDL + "CREATE TABLE codes (code VARCHAR(6) NOT NULL UNIQUE, label VARCHAR(30));\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["mockdata", "codegen", str(schema), "--out", str(tmp_path / "gen"),
                                      "--rows", "500", "--null-rate", "0", "--json"])
    assert result.exit_code == 0, result.output
    mapping = (tmp_path / "gen" / "mapping.yaml").read_text(encoding="utf-8")
    assert "#   user_profiles.user_id: id.foreign_key [heuristic]" in mapping
    assert "NULL 5%" not in mapping  # --null-rate 0: no NULLs anywhere
    assert "#   codes.code: id.code" in mapping and "6-letter code" in mapping
