"""parse_ddl on real-looking DDL of the three dialects, and on broken DDL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.schema.ddl import guess_dialect, parse_ddl
from tasks.schema.errors import SchemaError
from tasks.schema.spec import ForeignKey

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "schemas" / "shop.sql"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def shop():
    return parse_ddl(SHOP.read_text(), source=str(SHOP))


def test_shop_tables_in_file_order(shop):
    assert [t.name for t in shop.tables] == ["customers", "products", "orders", "order_items"]
    assert shop.warnings == []
    assert shop.source == str(SHOP)


def test_shop_customers_columns(shop):
    customers = shop.table("customers")
    assert len(customers.columns) == 15
    assert customers.primary_key == ["id"]
    assert customers.description == "People who signed up to the shop."
    by = {c.name: c for c in customers.columns}
    assert by["id"].type == "integer" and by["id"].autoincrement and by["id"].unique
    assert by["id"].primary_key and not by["id"].nullable and by["id"].source_type == "BIGSERIAL"
    assert by["email"].unique and not by["email"].nullable and by["email"].max_length == 255
    assert by["phone"].nullable and by["phone"].max_length == 32
    assert (by["country_code"].min_length, by["country_code"].max_length) == (2, 2)
    assert by["country_code"].default == "US"
    assert by["birth_date"].type == "date"
    assert (by["birth_date"].min, by["birth_date"].max) == ("1920-01-01", "2008-12-31")
    assert by["signup_at"].type == "datetime" and by["signup_at"].default is None
    assert by["status"].enum == ["active", "inactive", "suspended", "closed"]
    assert by["status"].default == "active"
    assert (by["loyalty_points"].min, by["loyalty_points"].max) == (0, 100000)
    assert by["loyalty_points"].description == "Points earned, never negative."
    assert by["balance"].type == "decimal"
    assert (by["balance"].precision, by["balance"].scale) == (10, 2)
    assert by["is_active"].type == "boolean" and by["is_active"].default is True


def test_shop_constraints_on_other_tables(shop):
    products = shop.table("products")
    assert products.column("sku").pattern == "^SKU-[0-9]{4}-[A-Z]{2}$"
    assert products.column("category").enum == ["books", "electronics", "garden", "toys", "clothing"]
    price = products.column("price")
    assert (price.min, price.max, price.scale) == (0.01, 5000, 2)  # > 0 on a DECIMAL(8,2) is >= 0.01
    assert (products.column("stock").min, products.column("stock").max) == (0, 32767)  # SMALLINT
    orders = shop.table("orders")
    assert orders.column("customer_id").foreign_key == ForeignKey(table="customers", column="id")
    assert orders.column("order_number").type == "uuid"
    assert orders.column("status").enum == ["pending", "paid", "shipped", "delivered", "cancelled"]
    assert orders.column("shipping_ip").format == "ipv4"
    items = shop.table("order_items")
    assert items.primary_key == ["order_id", "line_no"]
    assert all(items.column(n).primary_key and not items.column(n).unique for n in ("order_id", "line_no"))
    assert items.column("order_id").foreign_key == ForeignKey(table="orders", column="id")
    assert items.column("product_id").foreign_key == ForeignKey(table="products", column="id")
    assert (items.column("quantity").min, items.column("quantity").max) == (1, 99)
    assert (items.column("line_no").min, items.column("line_no").max) == (1, 50)
    assert items.parents() == {"orders", "products"}


MYSQL = """
CREATE TABLE `users` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `email` VARCHAR(191) NOT NULL,
  `role` ENUM('admin','editor','viewer') NOT NULL DEFAULT 'viewer',
  `verified` TINYINT(1) NOT NULL DEFAULT 0,
  `age` TINYINT UNSIGNED,
  `created` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `bio` TEXT COMMENT 'free text',
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_uk` (`email`),
  KEY `users_created_ix` (`created`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `posts` (
  `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `user_id` INT UNSIGNED NOT NULL,
  `title` VARCHAR(200) NOT NULL,
  `score` DOUBLE,
  CONSTRAINT `posts_user_fk` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB;
