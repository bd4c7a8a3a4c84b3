"""SQL DDL and whole dumps (pg_dump, mysqldump, sample-database scripts) -> SchemaSpec.

The file is split into statements by `ddl_statements` (quote-, comment-, `$$`-,
`DELIMITER`- and `COPY`-aware; MySQL conditional comments `/*!50705 ... */` are
read as the statements they hold). The statements it models are parsed one by one
with sqlglot: CREATE TABLE (types, NOT NULL, PRIMARY KEY, UNIQUE, DEFAULT literals,
CHECKs as enums/ranges/lengths/patterns/in-row order, sequences, foreign keys),
ALTER TABLE (ADD CONSTRAINT, SET DEFAULT nextval, ATTACH PARTITION), CREATE TYPE
... AS ENUM, CREATE DOMAIN, CREATE UNIQUE INDEX, COMMENT ON, and the rows of
INSERT / COPY ... FROM stdin, read as a sample of their table (`ddl_data`). What a CHECK
guarantees is read by `ddl_checks`; what sqlglot cannot parse in a table (VIRTUAL columns,
MySQL spatial types, partition clauses) is set aside by `ddl_tables`.
Everything else (routines, triggers, views, grants, settings, psql meta-commands,
...) is skipped and counted: one warning per kind with its count.

Every real problem in the file (a table that does not parse, a key naming a
missing column, a foreign key to a missing table) is collected and reported
together, each with its file:line:col, so one run shows them all.

A type with no faithful mapping becomes the nearest ColumnType and leaves a
warning naming table.column in `SchemaSpec.warnings` (also logged).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from tasks.schema.bounds import step_past
from tasks.schema.ddl_checks import (
    apply_fact,
    check_facts,
    greater,
    line_of,
    literal,
    name_of,
    number,
    row_order,
)
from tasks.schema.ddl_data import (
    MAX_SAMPLE_ROWS,
    MIN_ROWS_FOR_SHAPES,
    bare_name,
    copy_rows,
    insert_rows,
    merge_sample,
    sample_columns,
)
from tasks.schema.ddl_statements import (
    Statement,
    copy_target,
    split_statements,
    unwrap_conditional_comments,
)
from tasks.schema.ddl_tables import SPATIAL, partition_of, prepare_table, range_bounds
from tasks.schema.errors import SchemaError
from tasks.schema.references import check_schema
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec

DIALECTS = ("postgres", "mysql", "sqlite")

_INT32 = {"min": -(2**31), "max": 2**31 - 1}
_INT64 = {"min": -(2**63), "max": 2**63 - 1}

# sqlglot type name -> (ColumnType, facts, exact). exact=False means "nearest type", which warns.
_TYPES: dict[str, tuple[str, dict[str, Any], bool]] = {
    "INT": ("integer", _INT32, True),
    "BIGINT": ("integer", _INT64, True),
    **{t: ("integer", {}, True) for t in ("INT128", "INT256")},
    **{t: ("integer", {"min": 0}, True) for t in ("UINT128", "UINT256")},
    "UINT": ("integer", {"min": 0, "max": 2**32 - 1}, True),
    "UBIGINT": ("integer", {"min": 0, "max": 2**64 - 1}, True),
    "TINYINT": ("integer", {"min": -128, "max": 127}, True),
    "UTINYINT": ("integer", {"min": 0, "max": 255}, True),
    "SMALLINT": ("integer", {"min": -32768, "max": 32767}, True),
    "USMALLINT": ("integer", {"min": 0, "max": 65535}, True),
    "MEDIUMINT": ("integer", {"min": -8388608, "max": 8388607}, True),
    "UMEDIUMINT": ("integer", {"min": 0, "max": 16777215}, True),
    "YEAR": ("integer", {"min": 1901, "max": 2155}, True),
    "SERIAL": ("integer", {"autoincrement": True, "min": 1, "max": 2**31 - 1}, True),
    "SMALLSERIAL": ("integer", {"autoincrement": True, "min": 1, "max": 32767}, True),
    "BIGSERIAL": ("integer", {"autoincrement": True, "min": 1, "max": 2**63 - 1}, True),
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
        "DATETIME", "DATETIME2", "DATETIME64", "SMALLDATETIME", "TIMESTAMP", "TIMESTAMPNTZ",
        "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS",
    )},
    **{t: ("datetime", {"timezone": "UTC"}, True) for t in ("TIMESTAMPTZ", "TIMESTAMPLTZ", "DATETIMEOFFSET")},
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
        "VARCHAR", "NVARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NAME", "FIXEDSTRING", "CITEXT",
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
        "LIST", "MAP", "STRUCT", "OBJECT", "NESTED", "HSTORE", "VARIANT", "SUPER", "VECTOR",
    )},
}
_FALLBACK = ("string", {}, False)
_SPATIAL_TYPES = {s.upper() for s in SPATIAL}

_BROKEN_CREATE_TABLE = re.compile(r"^CREATE\s+(?:\w+\s+){0,3}TAB\w*\b", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"(?<=\))\s*WITHOUT\s+ROWID\b", re.IGNORECASE)
_ATTACH = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<parent>\S+)\s+ATTACH\s+PARTITION\s+(?P<child>\S+)\s+(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_ADD_IDENTITY = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>\S+)\s+ALTER\s+(?:COLUMN\s+)?(?P<column>\S+)\s+ADD\s+GENERATED\s+"
    r"(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY", re.IGNORECASE,
)
_KEY_WORDS = re.compile(r"\b(?:ADD\s+CONSTRAINT|PRIMARY\s+KEY|FOREIGN\s+KEY|REFERENCES|UNIQUE|CHECK)\b", re.IGNORECASE)
_DOMAIN = re.compile(
    r"CREATE\s+DOMAIN\s+(?P<name>\S+)\s+(?:AS\s+)?(?P<rest>.*)$", re.IGNORECASE | re.DOTALL,
)
_DOMAIN_TYPE_END = re.compile(r"\s(?:COLLATE|DEFAULT|CONSTRAINT|NOT\s+NULL|NULL|CHECK)\b", re.IGNORECASE)

# Hints used to guess the dialect when none is given: (dialect, pattern).
_DIALECT_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mysql", re.compile(r"`|\bAUTO_INCREMENT\b|\bENGINE\s*=|\bUNSIGNED\b|\bCHARSET\b|^DELIMITER\b|/\*!\d{5}|@@|"
                         r"^source\s+\S+", re.I | re.M)),
    ("sqlite", re.compile(r"\bAUTOINCREMENT\b|\bWITHOUT\s+ROWID\b|\)\s*STRICT\b", re.I)),
    ("postgres", re.compile(
        r"\b(?:BIG|SMALL)?SERIAL\b|::|\bAS\s+IDENTITY\b|\bJSONB\b|\bTIMESTAMPTZ\b|\bBYTEA\b|\bAS\s+ENUM\b|"
        r"^\\connect\b|^\\c\b|FROM\s+stdin;|\bpg_catalog\b",
        re.I | re.M,
    )),
)


def parse_ddl(text: str, dialect: str | None = None, source: str = "<string>") -> SchemaSpec:
    """Read every table of a DDL script or a whole dump; `dialect` or the likeliest one.

    A statement the chosen dialect cannot parse is tried with the other dialects
    before it counts as a problem (sample scripts mix styles).
    """
    if not text.strip():
        raise SchemaError("the file is empty: expected CREATE TABLE statements", file=source)
    if dialect is not None:
        try:
            Dialect.get_or_raise(dialect)
        except ValueError as error:
            raise SchemaError(f"unknown SQL dialect {dialect!r}: {error}", file=source) from None
    chosen = dialect or guess_dialect(text)
    order = [chosen] if dialect else [chosen, *(d for d in DIALECTS if d != chosen)]
    prepared = unwrap_conditional_comments(text) if chosen == "mysql" or "/*!" in text else text
    if chosen == "sqlite":  # sqlglot does not know this table option; blank it, keeping positions
        prepared = _WITHOUT_ROWID.sub(lambda m: " " * len(m.group(0)), prepared)
    statements = split_statements(prepared, mysql=chosen == "mysql")
    return _Builder(chosen, order, source).build(statements)


def guess_dialect(text: str) -> str:
    """The dialect whose tell-tale syntax appears most often; postgres when nothing does."""
    scores = {name: len(pattern.findall(text)) for name, pattern in _DIALECT_HINTS}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] else "postgres"


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


def _parse(body: str, statement: Statement, dialect: str, source: str) -> exp.Expr:
    """One statement parsed by sqlglot, with tokens placed at their line:col in the file."""
    grammar = Dialect.get_or_raise(dialect)
    try:
        tokens = grammar.tokenize(body)
    except TokenError as error:
        raise SchemaError(f"invalid SQL ({dialect}): {error}", file=source, line=statement.line,
                          column=statement.column) from None
    for token in tokens:
        if token.line == 1:
            token.col += statement.column - 1
        token.line += statement.line - 1
    try:
        with _quiet_sqlglot():
            parsed = [p for p in grammar.parser().parse(tokens, body) if p is not None]
    except ParseError as error:
        info = error.errors[0] if error.errors else {}
        raise SchemaError(
            f"invalid SQL ({dialect}): {info.get('description') or error}",
            file=source,
            line=info.get("line") or statement.line,
            column=info.get("col"),
        ) from None
    if len(parsed) != 1:
        raise SchemaError(f"expected one statement, found {len(parsed)}", file=source, line=statement.line)
    return parsed[0]


# ----------------------------------------------------------------------------- building


@dataclass
class _Table:
    name: str
    line: int
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    row_order: list[list[str]] = field(default_factory=list)
    description: str | None = None
    partition_key: str | None = None
    computed: list[str] = field(default_factory=list)
    sample: list[tuple[list[str] | None, list[list[Any]]]] = field(default_factory=list)
    sample_rows: int = 0

    def find(self, name: str) -> ColumnSpec | None:
        if name in self.columns:
            return self.columns[name]
        lowered = {key.lower(): col for key, col in self.columns.items()}
        return lowered.get(name.lower())


@dataclass
class _Domain:
    dtype: exp.DataType
    checks: list[str]
    not_null: bool


class _Builder:
    """Walks the statements in file order; cross-statement facts are applied at the end."""

    def __init__(self, dialect: str, order: list[str], source: str) -> None:
        self.dialect = dialect
        self.order = order
        self.source = source
        self.tables: dict[str, _Table] = {}
        self.enum_types: dict[str, list[Any]] = {}
        self.domains: dict[str, _Domain] = {}
        self.partitions: dict[str, tuple[str, str | None, str | None]] = {}  # child -> (parent, from, to)
        self.warnings: list[str] = []
        self.problems: list[SchemaError] = []
        self.skipped: Counter[str] = Counter()
        self.first_line: dict[str, int] = {}
        self.later: list[tuple[int, Callable[[int], None]]] = []  # run once every table exists

    # -- entry

    def build(self, statements: list[Statement]) -> SchemaSpec:
        for statement in statements:
            self._guard(lambda s=statement: self._statement(s))
        for line, apply in self.later:
            self._guard(lambda a=apply, ln=line: a(ln))
        self._drop_partitions()
        if not self.tables and not self.problems:
            raise SchemaError("no CREATE TABLE statement found", file=self.source)
        tables = []
        for table in self.tables.values():
            self._guard(lambda t=table: self._apply_sample(t))
            tables.append(self._finish(table))
        self._raise_problems()
        self.warnings.extend(
            f"skipped {count} {kind} statement{'s' if count > 1 else ''} (first at line {self.first_line[kind]})"
            for kind, count in self.skipped.items()
        )
        # not logged here: the schema's warnings go to whoever reads it (the flow logs them once,
        # the summary lists them); a CLI that reads the file first must not print them twice
        return check_schema(SchemaSpec(source=self.source, tables=tables, warnings=self.warnings))

    def _guard(self, work: Callable[[], None]) -> None:
        """Run one piece of work; a SchemaError is kept for the report and the reading goes on."""
        try:
            work()
        except SchemaError as error:
            self.problems.append(error)

    def _raise_problems(self) -> None:
        if not self.problems:
            return
        problems = sorted(self.problems, key=lambda e: (e.line or 0, e.column or 0))
        first = problems[0]
        if len(problems) == 1:
            raise first
        rest = "; ".join(str(p) for p in problems[1:])  # one line: the CLI prints an error's first line only
        raise SchemaError(
            f"{first.reason} [{len(problems)} problems in this file; the others: {rest}]",
            file=first.file, line=first.line, column=first.column,
        )

    def _skip(self, kind: str, line: int) -> None:
        self.skipped[kind] += 1
        self.first_line.setdefault(kind, line)

    def _statement(self, statement: Statement) -> None:
        kind = statement.kind
        if statement.skipped:
            if kind == "CREATE (other)" and _BROKEN_CREATE_TABLE.match(statement.text):
                raise SchemaError(
                    f"could not parse this CREATE statement as a table ({self.dialect}): {statement.text[:60]}",
                    file=self.source, line=statement.line,
                )
            self._skip(kind, statement.line)
            return
        handler = {
            "table": self._create_table, "type": self._create_type, "domain": self._create_domain,
            "index": self._index, "alter table": self._alter_table, "comment": self._comment,
            "insert": self._insert, "copy": self._copy, "sequence": self._sequence,
        }[kind]
        handler(statement)

    def _parsed(self, statement: Statement, body: str | None = None) -> exp.Expr:
        """Parse with the chosen dialect, then the others; the chosen dialect's error if all fail."""
        body = statement.text if body is None else body
        first: SchemaError | None = None
        for name in self.order:
            try:
                return _parse(body, statement, name, self.source)
            except SchemaError as error:
                first = first or error
        assert first is not None
        if len(self.order) > 1:
            raise SchemaError(f"{first.reason} (tried dialects {', '.join(self.order)})",
                              file=first.file, line=first.line, column=first.column)
        raise first

    # -- CREATE TABLE

    def _create_table(self, statement: Statement) -> None:
        child = partition_of(statement.text)
        if child is not None:
            name, parent, bounds = child
            self.partitions[name] = (parent, *range_bounds(bounds))
            return
        prepared = prepare_table(statement.text)
        parsed = self._parsed(statement, prepared.text)
        if not isinstance(parsed, exp.Create):
            raise SchemaError(f"could not read this CREATE TABLE ({self.dialect})", file=self.source,
                              line=statement.line)
        schema = parsed.this
        if not isinstance(schema, exp.Schema):
            self.warnings.append(
                f"table {name_of(schema)}: CREATE TABLE without a column list skipped (line {statement.line})"
            )
            return
        name = name_of(schema.this)
        if name in self.tables:
            raise SchemaError(f"table {name!r} is defined twice", file=self.source, line=statement.line)
        table = _Table(name=name, line=statement.line)
        self.tables[name] = table
        constraints: list[exp.Expr] = []
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                self._guard(lambda i=item: self._column(table, i, prepared.spatial))
            elif isinstance(item, exp.Identifier):  # sqlite: a column with no type
                self._add_column(table, ColumnSpec(name=item.name, type="string", source_type=None), statement.line)
                self.warnings.append(f"{name}.{item.name}: column has no type; using string")
            else:
                constraints.append(item)
        for item in constraints:
            self._guard(lambda i=item: self._table_constraint(table, i, statement.line))
        if prepared.partition_key:
            table.partition_key = prepared.partition_key
            col = table.find(prepared.partition_key)
            if col is not None and prepared.upper_bound is not None:
                self.later.append((statement.line, lambda ln, c=col, b=prepared.upper_bound: apply_fact(
                    c, "max_excl", number(b))))

    def _add_column(self, table: _Table, col: ColumnSpec, line: int) -> None:
        if col.name in table.columns:
            raise SchemaError(
                f"table {table.name!r} defines column {col.name!r} twice", file=self.source, line=line
            )
        table.columns[col.name] = col

    def _column(self, table: _Table, coldef: exp.ColumnDef, spatial: dict[str, str]) -> None:
        name = coldef.name
        line = line_of(coldef) or table.line
        col = ColumnSpec(name=name)
        self._add_column(table, col, line)
        kind = coldef.args.get("kind")
        if name in spatial:
            self._geometry(table, col, spatial[name])
        elif isinstance(kind, exp.DataType):
            self._apply_type(table, col, kind)
        else:
            self.warnings.append(f"{table.name}.{name}: column has no type; using string")
        for constraint in coldef.args.get("constraints") or []:
            self._column_constraint(table, col, constraint.args.get("kind"), line)

    def _geometry(self, table: _Table, col: ColumnSpec, written: str) -> None:
        col.type, col.source_type = "string", written
        col.generator, col.params = "geometry.wkt", {"kind": written.split("(")[0].upper()}
        self.warnings.append(f"{table.name}.{col.name}: {written} is generated as WKT text "
                             f"(e.g. POINT(lon lat)), not as a binary geometry")

    def _apply_type(self, table: _Table, col: ColumnSpec, dtype: exp.DataType) -> None:
        type_name = dtype.this.name
        col.source_type = dtype.sql(dialect=self.dialect)
        params = [literal(p.this if isinstance(p, exp.DataTypeParam) else p) for p in dtype.expressions]
        numbers = [p for p in params if isinstance(p, int)]
        if type_name == "USERDEFINED":
            user = bare_name(name_of(dtype.args.get("kind")) if dtype.args.get("kind") else col.source_type).lower()
            if user in self.enum_types:
                col.type, col.enum = "string", list(self.enum_types[user])
                return
            if user in self.domains:
                domain = self.domains[user]
                self._apply_type(table, col, domain.dtype)
                col.source_type = user
                if domain.not_null:
                    col.nullable = False
                for check in domain.checks:
                    self._domain_check(col, check)
                return
            if user.upper() in _SPATIAL_TYPES:
                self._geometry(table, col, user.upper())
                return
            mapped = _FALLBACK
        elif type_name in _SPATIAL_TYPES:
            self._geometry(table, col, col.source_type)
            return
        elif type_name == "ARRAY":
            element = next((e for e in dtype.expressions if isinstance(e, exp.DataType)), None)
            item = ColumnSpec(name="item")
            if element is not None:
                self._apply_type(table, item, element)
            col.type, col.items = "array", item
            return
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
        if col_type == "binary" and numbers:
            col.max_length = numbers[0]
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

    def _domain_check(self, col: ColumnSpec, check: str) -> None:
        from sqlglot import parse_one

        try:
            with _quiet_sqlglot():
                expr = parse_one(check, read=self.dialect)
        except (ParseError, TokenError):
            return
        for name, fact, value in check_facts(expr):
            if name.upper() == "VALUE":
                apply_fact(col, fact, value)

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
                table.computed.append(col.name)
            else:
                col.autoincrement = True
                start = literal(kind.args.get("start"))
                if isinstance(start, int):
                    col.min = start
        elif isinstance(kind, exp.ComputedColumnConstraint):
            table.computed.append(col.name)
        elif isinstance(kind, exp.CommentColumnConstraint):
            col.description = literal(kind.this)

    def _default(self, col: ColumnSpec, value: exp.Expr | None) -> None:
        if value is None:
            return
        sql = value.sql(dialect=self.dialect).lower()
        if sql.startswith("nextval("):
            col.autoincrement = True
            return
        value_of = literal(value)
        if value_of is not None:
            col.default = value_of

    def _table_constraint(self, table: _Table, item: exp.Expr, line: int) -> None:
        if isinstance(item, exp.Constraint):
            for inner in item.expressions:
                self._table_constraint(table, inner, line)
        elif isinstance(item, exp.PrimaryKey):
            self._primary_key(table, [name_of(e) for e in item.expressions], line)
        elif isinstance(item, exp.ForeignKey):
            self._foreign_key(table, [name_of(e) for e in item.expressions], item.args.get("reference"), line)
        elif isinstance(item, exp.UniqueColumnConstraint):
            target = item.this
            names = [name_of(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
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
        elif cols and [c.name for c in cols] not in table.unique_keys:
            table.unique_keys.append([c.name for c in cols])

    def _foreign_key(self, table: _Table, names: list[str], reference: Any, line: int) -> None:
        if not isinstance(reference, exp.Reference):
            return
        target = reference.this
        parent_node = target.this if isinstance(target, exp.Schema) else target
        parent = name_of(parent_node)
        parent_cols = [name_of(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
        cols = [self._column_of(table, n, line, "FOREIGN KEY") for n in names]
        # Resolved when every table is known: the parent may be defined further down.
        self.later.append((line, lambda ln: self._link(table, cols, parent, parent_cols, ln)))

    def _link(self, table: _Table, cols: list[ColumnSpec], parent: str, parent_cols: list[str], line: int) -> None:
        parent = self.partitions.get(parent, (parent,))[0]  # a key to a partition is a key to its table
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
        for pair in row_order(expr):
            cols = [table.find(n) for n in pair]
            if all(cols) and [c.name for c in cols] not in table.row_order:  # type: ignore[union-attr]
                table.row_order.append([c.name for c in cols])  # type: ignore[union-attr]
        for name, fact, value in check_facts(expr):
            col = table.find(name) or (table.find(default_column) if default_column and not name else None)
            if col is None:
                continue
            apply_fact(col, fact, value)

    # -- other statements

    def _table_of(self, node: exp.Expr | str, line: int) -> _Table:
        name = bare_name(node) if isinstance(node, str) else name_of(node)
        table = self.tables.get(name) or {t.lower(): v for t, v in self.tables.items()}.get(name.lower())
        if table is None:
            raise SchemaError(f"statement refers to table {name!r}, which is not defined", file=self.source, line=line)
        return table

    def _alter_table(self, statement: Statement) -> None:
        attach = _ATTACH.match(statement.text)
        if attach:
            child = bare_name(attach.group("child"))
            self.partitions[child] = (bare_name(attach.group("parent")), *range_bounds(attach.group("rest")))
            return
        identity = _ADD_IDENTITY.match(statement.text)
        if identity:
            self.later.append((statement.line, lambda ln, m=identity: self._identity(m, ln)))
            return
        try:
            parsed = self._parsed(statement)
        except SchemaError:
            if _KEY_WORDS.search(statement.text):
                raise
            self._skip("ALTER TABLE (other)", statement.line)
            return
        if not isinstance(parsed, exp.Alter):
            if _KEY_WORDS.search(statement.text):
                raise SchemaError(f"could not read this ALTER TABLE ({self.dialect}): {statement.text[:80]}",
                                  file=self.source, line=statement.line, column=statement.column)
            self._skip("ALTER TABLE (other)", statement.line)
            return
        self.later.append((statement.line, lambda ln, s=parsed: self._alter(ln, s)))

    def _identity(self, match: re.Match[str], line: int) -> None:
        table = self._table_of(match.group("table"), line)
        col = self._column_of(table, bare_name(match.group("column")), line, "ADD GENERATED AS IDENTITY")
        col.autoincrement = True

    def _alter(self, line: int, statement: exp.Alter) -> None:
        table = self._table_of(statement.this, line)
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    self._table_constraint(table, item, line)
            elif isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
                col = table.find(name_of(action.this))
                if col is not None:
                    self._default(col, action.args["default"])
            elif isinstance(action, exp.Constraint | exp.PrimaryKey | exp.ForeignKey | exp.CheckColumnConstraint):
                self._table_constraint(table, action, line)

    def _index(self, statement: Statement) -> None:
        if not re.match(r"CREATE\s+UNIQUE\b", statement.text, re.IGNORECASE):
            # an index changes no value; only one on something not generated (a view) is worth a mention
            match = re.search(r"\bON\s+(?:ONLY\s+)?(\S+?)\s*(?:USING\b|\()", statement.text, re.IGNORECASE)
            if match:
                self.later.append((statement.line, lambda ln, t=bare_name(match.group(1)): self._index_on(t, ln)))
            return
        try:
            parsed = self._parsed(statement)
        except SchemaError:
            self._skip("index (unreadable)", statement.line)
            return
        self.later.append((statement.line, lambda ln, s=parsed: self._unique_index(ln, s)))

    def _index_on(self, table: str, line: int) -> None:
        known = table in self.tables or table in self.partitions or any(t.lower() == table.lower() for t in self.tables)
        if not known:
            self._skip("index on a view or unknown table", line)

    def _unique_index(self, line: int, statement: exp.Expr) -> None:
        index = statement.this
        params = index.args.get("params") if isinstance(index, exp.Index) else None
        table_node = index.args.get("table") if isinstance(index, exp.Index) else None
        if table_node is None or params is None:
            return
        if params.args.get("where") is not None:
            return  # a partial unique index holds only for some rows
        names = [name_of(e) for e in params.args.get("columns") or []]
        table_name = name_of(table_node)
        if table_name not in self.tables and table_name not in self.partitions and not any(
                t.lower() == table_name.lower() for t in self.tables):
            self._skip("index on a view or unknown table", line)
            return
        table = self._table_of(table_node, line)
        cols = [table.find(n) for n in names]
        if not names or not all(cols):
            return  # an expression index: nothing to enforce column by column
        self._unique(table, names, line)

    def _comment(self, statement: Statement) -> None:
        try:
            parsed = self._parsed(statement)
        except SchemaError:
            self._skip("COMMENT (unreadable)", statement.line)
            return
        if not isinstance(parsed, exp.Comment) or (parsed.args.get("kind") or "").upper() not in {"TABLE", "COLUMN"}:
            self._skip("COMMENT", statement.line)
            return
        self.later.append((statement.line, lambda ln, s=parsed: self._apply_comment(ln, s)))

    def _apply_comment(self, line: int, statement: exp.Comment) -> None:
        kind = (statement.args.get("kind") or "").upper()
        text = literal(statement.expression)
        target = statement.this
        if kind == "TABLE":
            name = name_of(target)
            if name in self.tables or any(t.lower() == name.lower() for t in self.tables):
                self._table_of(target, line).description = text
            else:
                self._skip("COMMENT", line)
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            node = exp.Table(this=target.args.get("table"))
            name = name_of(node)
            if name not in self.tables and not any(t.lower() == name.lower() for t in self.tables):
                self._skip("COMMENT", line)
                return
            col = self._table_of(node, line).find(target.name)
            if col is not None:
                col.description = text

    def _create_type(self, statement: Statement) -> None:
        match = re.match(r"CREATE\s+TYPE\s+(\S+)\s+AS\s+ENUM\s*\((.*)\)\s*$", statement.text, re.I | re.S)
        if not match:
            self._skip("CREATE TYPE (not an enum)", statement.line)
            return
        values = re.findall(r"'((?:[^']|'')*)'", match.group(2))
        self.enum_types[bare_name(match.group(1)).lower()] = [v.replace("''", "'") for v in values]

    def _create_domain(self, statement: Statement) -> None:
        match = _DOMAIN.match(statement.text)
        if not match:
            raise SchemaError("could not read this CREATE DOMAIN", file=self.source, line=statement.line)
        rest = match.group("rest")
        end = _DOMAIN_TYPE_END.search(rest)
        type_text = (rest[:end.start()] if end else rest).strip()
        try:
            dtype = exp.DataType.build(type_text, dialect=self.dialect)
        except (ParseError, TokenError, ValueError):
            dtype = exp.DataType.build("TEXT")
            self.warnings.append(f"domain {bare_name(match.group('name'))}: base type {type_text} not understood")
        checks = [m for m in _balanced_checks(rest)]
        not_null = bool(re.search(r"\bNOT\s+NULL\b", rest, re.IGNORECASE))
        self.domains[bare_name(match.group("name")).lower()] = _Domain(dtype=dtype, checks=checks, not_null=not_null)

    def _sequence(self, statement: Statement) -> None:
        self._skip("sequence (used through nextval)", statement.line)

    def _insert(self, statement: Statement) -> None:
        read = insert_rows(statement.text, MAX_SAMPLE_ROWS, backslash=self.dialect == "mysql")
        if read is None:
            self._skip("INSERT (not VALUES)", statement.line)
            return
        name, cols, rows = read
        self.later.append((statement.line, lambda ln: self._add_sample(name, cols, rows, ln)))

    def _copy(self, statement: Statement) -> None:
        target = copy_target(statement.text)
        if target is None:
            self._skip("COPY", statement.line)
            return
        name, cols = target
        rows = copy_rows(statement.data, MAX_SAMPLE_ROWS)
        self.later.append((statement.line, lambda ln: self._add_sample(bare_name(name), cols or None, rows, ln)))

    def _add_sample(self, name: str, cols: list[str] | None, rows: list[list[Any]], line: int) -> None:
        name = self.partitions.get(name, (name,))[0]  # a partition's rows are its table's rows
        try:
            table = self._table_of(name, line)
        except SchemaError:
            self._skip("data for an unknown table", line)
            return
        room = MAX_SAMPLE_ROWS - table.sample_rows
        if room > 0 and rows:
            table.sample.append((cols, rows[:room]))
            table.sample_rows += min(room, len(rows))

    def _apply_sample(self, table: _Table) -> None:
        if not table.sample:
            return
        names = list(table.columns)
        rows: list[list[Any]] = []
        absent: set[str] = set()  # columns some INSERT/COPY did not list: their NULLs mean nothing
        for cols, chunk in table.sample:
            if cols is None:
                rows.extend(r for r in chunk if len(r) == len(names))
                continue
            position = {c.lower(): i for i, c in enumerate(cols)}
            index = [position.get(n.lower()) for n in names]
            absent.update(n for n, i in zip(names, index, strict=True) if i is None)
            rows.extend([r[i] if i is not None and i < len(r) else None for i in index] for r in chunk)
        if len(rows) < MIN_ROWS_FOR_SHAPES:
            self.warnings.append(
                f"table {table.name}: {len(rows)} row(s) of data in the file, too few (< {MIN_ROWS_FOR_SHAPES}) "
                f"to learn values from"
            )
            return
        seen = sample_columns(table.name, names, rows)
        notes = []
        for name, col in table.columns.items():
            if name in seen and name not in absent:
                taken = merge_sample(col, seen[name], len(rows))
                if taken:
                    notes.append(f"{name} ({', '.join(taken)})")
        self.warnings.append(
            f"table {table.name}: {len(rows)} row(s) in the file read as a sample"
            + (f": {'; '.join(notes)}" if notes else "")
        )

    def _drop_partitions(self) -> None:
        """Partitions are generated as their table: dropped here, their ranges joined on the key."""
        by_parent: dict[str, list[str]] = {}
        for child, (parent, *_bounds) in self.partitions.items():
            by_parent.setdefault(parent, []).append(child)
        for parent, children in by_parent.items():
            table = self.tables.get(parent)
            if table is None:
                continue
            for child in children:
                dropped = self.tables.pop(child, None)
                for col in dropped.columns.values() if dropped else ():
                    own = table.find(col.name)  # pg_dump puts a partition's foreign keys on the partition
                    if own is not None and own.foreign_key is None and col.foreign_key is not None:
                        own.foreign_key = col.foreign_key.model_copy()
            key = table.find(table.partition_key) if table.partition_key else None
            bounds = [self.partitions[c][1:] for c in children]
            if key is not None and bounds and all(low is not None and high is not None for low, high in bounds):
                low = min(_sortable(b[0], key) for b in bounds)
                high = max(_sortable(b[1], key) for b in bounds)
                apply_fact(key, "min", low)
                apply_fact(key, "max", _before(high, key))
            self.warnings.append(
                f"table {parent}: partitioned; its {len(children)} partition(s) are generated as {parent} "
                f"itself, not as tables ({', '.join(sorted(children)[:6])}{', ...' if len(children) > 6 else ''})"
                + (f"; {key.name} kept within {key.min} .. {key.max}" if key is not None and key.max is not None
                   else "")
            )

    def _finish(self, table: _Table) -> TableSpec:
        for name in table.computed:
            table.columns.pop(name, None)
            self.warnings.append(
                f"{table.name}.{name}: generated (computed) column left out; the database computes it"
            )
        for col in table.columns.values():
            if col.autoincrement:
                col.type = "integer"
                if col.min is None or (isinstance(col.min, int | float) and col.min < 1):
                    col.min = 1  # sequences start at 1 unless told otherwise
            if col.type in {"integer", "float", "decimal"}:
                if isinstance(col.default, str):
                    col.default = number(col.default)  # mysqldump quotes numbers: DEFAULT '0.00'
                if "UNSIGNED" in (col.source_type or "").upper() and (col.min is None or greater(0, col.min)):
                    col.min = 0
            if col.primary_key and len(table.primary_key) == 1:
                col.unique = True
            if col.enum and col.type in {"integer", "float", "decimal"}:
                col.enum = [number(v) for v in col.enum]
        table.unique_keys = [k for k in table.unique_keys if all(n in table.columns for n in k)]
        table.row_order = [p for p in table.row_order if all(n in table.columns for n in p)]
        return TableSpec(
            name=table.name,
            columns=list(table.columns.values()),
            primary_key=table.primary_key,
            unique_keys=table.unique_keys,
            row_order=table.row_order,
            description=table.description,
        )


def _balanced_checks(text: str) -> Iterator[str]:
    """The expressions of every `CHECK (...)` in text (parentheses balanced)."""
    for match in re.finditer(r"\bCHECK\s*\(", text, re.IGNORECASE):
        depth, start = 0, match.end() - 1
        for k in range(start, len(text)):
            depth += text[k] == "("
            depth -= text[k] == ")"
            if depth == 0:
                yield text[start:k + 1]
                break


def _sortable(value: str, col: ColumnSpec) -> Any:
    """A partition bound in the column's own terms (numbers as numbers, timestamps in UTC)."""
    if col.type in {"integer", "float", "decimal"}:
        return number(value)
    if col.type == "datetime":
        try:
            moment = dt.datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.isoformat()
    return value


def _before(value: Any, col: ColumnSpec) -> Any:
    """The last value below an exclusive upper bound (TO of FOR VALUES FROM .. TO ..)."""
    if col.type == "datetime" and isinstance(value, str):
        try:
            return (dt.datetime.fromisoformat(value) - dt.timedelta(seconds=1)).isoformat()
        except ValueError:
            return value
    return step_past(col, value, -1)
