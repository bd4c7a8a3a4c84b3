"""The CREATE statements for `load --create`: only what the schema defines.

PostgreSQL DDL is run as written, statement by statement, keeping only the
kinds that make tables and what they need: schemas, extensions, types, domains,
sequences, tables, unique indexes and ALTER TABLE ... ADD CONSTRAINT / SET
DEFAULT / identity (views, functions, triggers, grants, owners, plain indexes and
settings are left out). MySQL and SQLite DDL is transpiled to PostgreSQL by
sqlglot first. Schemas that are not DDL (JSON Schema, YAML spec, a sample) get
CREATE TABLE statements built from the parsed model (`spec_tables`), and so does
any table whose own statement PostgreSQL refused, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec

_KEEP = re.compile(
    r"""^(?:CREATE\s+(?:SCHEMA|EXTENSION|TYPE|DOMAIN|SEQUENCE|UNIQUE\s+INDEX
          |(?:(?:GLOBAL|LOCAL)\s+)?(?:UNLOGGED\s+)?TABLE)\b
        |ALTER\s+SEQUENCE\b.*\bOWNED\s+BY\b
        |ALTER\s+TABLE\b.*\b(?:ADD\s+CONSTRAINT|ADD\s+(?:PRIMARY|UNIQUE|FOREIGN|CHECK)|SET\s+DEFAULT
          |ADD\s+GENERATED|SET\s+NOT\s+NULL)\b)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_KIND = re.compile(r"^(CREATE\s+(?:UNIQUE\s+INDEX|\w+(?:\s+TABLE)?)|ALTER\s+\w+)", re.IGNORECASE)


@dataclass
class Statement:
    """One statement to run, with where it came from (for warnings)."""

    sql: str
    line: int
    table: str | None = None  # the table a CREATE TABLE makes
    target: str | None = None  # the table an ALTER TABLE or CREATE UNIQUE INDEX changes


