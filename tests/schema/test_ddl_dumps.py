"""parse_ddl on whole dumps: what it skips (and counts), every problem in one run, the
statements it models beyond CREATE TABLE, data rows as a sample, and the types it keeps.
No Prefect: plain function calls."""

from __future__ import annotations

import pytest

from tasks.schema.ddl import parse_ddl
from tasks.schema.ddl_statements import split_statements
from tasks.schema.errors import SchemaError
from tasks.schema.spec import ForeignKey

PG_DUMP = r"""
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
\restrict abc123
\connect shop
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.year AS integer
    CONSTRAINT year_check CHECK (((VALUE >= 1901) AND (VALUE <= 2155)));
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();   -- a ; inside the quoted body does not end it
    RETURN NEW;
END;
$$;
CREATE AGGREGATE public.group_concat(text) (SFUNC = public._group_concat, STYPE = text);
CREATE SEQUENCE public.person_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
CREATE TABLE public.person (
    id integer NOT NULL,
    born public.year,
    mood public.mood NOT NULL,
    seen timestamp with time zone NOT NULL,
    wakes time without time zone,
    photo bytea,
    prefs jsonb,
    tags text[],
    starts date NOT NULL,
    ends date NOT NULL
);
ALTER TABLE public.person OWNER TO postgres;
ALTER TABLE ONLY public.person ALTER COLUMN id SET DEFAULT nextval('public.person_id_seq'::regclass);
CREATE TABLE public.visit (
    person_id integer NOT NULL,
    day date NOT NULL,
    note text
);
CREATE VIEW public.people AS SELECT id FROM public.person;
CREATE MATERIALIZED VIEW public.busy AS SELECT person_id, count(*) FROM public.visit GROUP BY 1 WITH NO DATA;
CREATE INDEX busy_idx ON public.busy USING btree (person_id);
CREATE TRIGGER touch BEFORE UPDATE ON public.person FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE RULE no_delete AS ON DELETE TO public.visit DO INSTEAD NOTHING;
CREATE POLICY own ON public.visit USING (true);
COMMENT ON EXTENSION pgcrypto IS 'crypto';
COMMENT ON COLUMN public.person.mood IS 'how they feel';
ALTER TABLE ONLY public.person ADD CONSTRAINT person_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.person ADD CONSTRAINT person_span CHECK ((starts <= ends));
ALTER TABLE ONLY public.visit ADD CONSTRAINT visit_once UNIQUE (person_id, day);
ALTER TABLE ONLY public.visit
    ADD CONSTRAINT visit_person_fkey FOREIGN KEY (person_id) REFERENCES public.person(id);
GRANT SELECT ON TABLE public.person TO reader;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
COPY public.visit (person_id, day, note) FROM stdin;
""" + "".join(
    f"{i}\t2024-01-{i % 28 + 1:02d}\t{['call', 'mail', 'visit'][i % 3] if i % 5 else chr(92) + 'N'}\n"
    for i in range(1, 41)
) + "\\.\n\nSELECT pg_catalog.setval('public.person_id_seq', 40, true);\n"


@pytest.fixture(scope="module")
def pg():
    return parse_ddl(PG_DUMP, source="shop.dump.sql")


def test_pg_dump_reads_tables_and_counts_what_it_skips(pg):
    assert [t.name for t in pg.tables] == ["person", "visit"]
    skipped = {w for w in pg.warnings if w.startswith("skipped ")}
    for kind in ("SET", "set_config", "psql meta-command", "extension", "routine (function, procedure, aggregate)",
                 "sequence (used through nextval)", "OWNER TO", "view", "materialized view", "trigger", "rule",
                 "policy", "GRANT/REVOKE", "COMMENT", "sequence value", "index on a view or unknown table"):
        assert any(w.startswith("skipped ") and f" {kind} statement" in w for w in skipped), kind
    assert "skipped 2 psql meta-command statements (first at line 4)" in skipped
    assert "skipped 2 routine (function, procedure, aggregate) statements (first at line 10)" in skipped


def test_pg_dump_types_domains_enums_and_alter_table(pg):
    person, visit = pg.tables
    assert person.primary_key == ["id"] and person.column("id").autoincrement  # SET DEFAULT nextval
    assert (person.column("born").type, person.column("born").min, person.column("born").max) == ("integer", 1901, 2155)
    assert person.column("mood").enum == ["sad", "ok", "happy"] and person.column("mood").description
    assert (person.column("seen").type, person.column("seen").timezone) == ("datetime", "UTC")
    assert person.column("wakes").type == "time" and person.column("wakes").timezone is None
    assert person.column("photo").type == "binary" and person.column("prefs").type == "json"
    assert person.column("tags").type == "array" and person.column("tags").items.type == "string"
    assert (person.column("id").min, person.column("id").max) == (1, 2**31 - 1)
    assert person.row_order == [["starts", "ends"]]  # CHECK (starts <= ends)
    assert visit.unique_keys == [["person_id", "day"]]
    assert visit.column("person_id").foreign_key == ForeignKey(table="person", column="id")


def test_copy_rows_are_a_sample_of_their_table(pg):
    visit = pg.table("visit")
    note = visit.column("note")
    assert sorted(note.enum) == ["call", "mail", "visit"] and note.enum_weights
    assert note.null_rate == pytest.approx(8 / 40)
    assert any(w.startswith("table visit: 40 row(s) in the file read as a sample") for w in pg.warnings)


