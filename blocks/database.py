"""The PostgreSQL database that generated mock data is loaded into.

A deployment names the block (`load: test-db`), never a connection string with a
password in it: the password lives in the block as a secret and is only put
into the libpq connection string at the moment of connecting. Everything a log,
a summary or an artifact shows comes from `describe()`, which has no password.
"""

from __future__ import annotations

import os
import re
from typing import Literal, Self
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr

from blocks.base import QaflowBlock

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class Database(QaflowBlock):
    """A PostgreSQL server and database: host, port, database, user, password (secret), sslmode."""

    _block_type_name = "qaflow Database"
    _block_type_slug = "qaflow-database"
    _description = "PostgreSQL database that qaflow loads mock data into (the password is a secret)."

    host: str = Field(default="127.0.0.1", description="Server host name or address.")
    port: int = Field(default=5432, ge=1, le=65535, description="Server port.")
    database: str = Field(default="postgres", description="Database name.")
    user: str = Field(default="postgres", description="User name.")
    password: SecretStr | None = Field(default=None, description="Password (kept secret; libpq's PGPASSWORD "
                                                                "or ~/.pgpass apply when empty).")
    sslmode: SslMode = Field(default="prefer", description="libpq sslmode.")

    @classmethod
    def from_env(cls) -> Self:
        """libpq's own variables (PGHOST, PGPORT, PGDATABASE, PGUSER), then the defaults."""
        values: dict[str, object] = {}
        for field, var in (("host", "PGHOST"), ("port", "PGPORT"), ("database", "PGDATABASE"),
                           ("user", "PGUSER"), ("sslmode", "PGSSLMODE")):
            if os.environ.get(var):
                values[field] = os.environ[var]
        return cls.model_validate(values)

    @classmethod
    def from_dsn(cls, dsn: str) -> Self:
        """A block from a `postgresql://user[:password]@host:port/db?sslmode=...` URL."""
        parts = urlsplit(dsn)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB): {redact(dsn)}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"bad port in {redact(dsn)}") from None
        values: dict[str, object] = {
            "host": unquote(parts.hostname or query.get("host", "") or "127.0.0.1"),
            "port": port or int(query.get("port", 5432)),
            "database": unquote(parts.path.lstrip("/")) or query.get("dbname", "postgres"),
            "user": unquote(parts.username or query.get("user", "") or "postgres"),
        }
        if parts.password is not None or "password" in query:
            values["password"] = SecretStr(unquote(parts.password or query.get("password", "")))
        if "sslmode" in query:
            values["sslmode"] = query["sslmode"]
        return cls.model_validate(values)

    def conninfo(self) -> str:
        """The libpq connection string, password included: pass it to a driver, never print it."""
        from psycopg.conninfo import make_conninfo

        extra = {"password": self.password.get_secret_value()} if self.password else {}
        return make_conninfo(host=self.host, port=self.port, dbname=self.database, user=self.user,
                             sslmode=self.sslmode, application_name="qaflow-mockdata-load", **extra)

    def describe(self) -> str:
        """Where the database is, for logs and summaries: no password."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"


def redact(dsn: str) -> str:
    """A connection URL or key=value string with its password replaced by ***."""
    parts = urlsplit(dsn)
    if parts.scheme and parts.password is not None:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        dsn = parts._replace(netloc=netloc).geturl()
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", dsn, flags=re.IGNORECASE)
