"""A throw-away PostgreSQL 15 for the load and ops tests: initdb in a temporary folder, a free
port on 127.0.0.1, password authentication over TCP, stopped at the end of the session.

The server refuses to run as root, so as root (the test machines) it runs as the
`postgres` user, which must own the data folder. `make test` installs Debian's
`postgresql` package where it is missing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.local_server import free_port

PG_BIN = Path(os.environ.get("QAFLOW_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PgServer:
    """The running server: superuser and password, and how to make a fresh database."""

    host: str
    port: int
    user: str
    password: str

    def dsn(self, database: str = "postgres", password: bool = True) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL 15 for the session (password auth on TCP, trust on its own socket only)."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 is not installed ({PG_BIN}); `make test` installs Debian's postgresql")
    root = Path(tempfile.mkdtemp(prefix="qaflow-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, socket_dir = root / "data", root
    password = "pw-" + secrets.token_urlsafe(12)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_server_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                                    "--no-sync", "--locale=C"]),
                   check=True, capture_output=True, cwd=root)
    options = f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    start = subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options,
                                            "-l", str(root / "server.log"), "-w", "-t", "60", "start"]),
                           capture_output=True, text=True, cwd=root)
    if start.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {start.stderr}\n{log}")
    try:
        yield PgServer(host="127.0.0.1", port=port, user="postgres", password=password)
    finally:
        subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_database(pg_server: PgServer) -> str:
    """A fresh, empty database; its DSN (with the password)."""
    return pg_server.dsn(pg_server.new_database())