def quote(name: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def split_sql(text: str, dialect: str) -> list[tuple[int, str]]:
    """(line, text) of each statement, comments outside statements dropped, cut at top-level `;`."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokens import TokenType

    tokens = Dialect.get_or_raise(dialect).tokenize(text)
    out: list[tuple[int, str]] = []
    start = None
    line = 1
    end = 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if start is not None:
                out.append((line, text[start:end + 1].strip()))
            start = None
            continue
        if start is None:
            start, line = token.start, token.line
        end = token.end
    if start is not None:
        out.append((line, text[start:end + 1].strip()))
    return out


_NAME = r"((?:\"(?:[^\"]|\"\")+\"|[\w$]+)(?:\s*\.\s*(?:\"(?:[^\"]|\"\")+\"|[\w$]+))?)"
_CREATED = re.compile(r"CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME,
                      re.IGNORECASE)
_TARGET = re.compile(r"(?:ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?|CREATE\s+UNIQUE\s+INDEX\s.*?\bON\s+(?:ONLY\s+)?)"
                     + _NAME, re.IGNORECASE | re.DOTALL)


def _created_table(sql: str, pattern: re.Pattern[str] = _CREATED) -> str | None:
    match = pattern.match(sql)
    if not match:
        return None
    last = re.split(r"\s*\.\s*(?=(?:\"|[\w$]))", match.group(1))[-1]
    return last[1:-1].replace('""', '"') if last.startswith('"') else last.lower()


def schema_statements(ddl: str, dialect: str) -> tuple[list[Statement], list[str]]:
    """The statements of `ddl` worth running, in PostgreSQL's dialect, and what was left out."""
    kept: list[Statement] = []
    notes: list[str] = []
    for line, sql in split_sql(ddl, dialect):
        if not _KEEP.match(sql):
            continue
        if dialect != "postgres":
            import sqlglot
            from sqlglot.errors import SqlglotError

            try:
                sql = ";\n".join(sqlglot.transpile(sql, read=dialect, write="postgres", comments=False))
            except SqlglotError as exc:
                notes.append(f"line {line}: could not transpile {dialect} to PostgreSQL ({exc}); skipped")
                continue
        kept.append(Statement(sql=sql, line=line, table=_created_table(sql), target=_created_table(sql, _TARGET)))
    return kept, notes


def kind_of(sql: str) -> str:
    """CREATE TABLE, ALTER TABLE, ...: what a statement does, for messages."""
    match = _KIND.match(sql)
    return re.sub(r"\s+", " ", match.group(1)).upper() if match else sql.split(None, 1)[0].upper()


# ColumnType -> PostgreSQL type, for schemas that are not DDL.
_PG_TYPES = {
    "string": "text", "integer": "bigint", "float": "double precision", "decimal": "numeric",
    "boolean": "boolean", "date": "date", "datetime": "timestamp", "time": "time", "uuid": "uuid",
    "json": "jsonb", "binary": "bytea", "object": "jsonb", "array": "jsonb",
}


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _column_type(col: ColumnSpec, arrow: pa.DataType | None) -> str:
    if col.type == "decimal" and col.precision:
        return f"numeric({col.precision}, {col.scale or 0})"
    if col.type == "string" and col.max_length and not col.enum:
        return f"varchar({col.max_length})"
    if col.type == "datetime" and arrow is not None and pa.types.is_timestamp(arrow) and arrow.tz:
        return "timestamp with time zone"
    if arrow is not None and pa.types.is_list(arrow):
        item = col.items.type if col.type == "array" and col.items is not None else col.type
        return f"{_PG_TYPES.get(item, 'text')}[]"  # an array of objects: jsonb[]
    return _PG_TYPES[col.type]


def _checks(col: ColumnSpec) -> list[str]:
    name = quote(col.name)
    checks = []
    if col.enum and col.type in ("string", "integer", "float", "decimal"):
        checks.append(f"{name} IN ({', '.join(_literal(v) for v in col.enum)})")
    if col.type in ("integer", "float", "decimal", "date", "datetime"):
        cast = {"date": "::date", "datetime": "::timestamp"}.get(col.type, "")
        if col.min is not None:
            checks.append(f"{name} >= {_literal(col.min)}{cast}")
        if col.max is not None:
            checks.append(f"{name} <= {_literal(col.max)}{cast}")
    if col.type == "string" and col.min_length:
        checks.append(f"char_length({name}) >= {int(col.min_length)}")
    return checks


def spec_table(table: TableSpec, arrow: pa.Schema | None = None,
               source_types: bool = False) -> tuple[str, list[str]]:
    """CREATE TABLE for one table of the model, and its foreign keys as ALTER TABLE statements.

    `source_types`: write each column's type as the (PostgreSQL) schema wrote it, e.g. its
    own enum type, rather than the nearest type of the model.
    """
    lines = []
    for col in table.columns:
        field_type = arrow.field(col.name).type if arrow is not None and col.name in arrow.names else None
        own = source_types and col.source_type
        parts = [quote(col.name), col.source_type if own else _column_type(col, field_type)]
        if col.autoincrement and col.type == "integer" and not (own and "SERIAL" in col.source_type.upper()):
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
        if not col.nullable or col.name in table.primary_key:
            parts.append("NOT NULL")
        if col.unique and table.primary_key != [col.name]:
            parts.append("UNIQUE")
        parts += [f"CHECK ({check})" for check in _checks(col)]
        lines.append(" ".join(parts))
    if table.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(quote(c) for c in table.primary_key)})")
    create = f"CREATE TABLE {quote(table.name)} (\n    " + ",\n    ".join(lines) + "\n)"
    fks = [f"ALTER TABLE {quote(table.name)} ADD FOREIGN KEY ({quote(col.name)}) "
           f"REFERENCES {quote(col.foreign_key.table)} ({quote(col.foreign_key.column)})"
           for col in table.columns if col.foreign_key]
    return create, fks


def spec_statements(spec: SchemaSpec, arrow: dict[str, pa.Schema], only: set[str] | None = None,
                    source_types: bool = False) -> list[Statement]:
    """CREATE TABLE for the model's tables (all, or `only`), foreign keys after every table."""
    creates: list[Statement] = []
    fks: list[Statement] = []
    for table in spec.tables:
        if only is not None and table.name not in only:
            continue
        create, keys = spec_table(table, arrow.get(table.name), source_types)
        creates.append(Statement(sql=create, line=0, table=table.name))
        fks += [Statement(sql=fk, line=0, target=table.name) for fk in keys]
    return creates + fks