MYSQL = """-- MySQL dump
/*!40101 SET NAMES utf8mb4 */;
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop;
USE shop;
CREATE TABLE `place` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `small` tinyint NOT NULL,
  `medium` mediumint unsigned NOT NULL,
  `big` bigint unsigned NOT NULL,
  `made` year NOT NULL,
  `at` datetime NOT NULL,
  `kind` enum('shop','home') NOT NULL,
  `flags` set('a','b') DEFAULT NULL,
  `pic` longblob,
  `doubled` int GENERATED ALWAYS AS ((`small` * 2)) STORED,
  `shown` varchar(10) AS (concat(`kind`, '!')) VIRTUAL,
  /*!50705 `spot` point NOT NULL,*/
  `price` decimal(6,2) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
DELIMITER //
CREATE PROCEDURE bump(IN n INT)
BEGIN
  UPDATE place SET small = small + n; -- the ; does not end it: the delimiter is //
  SELECT 'done;' AS msg;
END //
CREATE TRIGGER stamp BEFORE INSERT ON place FOR EACH ROW BEGIN SET NEW.at = NOW(); END//
DELIMITER ;
INSERT INTO `place` (`id`, `small`, `medium`, `big`, `made`, `at`, `kind`, `price`) VALUES
""" + ",\n".join(f"({i},{i % 7},{i},{i * 10},2001,'2020-01-0{i % 9 + 1} 10:00:00','shop',{i}.50)" for i in range(1, 31)) + """;
"""


def test_mysql_dump_delimiter_conditional_comments_generated_columns():
    schema = parse_ddl(MYSQL, source="m.sql")
    place = schema.table("place")
    cols = {c.name: c for c in place.columns}
    assert "doubled" not in cols and "shown" not in cols  # computed by MySQL: left out, with a warning
    assert any("place.doubled" in w and "left out" in w for w in schema.warnings)
    assert cols["spot"].generator == "geometry.wkt" and cols["spot"].nullable is False  # from /*!50705 ... */
    assert (cols["id"].min, cols["id"].max) == (1, 2**32 - 1)
    assert (cols["small"].min, cols["small"].max) == (0, 6)  # TINYINT, narrowed by the 30 sampled rows
    assert (cols["medium"].min, cols["medium"].max) == (1, 30)  # the sample narrows MEDIUMINT UNSIGNED
    assert (cols["big"].min, cols["big"].max) == (10, 300)
    assert cols["made"].enum == [2001]  # YEAR, every sampled row 2001
    assert cols["at"].type == "datetime" and cols["kind"].enum == ["shop", "home"]
    assert cols["pic"].type == "binary" and cols["flags"].enum == ["a", "b"]
    assert (cols["price"].min, cols["price"].max) == (1.5, 30.5)
    skipped = " | ".join(w for w in schema.warnings if w.startswith("skipped "))
    for kind in ("SET", "CREATE/DROP DATABASE or SCHEMA", "USE", "routine", "trigger"):
        assert kind in skipped


def test_every_problem_of_a_file_in_one_error():
    text = (
        "CREATE TABLE a (id INT PRIMARY KEY);\n"
        "CREATE TABLE b (\n  id INT,\n  name VARCHAR(10 NOT NULL\n);\n"
        "CREATE TABLE c (id INT, PRIMARY KEY (uid));\n"
        "CREATE TABLE d (a_id INT REFERENCES nowhere (id));\n"
        "CREATE VIEW v AS SELECT broken syntax here (((;\n"
    )
    with pytest.raises(SchemaError) as err:
        parse_ddl(text, dialect="postgres", source="many.sql")
    message = str(err.value)
    assert message.startswith("many.sql:4:")  # the first problem, by line
    assert "3 problems in this file" in message and "\n" not in message  # one line: the CLI shows all of it
    assert "many.sql:6: table 'c'" in message and "'uid'" in message
    assert "many.sql:7:" in message and "'nowhere'" in message


def test_partitions_are_their_table():
    schema = parse_ddl(
        """
        CREATE TABLE m (id int, at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
        CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
        CREATE TABLE m_2025 (id int, at timestamptz NOT NULL, v int);
        ALTER TABLE ONLY m ATTACH PARTITION m_2025 FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00');
        CREATE TABLE r (m_id int REFERENCES m_2025 (id));
        """,
        dialect="postgres",
    )
    assert [t.name for t in schema.tables] == ["m", "r"]
    at = schema.table("m").column("at")
    assert (at.min, at.max) == ("2024-01-01T00:00:00", "2025-12-31T23:59:59")
    assert schema.table("r").column("m_id").foreign_key.table == "m"
    assert any("table m: partitioned; its 2 partition(s)" in w for w in schema.warnings)


def test_splitter_keeps_quoted_semicolons_and_places():
    text = "SELECT 'a;b';\n-- c;\n/* d; */ CREATE TABLE \"x;y\" (v text DEFAULT $q$;$q$);\n\\c db\nSELECT 1"
    statements = split_statements(text)
    assert [(s.kind, s.line, s.column) for s in statements] == [
        ("query", 1, 1), ("table", 3, 10), ("psql meta-command", 4, 1), ("query", 5, 1),
    ]
