"""SQL DDL (CREATE TABLE ...) -> SchemaSpec, through sqlglot.

Reads what a generator must respect from postgres, mysql and sqlite DDL: types,
NOT NULL, PRIMARY KEY (column or table level, composite too), UNIQUE, DEFAULT
literals, CHECK (col IN (...)) as an enum, CHECK ranges (>=, <=, >, <, BETWEEN)
as min/max, CHECK (length(col) ...) as lengths, CHECK (col ~ 'regex') as a
pattern, VARCHAR(n), DECIMAL(p,s), SERIAL / AUTO_INCREMENT / IDENTITY as
sequences, and foreign keys (inline REFERENCES, table-level FOREIGN KEY, and
ALTER TABLE ... ADD CONSTRAINT as pg_dump writes them). Postgres enum types
(CREATE TYPE ... AS ENUM), COMMENT ON and CREATE UNIQUE INDEX on one column are
understood too; every other statement is skipped.

A type with no faithful mapping (geometry, interval, arrays, unknown user types)
becomes the nearest ColumnType and leaves a warning naming table.column in
`SchemaSpec.warnings` (also logged), so generation still works and the user can
see what was approximated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from tasks.schema.errors import SchemaError
from tasks.schema.references import check_schema
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec

log = logging.getLogger(__name__)

DIALECTS = ("postgres", "mysql", "sqlite")

# sqlglot type name -> (ColumnType, facts, exact). exact=False means "nearest type", which warns.
_TYPES: dict[str, tuple[str, dict[str, Any], bool]] = {
    **{t: ("integer", {}, True) for t in ("INT", "BIGINT", "INT128", "INT256")},
    **{t: ("integer", {"min": 0}, True) for t in ("UINT128", "UINT256")},
    "UINT": ("integer", {"min": 0}, True),
    "UBIGINT": ("integer", {"min": 0}, True),
    "TINYINT": ("integer", {"min": -128, "max": 127}, True),
    "UTINYINT": ("integer", {"min": 0, "max": 255}, True),
    "SMALLINT": ("integer", {"min": -32768, "max": 32767}, True),
    "USMALLINT": ("integer", {"min": 0, "max": 65535}, True),
    "MEDIUMINT": ("integer", {"min": -8388608, "max": 8388607}, True),
    "UMEDIUMINT": ("integer", {"min": 0, "max": 16777215}, True),
    "YEAR": ("integer", {"min": 1901, "max": 2155}, True),
    "SERIAL": ("integer", {"autoincrement": True, "min": 1}, True),
    "SMALLSERIAL": ("integer", {"autoincrement": True, "min": 1, "max": 32767}, True),
    "BIGSERIAL": ("integer", {"autoincrement": True, "min": 1}, True),
    "FLOAT": ("float", {}, True),
    "DOUBLE": ("float", {}, True),
    "UDOUBLE": ("float", {"min": 0}, True),
    "DECFLOAT": ("float", {}, True),
    **{t: ("decimal", {}, True) for t in (
        "DECIMAL", "UDECIMAL", "DECIMAL32", "DECIMAL64", "DECIMAL128", "DECIMAL256", "BIGDECIMAL",
    )},
    "MONEY": ("decimal", {"scale": 2}, True),
    "SMALLMONEY": ("decimal", {"scale": 2}, True),
    "BOOLEAN": ("boolean", {}, True),
    "DATE": ("date", {}, True),
    "DATE32": ("date", {}, True),
    **{t: ("datetime", {}, True) for t in (
        "DATETIME", "DATETIME2", "DATETIME64", "SMALLDATETIME", "TIMESTAMP", "TIMESTAMPTZ",
        "TIMESTAMPLTZ", "TIMESTAMPNTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS",
    )},
    "TIME": ("time", {}, True),
    "TIMETZ": ("time", {}, True),
    "TIME_NS": ("time", {}, True),
    "UUID": ("uuid", {}, True),
    "JSON": ("json", {}, True),
    "JSONB": ("json", {}, True),
    **{t: ("binary", {}, True) for t in (
        "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "IMAGE", "ROWVERSION",
    )},
    **{t: ("string", {}, True) for t in (
        "VARCHAR", "NVARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NAME", "FIXEDSTRING",
    )},
    **{t: ("string", {"fixed": True}, True) for t in ("CHAR", "NCHAR", "BPCHAR")},
    "ENUM": ("string", {}, True),
    "ENUM8": ("string", {}, True),
    "ENUM16": ("string", {}, True),
    "SET": ("string", {}, True),
    "INET": ("string", {"format": "ipv4"}, True),
    "IPV4": ("string", {"format": "ipv4"}, True),
    "IPV6": ("string", {"format": "ipv6"}, True),
    "IPADDRESS": ("string", {"format": "ipv4"}, True),
    # Nearest types: no faithful generator, so these warn.
    **{t: ("json", {}, False) for t in (
        "ARRAY", "LIST", "MAP", "STRUCT", "OBJECT", "NESTED", "HSTORE", "VARIANT", "SUPER", "VECTOR",
    )},
}
_FALLBACK = ("string", {}, False)

# Statements that look like a table definition sqlglot could not parse (it falls back to Command).
_BROKEN_CREATE_TABLE = re.compile(r"^(?:\w+\s+){0,3}TAB\w*\b", re.IGNORECASE)

_WITHOUT_ROWID = re.compile(r"(?<=\))\s*WITHOUT\s+ROWID\b", re.IGNORECASE)

# Hints used to guess the dialect when none is given: (dialect, pattern).
_DIALECT_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mysql", re.compile(r"`|\bAUTO_INCREMENT\b|\bENGINE\s*=|\bUNSIGNED\b|\bCHARSET\b", re.I)),
    ("sqlite", re.compile(r"\bAUTOINCREMENT\b|\bWITHOUT\s+ROWID\b|\)\s*STRICT\b", re.I)),
    ("postgres", re.compile(
        r"\b(?:BIG|SMALL)?SERIAL\b|::|\bAS\s+IDENTITY\b|\bJSONB\b|\bTIMESTAMPTZ\b|\bBYTEA\b|\bAS\s+ENUM\b",
        re.I,
    )),
)


def parse_ddl(text: str, dialect: str | None = None, source: str = "<string>") -> SchemaSpec:
    """Read every CREATE TABLE of `text`; the given dialect only, or the likeliest first."""
    if not text.strip():
        raise SchemaError("the file is empty: expected CREATE TABLE statements", file=source)
    order = [dialect] if dialect else _dialect_order(text)
    first_error: SchemaError | None = None
    for name in order:
        try:
            statements = list(_statements(text, name, source))
        except SchemaError as error:
            first_error = first_error or error
            continue
        return _Builder(name, source).build(statements)
    assert first_error is not None
    if dialect:
        raise first_error
    raise SchemaError(
        f"{first_error.reason} (tried dialects {', '.join(order)})",
        file=first_error.file,
        line=first_error.line,
        column=first_error.column,
    )


def guess_dialect(text: str) -> str:
    """The dialect whose tell-tale syntax appears most often; postgres when nothing does."""
    scores = {name: len(pattern.findall(text)) for name, pattern in _DIALECT_HINTS}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] else "postgres"


def _dialect_order(text: str) -> list[str]:
    first = guess_dialect(text)
    return [first, *(d for d in DIALECTS if d != first)]


@contextlib.contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs 'unsupported syntax' for statements we skip anyway."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _statements(text: str, dialect: str, source: str) -> Iterator[tuple[int, exp.Expr]]:
    """(line, statement) pairs; statements are parsed one by one so each knows its line."""
    try:
        grammar = Dialect.get_or_raise(dialect)
    except ValueError as error:
        raise SchemaError(f"unknown SQL dialect {dialect!r}: {error}", file=source) from None
    if dialect == "sqlite":  # sqlglot does not know this table option; blank it, keeping positions
        text = _WITHOUT_ROWID.sub(lambda m: " " * len(m.group(0)), text)
    try:
        tokens = grammar.tokenize(text)
    except TokenError as error:
        raise SchemaError(f"invalid SQL ({dialect}): {error}", file=source) from None
    chunks: list[list[Any]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    with _quiet_sqlglot():
        for chunk in chunks:
            if not chunk:
                continue
            try:
                parsed = grammar.parser().parse(chunk, text)
            except ParseError as error:
                info = error.errors[0] if error.errors else {}
                raise SchemaError(
                    f"invalid SQL ({dialect}): {info.get('description') or error}",
                    file=source,
                    line=info.get("line") or chunk[0].line,
                    column=info.get("col"),
                ) from None
            for statement in parsed:
                if statement is not None:
                    yield chunk[0].line, statement


# ----------------------------------------------------------------------------- building


@dataclass
class _Table:
    name: str
    line: int
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)
    description: str | None = None

    def find(self, name: str) -> ColumnSpec | None:
        if name in self.columns:
            return self.columns[name]
        lowered = {key.lower(): col for key, col in self.columns.items()}
        return lowered.get(name.lower())


class _Builder:
    """Walks parsed statements in file order; cross-statement facts are applied at the end."""

    def __init__(self, dialect: str, source: str) -> None:
        self.dialect = dialect
        self.source = source
        self.tables: dict[str, _Table] = {}
        self.enum_types: dict[str, list[Any]] = {}
        self.warnings: list[str] = []
        self.later: list[tuple[int, Any]] = []  # (line, callable) run once every table exists

    # -- entry

    def build(self, statements: list[tuple[int, exp.Expr]]) -> SchemaSpec:
        for line, statement in statements:
            self._statement(line, statement)
        for line, apply in self.later:
            apply(line)
        if not self.tables:
            raise SchemaError("no CREATE TABLE statement found", file=self.source)
        tables = [self._finish(table) for table in self.tables.values()]
        for warning in self.warnings:
            log.warning("%s: %s", self.source, warning)
        return check_schema(SchemaSpec(source=self.source, tables=tables, warnings=self.warnings))

    def _statement(self, line: int, statement: exp.Expr) -> None:
        if isinstance(statement, exp.Create):
            kind = (statement.args.get("kind") or "").upper()
            if kind == "TABLE":
                self._create_table(line, statement)
            elif kind == "TYPE" and isinstance(statement.expression, exp.DataType):
                self._create_type(statement)
            elif kind == "INDEX" and statement.args.get("unique"):
                self.later.append((line, lambda ln, s=statement: self._unique_index(ln, s)))
        elif isinstance(statement, exp.Alter) and (statement.args.get("kind") or "").upper() == "TABLE":
            self.later.append((line, lambda ln, s=statement: self._alter(ln, s)))
        elif isinstance(statement, exp.Comment):
            self.later.append((line, lambda ln, s=statement: self._comment(ln, s)))
        elif isinstance(statement, exp.Command):
            self._command(line, statement)

    def _command(self, line: int, statement: exp.Command) -> None:
        head = str(statement.this or "").upper()
        rest = str(statement.expression.sql() if isinstance(statement.expression, exp.Expr) else statement.expression or "")
        if head == "CREATE" and _BROKEN_CREATE_TABLE.match(rest.strip()):
            raise SchemaError(
                f"could not parse this CREATE statement as a table ({self.dialect}): "
                f"CREATE {rest[:60]}",
                file=self.source,
                line=line,
            )
        log.debug("%s:%s: skipped statement %s", self.source, line, head)

    # -- CREATE TABLE

    def _create_table(self, line: int, statement: exp.Create) -> None:
        schema = statement.this
        if not isinstance(schema, exp.Schema):
            name = _name(schema)
            self.warnings.append(f"table {name}: CREATE TABLE without a column list skipped (line {line})")
            return
        name = _name(schema.this)
        if name in self.tables:
            raise SchemaError(f"table {name!r} is defined twice", file=self.source, line=line)
        table = _Table(name=name, line=line)
        self.tables[name] = table
        constraints: list[exp.Expr] = []
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                self._column(table, item)
            elif isinstance(item, exp.Identifier):  # sqlite: a column with no type
                self._add_column(table, ColumnSpec(name=item.name, type="string", source_type=None), line)
                self.warnings.append(f"{name}.{item.name}: column has no type; using string")
            else:
                constraints.append(item)
        for item in constraints:
            self._table_constraint(table, item, line)

    def _add_column(self, table: _Table, col: ColumnSpec, line: int) -> None:
        if col.name in table.columns:
            raise SchemaError(
                f"table {table.name!r} defines column {col.name!r} twice", file=self.source, line=line
            )
        table.columns[col.name] = col

    def _column(self, table: _Table, coldef: exp.ColumnDef) -> None:
        name = coldef.name
        line = _line(coldef) or table.line
        col = ColumnSpec(name=name)
        self._add_column(table, col, line)
        kind = coldef.args.get("kind")
        if isinstance(kind, exp.DataType):
            self._apply_type(table, col, kind)
        else:
            self.warnings.append(f"{table.name}.{name}: column has no type; using string")
        for constraint in coldef.args.get("constraints") or []:
            self._column_constraint(table, col, constraint.args.get("kind"), line)

    def _apply_type(self, table: _Table, col: ColumnSpec, dtype: exp.DataType) -> None:
        type_name = dtype.this.name
        col.source_type = dtype.sql(dialect=self.dialect)
        params = [_literal(p.this if isinstance(p, exp.DataTypeParam) else p) for p in dtype.expressions]
        numbers = [p for p in params if isinstance(p, int)]
        if type_name == "USERDEFINED":
            user = _name(dtype.args.get("kind")) if dtype.args.get("kind") else col.source_type
            if user in self.enum_types:
                col.type, col.enum = "string", list(self.enum_types[user])
                return
            mapped = _FALLBACK
        elif type_name == "TINYINT" and numbers == [1] and self.dialect == "mysql":
            mapped = ("boolean", {}, True)  # MySQL's BOOL is TINYINT(1)
        elif type_name == "BIT":
            width = numbers[0] if numbers else 1
            mapped = ("boolean", {}, True) if width == 1 else ("integer", {"min": 0, "max": 2**width - 1}, True)
        else:
            mapped = _TYPES.get(type_name, _FALLBACK)
        col_type, facts, exact = mapped
        col.type = col_type  # type: ignore[assignment]
        facts = dict(facts)
        if facts.pop("autoincrement", False):
            col.autoincrement = True
        if "format" in facts:
            col.format = facts.pop("format")
        fixed = facts.pop("fixed", False)
        for key, value in facts.items():
            setattr(col, key, value)
        if col_type == "string" and numbers:
            col.max_length = numbers[0]
            if fixed:
                col.min_length = numbers[0]
        if col_type == "decimal" and numbers:
            col.precision = numbers[0]
            col.scale = numbers[1] if len(numbers) > 1 else 0
        if col_type == "float" and len(numbers) == 2:
            col.precision, col.scale = numbers
        if type_name in {"ENUM", "ENUM8", "ENUM16", "SET"}:
            values = [v for v in params if v is not None]
            col.enum = values or None
        if not exact:
            self.warnings.append(
                f"{table.name}.{col.name}: type {col.source_type} is not supported; "
                f"generating it as {col.type}"
            )

    def _column_constraint(self, table: _Table, col: ColumnSpec, kind: Any, line: int) -> None:
        if isinstance(kind, exp.NotNullColumnConstraint):
            col.nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            self._primary_key(table, [col.name], line)
        elif isinstance(kind, exp.UniqueColumnConstraint):
            col.unique = True
        elif isinstance(kind, exp.DefaultColumnConstraint):
            self._default(col, kind.this)
        elif isinstance(kind, exp.CheckColumnConstraint):
            self._check(table, kind.this, line, default_column=col.name)
        elif isinstance(kind, exp.Reference):
            self._foreign_key(table, [col.name], kind, line)
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            col.autoincrement = True
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            if kind.args.get("expression") is not None:
                self.warnings.append(f"{table.name}.{col.name}: computed column is generated independently")
            else:
                col.autoincrement = True
                start = _literal(kind.args.get("start"))
                if isinstance(start, int):
                    col.min = start
        elif isinstance(kind, exp.ComputedColumnConstraint):
            self.warnings.append(f"{table.name}.{col.name}: computed column is generated independently")
        elif isinstance(kind, exp.CommentColumnConstraint):
            col.description = _literal(kind.this)

    def _default(self, col: ColumnSpec, value: exp.Expr | None) -> None:
        if value is None:
            return
        sql = value.sql(dialect=self.dialect).lower()
        if sql.startswith("nextval("):
            col.autoincrement = True
            return
        literal = _literal(value)
        if literal is not None:
            col.default = literal

    def _table_constraint(self, table: _Table, item: exp.Expr, line: int) -> None:
        if isinstance(item, exp.Constraint):
            for inner in item.expressions:
                self._table_constraint(table, inner, line)
        elif isinstance(item, exp.PrimaryKey):
            self._primary_key(table, [_name(e) for e in item.expressions], line)
        elif isinstance(item, exp.ForeignKey):
            self._foreign_key(table, [_name(e) for e in item.expressions], item.args.get("reference"), line)
        elif isinstance(item, exp.UniqueColumnConstraint):
            target = item.this
            names = [_name(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
            self._unique(table, names, line)
        elif isinstance(item, exp.CheckColumnConstraint):
            self._check(table, item.this, line)

    def _column_of(self, table: _Table, name: str, line: int, what: str) -> ColumnSpec:
        col = table.find(name)
        if col is None:
            raise SchemaError(
                f"table {table.name!r}: {what} names column {name!r}, which the table does not have",
                file=self.source,
                line=line,
            )
        return col

    def _primary_key(self, table: _Table, names: list[str], line: int) -> None:
        cols = [self._column_of(table, n, line, "PRIMARY KEY") for n in names]
        if table.primary_key and table.primary_key != [c.name for c in cols]:
            raise SchemaError(f"table {table.name!r} has two primary keys", file=self.source, line=line)
        table.primary_key = [c.name for c in cols]
        for col in cols:
            col.primary_key = True
            col.nullable = False
        if len(cols) == 1:
            cols[0].unique = True
        if self.dialect == "sqlite" and len(cols) == 1 and (cols[0].source_type or "").upper() in {"INT", "INTEGER"}:
            cols[0].autoincrement = True  # INTEGER PRIMARY KEY is sqlite's rowid

    def _unique(self, table: _Table, names: list[str], line: int) -> None:
        cols = [self._column_of(table, n, line, "UNIQUE") for n in names]
        if len(cols) == 1:
            cols[0].unique = True
        elif cols:
            self.warnings.append(
                f"table {table.name}: UNIQUE ({', '.join(names)}) across several columns is not enforced"
            )

    def _foreign_key(self, table: _Table, names: list[str], reference: Any, line: int) -> None:
        if not isinstance(reference, exp.Reference):
            return
        target = reference.this
        parent_node = target.this if isinstance(target, exp.Schema) else target
        parent = _name(parent_node)
        parent_cols = [_name(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
        cols = [self._column_of(table, n, line, "FOREIGN KEY") for n in names]
        # Resolved when every table is known: the parent may be defined further down.
        self.later.append((line, lambda ln: self._link(table, cols, parent, parent_cols, ln)))

    def _link(self, table: _Table, cols: list[ColumnSpec], parent: str, parent_cols: list[str], line: int) -> None:
        target = self.tables.get(parent) or {t.lower(): v for t, v in self.tables.items()}.get(parent.lower())
        if target is None:
            raise SchemaError(
                f"foreign key {table.name}.{', '.join(c.name for c in cols)} references table "
                f"{parent!r}, which is not defined in this schema (tables: {', '.join(self.tables)})",
                file=self.source,
                line=line,
            )
        if not parent_cols:
            parent_cols = target.primary_key
        if len(parent_cols) != len(cols):
            raise SchemaError(
                f"foreign key {table.name}({', '.join(c.name for c in cols)}) -> {target.name}: "
                f"expected {len(cols)} referenced column(s), found {len(parent_cols)}",
                file=self.source,
                line=line,
            )
        for col, parent_col in zip(cols, parent_cols, strict=True):
            ref = target.find(parent_col)
            if ref is None:
                raise SchemaError(
                    f"foreign key {table.name}.{col.name} references {target.name}.{parent_col}, "
                    f"but table {target.name!r} has no column {parent_col!r}",
                    file=self.source,
                    line=line,
                )
            col.foreign_key = ForeignKey(table=target.name, column=ref.name)
        if len(cols) > 1:
            self.warnings.append(
                f"table {table.name}: composite foreign key ({', '.join(c.name for c in cols)}) "
                f"-> {target.name} is generated column by column"
            )

    # -- CHECK

    def _check(self, table: _Table, expr: exp.Expr, line: int, default_column: str | None = None) -> None:
        for name, fact, value in _check_facts(expr):
            col = table.find(name) or (table.find(default_column) if default_column and not name else None)
            if col is None:
                continue
            _apply_fact(col, fact, value)

    # -- statements applied at the end

    def _table_of(self, node: exp.Expr, line: int) -> _Table:
        name = _name(node)
        table = self.tables.get(name) or {t.lower(): v for t, v in self.tables.items()}.get(name.lower())
        if table is None:
            raise SchemaError(f"statement refers to table {name!r}, which is not defined", file=self.source, line=line)
        return table

    def _alter(self, line: int, statement: exp.Alter) -> None:
        table = self._table_of(statement.this, line)
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    self._table_constraint(table, item, line)

    def _unique_index(self, line: int, statement: exp.Create) -> None:
        index = statement.this
        params = index.args.get("params") if isinstance(index, exp.Index) else None
        table_node = index.args.get("table") if isinstance(index, exp.Index) else None
        if table_node is None or params is None:
            return
        names = [_name(e) for e in params.args.get("columns") or []]
        if len(names) == 1:
            table = self._table_of(table_node, line)
            col = table.find(names[0])
            if col is not None:
                col.unique = True

    def _comment(self, line: int, statement: exp.Comment) -> None:
        kind = (statement.args.get("kind") or "").upper()
        text = _literal(statement.expression)
        target = statement.this
        if kind == "TABLE":
            self._table_of(target, line).description = text
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            table = self._table_of(exp.Table(this=target.args.get("table")), line)
            col = table.find(target.name)
            if col is not None:
                col.description = text

    def _create_type(self, statement: exp.Create) -> None:
        dtype = statement.expression
        if dtype.this.name == "ENUM":
            self.enum_types[_name(statement.this)] = [_literal(v) for v in dtype.expressions]

    def _finish(self, table: _Table) -> TableSpec:
        for col in table.columns.values():
            if col.autoincrement:
                col.type = "integer"
                if col.min is None or (isinstance(col.min, int | float) and col.min < 1):
                    col.min = 1  # sequences start at 1 unless told otherwise
            if col.type in {"integer", "float", "decimal"}:
                if isinstance(col.default, str):
                    col.default = _number(col.default)  # mysqldump quotes numbers: DEFAULT '0.00'
                if col.min is None and "UNSIGNED" in (col.source_type or "").upper():
                    col.min = 0
            if col.primary_key and len(table.primary_key) == 1:
                col.unique = True
            if col.enum and col.type in {"integer", "float", "decimal"}:
                col.enum = [_number(v) for v in col.enum]
        return TableSpec(
            name=table.name,
            columns=list(table.columns.values()),
            primary_key=table.primary_key,
            description=table.description,
        )


# ----------------------------------------------------------------------------- CHECK facts

_COMPARISONS: dict[type, tuple[str, str]] = {
    # node type -> (fact when the column is on the left, fact when it is on the right)
    exp.GTE: ("min", "max"),
    exp.GT: ("min_excl", "max_excl"),
    exp.LTE: ("max", "min"),
    exp.LT: ("max_excl", "min_excl"),
    exp.EQ: ("eq", "eq"),
}


def _check_facts(expr: exp.Expr | None) -> Iterator[tuple[str, str, Any]]:
    """(column, fact, value) triples a CHECK expression guarantees; unknown shapes give none."""
    expr = _unwrap(expr)
    if expr is None:
        return
    if isinstance(expr, exp.And):
        yield from _check_facts(expr.this)
        yield from _check_facts(expr.expression)
    elif isinstance(expr, exp.Or):
        yield from _or_enum(expr)
    elif isinstance(expr, exp.In) and not expr.args.get("query"):
        column = _column_name(expr.this)
        values = [_literal(v) for v in expr.expressions]
        if column and values and None not in values:
            yield column, "enum", values
    elif isinstance(expr, exp.Between):
        column = _column_name(expr.this)
        low, high = _literal(expr.args.get("low")), _literal(expr.args.get("high"))
        if column:
            if low is not None:
                yield column, "min", low
            if high is not None:
                yield column, "max", high
    elif isinstance(expr, exp.RegexpLike):
        column = _column_name(expr.this)
        pattern = _literal(expr.expression)
        if column and isinstance(pattern, str):
            yield column, "pattern", pattern
    elif type(expr) in _COMPARISONS:
        yield from _comparison(expr)


def _comparison(expr: exp.Expr) -> Iterator[tuple[str, str, Any]]:
    left_fact, right_fact = _COMPARISONS[type(expr)]
    left, right = _unwrap(expr.this), _unwrap(expr.expression)
    if isinstance(expr, exp.EQ) and isinstance(right, exp.Any):  # pg_dump: col = ANY (ARRAY[...])
        column = _column_name(left)
        array = _unwrap(right.this)
        if column and isinstance(array, exp.Array):
            values = [_literal(v) for v in array.expressions]
            if values and None not in values:
                yield column, "enum", values
        return
    for side, other, fact in ((left, right, left_fact), (right, left, right_fact)):
        length_of = isinstance(side, exp.Length)
        column = _column_name(side.this if length_of else side)
        value = _literal(other)
        if column is None or value is None:
            continue
        if length_of:
            fact = {"min": "min_length", "min_excl": "min_length+", "max": "max_length",
                    "max_excl": "max_length-", "eq": "length"}[fact]
        yield column, fact, value
        return


def _or_enum(expr: exp.Or) -> Iterator[tuple[str, str, Any]]:
    """`status = 'a' OR status = 'b'` is an enum too."""
    branches: list[exp.Expr] = []
    stack: list[exp.Expr | None] = [expr]
    while stack:
        node = _unwrap(stack.pop())
        if isinstance(node, exp.Or):
            stack.extend([node.expression, node.this])
        elif node is not None:
            branches.append(node)
    columns, values = set(), []
    for branch in branches:
        if not isinstance(branch, exp.EQ):
            return
        column, value = _column_name(_unwrap(branch.this)), _literal(branch.expression)
        if column is None or value is None:
            return
        columns.add(column)
        values.append(value)
    if len(columns) == 1:
        yield columns.pop(), "enum", values


def _apply_fact(col: ColumnSpec, fact: str, value: Any) -> None:
    if fact == "enum":
        col.enum = list(value) if col.enum is None else [v for v in col.enum if v in value] or list(value)
    elif fact == "pattern":
        col.pattern = value
    elif fact in {"min", "min_excl", "eq"}:
        bound = _step(col, value, +1) if fact == "min_excl" else value
        if col.min is None or _gt(bound, col.min):
            col.min = bound
        if fact == "eq":
            _apply_fact(col, "max", value)
    elif fact in {"max", "max_excl"}:
        bound = _step(col, value, -1) if fact == "max_excl" else value
        if col.max is None or _gt(col.max, bound):
            col.max = bound
    elif fact in {"min_length", "min_length+", "length"} and isinstance(value, int):
        length = value + 1 if fact == "min_length+" else value
        col.min_length = max(col.min_length or 0, length)
        if fact == "length":
            col.max_length = length if col.max_length is None else min(col.max_length, length)
    elif fact in {"max_length", "max_length-"} and isinstance(value, int):
        length = value - 1 if fact == "max_length-" else value
        col.max_length = length if col.max_length is None else min(col.max_length, length)


def _step(col: ColumnSpec, value: Any, direction: int) -> Any:
    """The first value past an exclusive bound, in the column's own resolution."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return value  # inf/NaN: dropped with a warning once the schema is read (finite.py)
        if col.type == "integer":
            return math.floor(value) + 1 if direction > 0 else math.ceil(value) - 1
        if col.type == "decimal" and col.scale is not None:
            return round(value + direction * 10 ** (-col.scale), col.scale)
        return math.nextafter(float(value), math.inf if direction > 0 else -math.inf)
    if isinstance(value, str) and col.type == "date":
        try:
            return (dt.date.fromisoformat(value) + dt.timedelta(days=direction)).isoformat()
        except ValueError:
            return value
    return value


def _gt(a: Any, b: Any) -> bool:
    try:
        return a > b
    except TypeError:
        return str(a) > str(b)


# ----------------------------------------------------------------------------- small helpers


def _unwrap(node: exp.Expr | None) -> exp.Expr | None:
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    return node


def _column_name(node: exp.Expr | None) -> str | None:
    node = _unwrap(node)
    return node.name if isinstance(node, exp.Column) else None


def _literal(node: exp.Expr | None) -> Any:
    """A literal's Python value (numbers, strings, booleans); None for anything computed."""
    node = _unwrap(node)
    if isinstance(node, exp.Neg):
        inner = _literal(node.this)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return _number(node.this)
    return None


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def _name(node: Any) -> str:
    """The bare name of a table, column or identifier (schema prefixes dropped)."""
    while isinstance(node, exp.Ordered | exp.Schema):
        node = node.this
    if isinstance(node, exp.Table | exp.Column | exp.Identifier):
        return node.name
    if isinstance(node, exp.Expr):
        return node.name or node.sql()
    return str(node)


def _line(node: exp.Expr) -> int | None:
    ident = node.this if isinstance(node.this, exp.Identifier) else None
    return (ident.meta or {}).get("line") if ident is not None else None

