"""The load tests' throw-away PostgreSQL 15 (tests/postgres.py)."""

from tests.postgres import PgServer, pg_database, pg_server  # noqa: F401