"""


@pytest.mark.parametrize("dialect", [None, "mysql"])
def test_mysql(dialect):
    schema = parse_ddl(MYSQL, dialect=dialect)
    users, posts = schema.tables
    assert users.primary_key == ["id"]
    uid = users.column("id")
    assert uid.autoincrement and uid.min == 1 and uid.unique
    assert users.column("email").unique and users.column("email").max_length == 191
    role = users.column("role")
    assert role.type == "string" and role.enum == ["admin", "editor", "viewer"] and role.default == "viewer"
    assert users.column("verified").type == "boolean"
    assert (users.column("age").min, users.column("age").max) == (0, 255)
    assert users.column("created").type == "datetime"
    assert users.column("bio").description == "free text"
    assert posts.column("id").autoincrement and posts.primary_key == ["id"]
    assert posts.column("user_id").foreign_key == ForeignKey(table="users", column="id")
    assert posts.column("score").type == "float"


SQLITE = """
CREATE TABLE artists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE tracks (
  id INTEGER PRIMARY KEY,
  artist_id INTEGER NOT NULL REFERENCES artists,
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  seconds REAL CHECK (seconds > 0),
  cover BLOB,
  extra
) WITHOUT ROWID;
"""


def test_sqlite():
    assert guess_dialect(SQLITE) == "sqlite"
    schema = parse_ddl(SQLITE)
    artists, tracks = schema.tables
    assert artists.column("id").autoincrement
    assert tracks.column("id").autoincrement  # INTEGER PRIMARY KEY is the rowid
    # REFERENCES without a column means the parent's primary key.
    assert tracks.column("artist_id").foreign_key == ForeignKey(table="artists", column="id")
    assert tracks.column("seconds").type == "float" and tracks.column("seconds").min > 0
    assert tracks.column("cover").type == "binary"
    assert tracks.column("extra").type == "string"
    assert any("tracks.extra" in w and "no type" in w for w in schema.warnings)


def test_pg_dump_style_constraints_after_tables():
    path = DATA / "pg_dump_shop.sql"
    schema = parse_ddl(path.read_text(), source=str(path))
    agents, tickets = schema.tables
    assert agents.primary_key == ["id"] and tickets.primary_key == ["id"]
    assert agents.column("login").unique  # from CREATE UNIQUE INDEX
    assert agents.column("login").pattern == "^[a-z][a-z0-9_]{2,31}$"
    assert tickets.column("id").autoincrement  # DEFAULT nextval(...)
    assert tickets.column("priority").enum == ["low", "normal", "high", "urgent"]  # CREATE TYPE ... AS ENUM
    assert tickets.column("channel").enum == ["email", "phone", "chat"]  # = ANY (ARRAY[...])
    assert tickets.column("channel").description == "Where the customer reached us"
    assert tickets.description == "Support tickets"
    assert tickets.column("agent_id").foreign_key == ForeignKey(table="agents", column="id")


def test_mysqldump_with_version_comments_locks_and_inserts():
    path = DATA / "mysqldump_billing.sql"
    schema = parse_ddl(path.read_text(), source=str(path))
    customers, invoices = schema.tables
    assert customers.column("tier").enum == ["free", "pro", "enterprise"]
    credit = customers.column("credit")
    assert (credit.precision, credit.scale, credit.min, credit.default) == (12, 4, 0, 0.0)
    assert customers.column("email").unique
    assert customers.column("created_at").nullable and customers.column("created_at").type == "datetime"
    assert (customers.column("born").min, customers.column("born").max) == (1901, 2155)
    assert invoices.column("customer_id").foreign_key == ForeignKey(table="customers", column="id")
    # the dump's other statements are skipped and counted, once per kind; one data row teaches nothing
    assert "table customers: 1 row(s) of data in the file, too few (< 20) to learn values from" in schema.warnings
    assert any(w.startswith("skipped ") and "SET statements" in w for w in schema.warnings)
    assert any("LOCK/UNLOCK TABLES statements" in w for w in schema.warnings)
    assert not any("customers." in w or "invoices." in w for w in schema.warnings)


def test_check_shapes_and_identity():
    schema = parse_ddl(
        """
        CREATE TABLE m (
          id BIGINT GENERATED ALWAYS AS IDENTITY,
          a INT CHECK (0 <= a),
          b NUMERIC(6,1) CHECK (b > 10 AND b < 20),
          c TEXT CHECK (c = 'x' OR c = 'y' OR c = 'z'),
          d DATE CHECK (d > '2024-01-31'),
          e VARCHAR(40) CHECK (char_length(e) >= 3),
          f INT,
          g INTERVAL,
          CONSTRAINT m_pk PRIMARY KEY (id),
          CHECK (f BETWEEN -5 AND 5)
        );
        """,
        dialect="postgres",
    )
    m = schema.tables[0]
    assert m.column("id").autoincrement and m.primary_key == ["id"]
    assert m.column("a").min == 0
    assert (m.column("b").min, m.column("b").max) == (10.1, 19.9)
    assert m.column("c").enum == ["x", "y", "z"]
    assert m.column("d").min == "2024-02-01"
    assert (m.column("e").min_length, m.column("e").max_length) == (3, 40)
    assert (m.column("f").min, m.column("f").max) == (-5, 5)
    assert m.column("g").type == "string"
    assert schema.warnings == ["m.g: type INTERVAL is not supported; generating it as string"]


def test_unsupported_type_warns_with_table_and_column():
    if True:  # the warnings are the schema's (the flow logs them): see test_read_schema_task_logs_warnings
        schema = parse_ddl("CREATE TABLE places (id INT PRIMARY KEY, shape GEOMETRY, tags TEXT[]);", source="geo.sql")
    places = schema.tables[0]
    assert places.column("shape").type == "string" and places.column("shape").source_type == "GEOMETRY"
    assert places.column("shape").generator == "geometry.wkt"  # written as WKT text, with a warning
    assert places.column("tags").type == "array" and places.column("tags").items.type == "string"
    assert any("places.shape" in w and "GEOMETRY" in w for w in schema.warnings)
    assert not any("places.tags" in w for w in schema.warnings)  # a list of strings is kept, not approximated


def test_non_table_statements_are_ignored():
    schema = parse_ddl(
        """
        -- a comment
        CREATE SCHEMA IF NOT EXISTS app;
        CREATE TABLE app.t (id INT PRIMARY KEY);
        CREATE INDEX t_ix ON app.t (id);
        CREATE VIEW v AS SELECT id FROM app.t;
        INSERT INTO app.t VALUES (1);
        GRANT SELECT ON app.t TO reader;
        """
    )
    assert [t.name for t in schema.tables] == ["t"]


# ----------------------------------------------------------------------------- bad input


def test_invalid_ddl_names_file_and_line():
    text = "CREATE TABLE ok (id INT);\n\nCREATE TABLE broken (\n  id INT,\n  name VARCHAR(10 NOT NULL\n);\n"
    with pytest.raises(SchemaError) as err:
        parse_ddl(text, dialect="postgres", source="schema/broken.sql")
    assert err.value.file == "schema/broken.sql"
    assert (err.value.line, err.value.column) == (5, 14)  # the line that lacks its ")"
    assert str(err.value).startswith("schema/broken.sql:5:14:")
    assert "postgres" in str(err.value)


def test_invalid_ddl_without_dialect_tries_all():
    with pytest.raises(SchemaError) as err:
        parse_ddl("CREATE TABLE t (\n  a INT,\n  b INT CHECK (b > 0 AND\n);", source="x.sql")
    assert err.value.line == 4
    assert "tried dialects postgres, mysql, sqlite" in str(err.value)


def test_misspelt_create_table_is_an_error_with_its_line():
    with pytest.raises(SchemaError, match=r"x\.sql:3: could not parse this CREATE statement"):
        parse_ddl("CREATE TABLE a (id INT);\n\nCREATE TABEL b (id INT);", source="x.sql")


@pytest.mark.parametrize("text", ["", "  \n-- only a comment\n", "CREATE INDEX i ON t (a);"])
def test_empty_or_tableless_file(text):
    with pytest.raises(SchemaError, match=r"empty\.sql: .*(empty|no CREATE TABLE)"):
        parse_ddl(text, source="empty.sql")


def test_foreign_key_to_missing_table_names_both_tables():
    text = "CREATE TABLE orders (\n  id INT PRIMARY KEY,\n  customer_id INT REFERENCES customers (id)\n);"
    with pytest.raises(SchemaError) as err:
        parse_ddl(text, source="orders.sql")
    message = str(err.value)
    assert "orders.customer_id" in message and "'customers'" in message and "orders.sql" in message


def test_foreign_key_of_another_type_is_a_warning():
    schema = parse_ddl(
        "CREATE TABLE a (id UUID PRIMARY KEY);\nCREATE TABLE b (a_id VARCHAR(36) REFERENCES a (id));"
    )
    assert schema.warnings == ["b.a_id is string but references a.id (uuid); it takes the parent's values"]


def test_foreign_key_to_missing_column():
    text = "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT, FOREIGN KEY (a_id) REFERENCES a (uid));"
    with pytest.raises(SchemaError, match=r"b\.a_id references a\.uid"):
        parse_ddl(text)


def test_primary_key_on_unknown_column_has_line():
    with pytest.raises(SchemaError) as err:
        parse_ddl("CREATE TABLE t (\n  id INT,\n  PRIMARY KEY (uid)\n);", source="t.sql")
    assert "'uid'" in str(err.value) and err.value.file == "t.sql"


def test_duplicate_table():
    with pytest.raises(SchemaError, match="defined twice"):
        parse_ddl("CREATE TABLE t (id INT);\nCREATE TABLE t (id INT);")
