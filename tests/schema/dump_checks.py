"""An independent check of generated rows: DuckDB SQL over the Parquet files qaflow wrote.

Shared by the dump tests of issue 11 (types, NOT NULL, enums, ranges here; keys and
foreign keys in the tests of helper 11b). Nothing here calls qaflow's own validator:
every fact is asked of the output with SQL, and the SQL integer ranges come from the
table below, not from the reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

# SQL integer type (as the DDL writes it, lower case, without width) -> (min, max).
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "tinyint": (-128, 127), "tinyint unsigned": (0, 255),
    "smallint": (-32768, 32767), "smallint unsigned": (0, 65535),
    "mediumint": (-8388608, 8388607), "mediumint unsigned": (0, 16777215),
    "int": (-(2**31), 2**31 - 1), "integer": (-(2**31), 2**31 - 1), "int unsigned": (0, 2**32 - 1),
    "bigint": (-(2**63), 2**63 - 1), "year": (1901, 2155), "serial": (1, 2**31 - 1),
    "smallserial": (1, 32767),
}


def generate(schema: Path, out: Path, rows: int, *extra: str) -> dict[str, Any]:
    """`qaflow mockdata generate SCHEMA --rows N --out OUT --json` in this process; its JSON summary."""
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(app, ["mockdata", "generate", str(schema), "--rows", str(rows), "--out", str(out),
                                      "--seed", "7", "--json", *extra])
    assert result.exit_code == 0, result.output[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def connect(out: Path) -> duckdb.DuckDBPyConnection:
    """One view per generated table folder, named like the table."""
    con = duckdb.connect()
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and any(p.glob("*.parquet"))):
        con.execute(f"CREATE VIEW \"{folder.name}\" AS SELECT * FROM read_parquet('{folder}/*.parquet')")
    return con


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f'DESCRIBE "{table}"').fetchall()}


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def violations(con: duckdb.DuckDBPyConnection, table: str, condition: str) -> int:
    """Rows of `table` where `condition` (SQL, true for a good row) is false. NULLs count as good."""
    return count(con, f'SELECT count(*) FROM "{table}" WHERE NOT coalesce(({condition}), true)')


def nulls(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return count(con, f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NULL')
