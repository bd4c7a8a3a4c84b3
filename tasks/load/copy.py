"""COPY one table's Parquet part files into PostgreSQL, in one transaction.

Two ways, chosen per table (measured here, profiling/bench_load.py): ADBC's
`adbc_ingest` sends the Arrow batches as binary COPY, which PostgreSQL parses
faster than text (about 1.5x psycopg's text COPY of the same rows, on par with or
ahead of `psql \\copy` of a CSV file), but binary COPY needs every value in
exactly the column's binary type. So a table loads through ADBC when each
of its columns maps to an Arrow type exactly (integers of the right width,
numeric from decimals, text and enums from strings, timestamps with or without
zone, date, time, uuid, bytea, json, boolean, floats); otherwise (inet, jsonb,
arrays, domains over such types, a string into a number column, ...) through
psycopg's text COPY, where PostgreSQL's own input functions parse each value.
Batches stream from the files, so memory does not grow with the row count.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.load.ddl import quote

BATCH_ROWS = 65_536


@dataclass
class PgColumn:
    """A column as the database has it: its type resolved through domains."""

    name: str
    type: str  # format_type of the base type, e.g. "numeric(10,2)", "integer", "order_status"
    kind: str  # pg_type.typtype of the base: b base, e enum, c composite, r range, ...
    category: str  # pg_type.typcategory of the base: A array, N numeric, S string, ...
    not_null: bool = False


@dataclass
class Rejection:
    """What the database said when it refused a table's rows."""

    sqlstate: str | None
    message: str
    constraint: str | None = None
    detail: str | None = None
    column: str | None = None
    line: int | None = None  # 1-based row of the COPY stream
    row: dict[str, Any] | None = None
    file: str | None = None

    def describe(self, table: str) -> str:
        """One line: the table, the constraint the database named, the offending row."""
        text = f"{table}: {self.message}"
        if self.constraint:
            text += f" [constraint {self.constraint}]"
        if self.detail:
            text += f" ({self.detail})"
        if self.row is not None:
            where = f"{Path(self.file).name} row {self.line}" if self.file else f"row {self.line}"
            text += f"; offending row ({where}): {json.dumps(self.row, default=str)}"
        return text


class TableRejected(Exception):
    """The database refused the table's rows; its transaction was rolled back."""

    def __init__(self, table: str, rejection: Rejection) -> None:
        super().__init__(rejection.describe(table))
        self.table = table
        self.rejection = rejection


@dataclass
class TablePlan:
    """How one table loads: which columns, which way, and the Arrow type of each column."""

    table: str
    files: list[Path]
    columns: list[str]
    method: str  # "adbc" or "csv"
    targets: dict[str, pa.DataType] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # why not adbc


COLUMNS_SQL = """
SELECT a.attname, format_type(COALESCE(bt.oid, t.oid), CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
       COALESCE(bt.typtype, t.typtype), COALESCE(bt.typcategory, t.typcategory), a.attnotnull
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
"""


def _binary_target(col: PgColumn, arrow: pa.DataType) -> pa.DataType | None:
    """The Arrow type ADBC must send for this column, or None when binary COPY cannot take it."""
    t = col.type
    if pa.types.is_dictionary(arrow):
        arrow = arrow.value_type
    integer = pa.types.is_integer(arrow)
    ints = {"smallint": pa.int16(), "integer": pa.int32(), "bigint": pa.int64()}
    if t in ints:
        return ints[t] if integer else None
    if t in ("real", "double precision"):
        return (pa.float32() if t == "real" else pa.float64()) if integer or pa.types.is_floating(arrow) else None
    if t.startswith("numeric"):
        return arrow if pa.types.is_decimal(arrow) and arrow.bit_width == 128 else None
    if t == "boolean":
        return pa.bool_() if pa.types.is_boolean(arrow) else None
    if col.kind == "e" or t in ("text", "name") or t.startswith(("character varying", "character(", "character")):
        return pa.string() if pa.types.is_string(arrow) or pa.types.is_large_string(arrow) else None
    if t == "json":
        return pa.string() if pa.types.is_string(arrow) else None
    if t == "date":
        return pa.date32() if pa.types.is_date(arrow) else None
    if t.startswith("timestamp"):
        if not pa.types.is_timestamp(arrow):
            return None
        return pa.timestamp("us", tz="UTC") if "with time zone" in t else pa.timestamp("us")
    if t.startswith("time") and "with time zone" not in t:
        return pa.time64("us") if pa.types.is_time(arrow) else None
    if t == "uuid":
        if isinstance(arrow, pa.UuidType) or arrow == pa.binary(16):
            return pa.uuid()
        return None
    if t == "bytea":
        return pa.binary() if pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow) else None
    return None


def plan_table(table: str, files: list[Path], pg: list[PgColumn], method: str = "auto") -> TablePlan:
    """Match the files' columns to the table's and pick ADBC or text COPY."""
    if not files:
        raise FileNotFoundError(f"{table}: no part files")
    schema = pq.read_schema(files[0])
    by_name = {c.name: c for c in pg}
    extra = [name for name in schema.names if name not in by_name]
    if extra:
        raise ValueError(f"{table}: {files[0]} has column(s) the table lacks: {', '.join(extra)}")
    plan = TablePlan(table=table, files=files, columns=list(schema.names), method="adbc")
    for name in schema.names:
        target = _binary_target(by_name[name], schema.field(name).type)
        if target is None:
            plan.reasons.append(f"{name} ({schema.field(name).type} into {by_name[name].type})")
        else:
            plan.targets[name] = target
    if method == "csv" or (method == "auto" and plan.reasons):
        plan.method = "csv"
    elif method == "adbc" and plan.reasons:
        raise ValueError(f"{table}: binary COPY cannot take {', '.join(plan.reasons)}; use the text COPY")
    return plan


def batches(plan: TablePlan, batch_rows: int = BATCH_ROWS) -> Iterator[tuple[Path, pa.RecordBatch]]:
    """The files' rows, batch by batch, in file order."""
    for path in plan.files:
        with pq.ParquetFile(path) as handle:
            for batch in handle.iter_batches(batch_size=batch_rows, columns=plan.columns):
                yield path, batch


def _cast(batch: pa.RecordBatch, plan: TablePlan) -> pa.RecordBatch:
    arrays = []
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        target = plan.targets[name]
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if array.type != target:
            if isinstance(target, pa.UuidType):
                storage = array.storage if isinstance(array, pa.ExtensionArray) else array
                array = pa.ExtensionArray.from_storage(pa.uuid(), storage)
            else:
                try:
                    array = array.cast(target)
                except pa.ArrowInvalid as exc:
                    raise ValueError(f"column {name}: {exc}") from None
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _pg_array(value: Any) -> str | None:
    if value is None:
        return None
    items = []
    for item in value:
        if item is None:
            items.append("NULL")
        elif isinstance(item, list):
            items.append(_pg_array(item) or "NULL")
        else:
            text = json.dumps(item) if isinstance(item, dict) else str(item).lower() if isinstance(item, bool) else str(item)
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def text_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns as PostgreSQL's text input reads them: uuids, bytea as \\x.., arrays as {..}, JSON."""
    from tasks.generator_runtime.writer import uuid_text

    arrays = []
    for array in batch.columns:
        kind = array.type
        if pa.types.is_dictionary(kind):
            array = array.dictionary_decode()
            kind = array.type
        if isinstance(kind, pa.UuidType) or kind == pa.binary(16):
            array = uuid_text(array)
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
            array = pa.array([None if v is None else "\\x" + v.hex() for v in array.to_pylist()], pa.string())
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            array = pa.array([_pg_array(v) for v in array.to_pylist()], pa.string())
        elif pa.types.is_struct(kind) or pa.types.is_map(kind):
            array = pa.array([None if v is None else json.dumps(v if not isinstance(v, list) else dict(v),
                                                                  default=str) for v in array.to_pylist()],
                             pa.string())
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def copy_csv(conn: Any, plan: TablePlan) -> int:
    """Text COPY through psycopg (its own transaction: the caller commits). Returns the row count."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    cols = ", ".join(quote(c) for c in plan.columns)
    rows = 0
    with conn.cursor() as cur:
        cur.execute("SET LOCAL TIME ZONE 'UTC'")  # zone-less timestamps are UTC, as in binary COPY
        with cur.copy(f"COPY {quote(plan.table)} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for _path, batch in batches(plan):
                buffer = io.BytesIO()
                pacsv.write_csv(text_batch(batch), buffer, options)
                copy.write(buffer.getbuffer())
                rows += batch.num_rows
    return rows


def copy_adbc(conn: Any, plan: TablePlan) -> int:
    """Binary COPY through ADBC's bulk ingest (its own transaction: the caller commits)."""
    schema = pa.schema([pa.field(c, plan.targets[c]) for c in plan.columns])
    counted = [0]

    def stream() -> Iterator[pa.RecordBatch]:
        for _path, batch in batches(plan):
            counted[0] += batch.num_rows
            yield _cast(batch, plan)

    reader = pa.RecordBatchReader.from_batches(schema, stream())
    with conn.cursor() as cur:
        cur.adbc_ingest(plan.table, reader, mode="append")
    return counted[0]


# -- what the database said ---------------------------------------------------------------------

_LINE = re.compile(r"COPY [^,]+, line (\d+)(?:, column ([^:]+))?")
_KEY = re.compile(r"Key \((.+?)\)=\((.*)\) (?:already exists|is not present|is duplicated)")


def rejection_from(exc: BaseException) -> Rejection:
    """The sqlstate, constraint, message, detail and COPY line of a psycopg or ADBC error."""
    diag = getattr(exc, "diag", None)
    if diag is not None and getattr(diag, "message_primary", None):
        fields = {"sqlstate": diag.sqlstate, "constraint": diag.constraint_name, "message": diag.message_primary,
                  "detail": diag.message_detail, "context": diag.context}
    else:
        details = {}
        for key, value in getattr(exc, "details", None) or []:
            k = key.decode() if isinstance(key, bytes) else str(key)
            details[k] = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        fields = {"sqlstate": details.get("PG_DIAG_SQLSTATE") or getattr(exc, "sqlstate", None),
                  "constraint": details.get("PG_DIAG_CONSTRAINT_NAME"),
                  "message": details.get("PG_DIAG_MESSAGE_PRIMARY") or str(exc).strip().splitlines()[0],
                  "detail": details.get("PG_DIAG_MESSAGE_DETAIL"), "context": details.get("PG_DIAG_CONTEXT")}
    rejection = Rejection(sqlstate=fields["sqlstate"], message=fields["message"], constraint=fields["constraint"],
                          detail=fields["detail"])
    match = _LINE.search(fields["context"] or "")
    if match:
        rejection.line = int(match.group(1))
        rejection.column = match.group(2).strip() if match.group(2) else None
    return rejection


def find_row(plan: TablePlan, rejection: Rejection) -> None:
    """Fill in the offending row: by the COPY line, else by the key the detail names."""
    if rejection.line is not None:
        seen = 0
        for path, batch in batches(plan):
            if seen + batch.num_rows >= rejection.line:
                rejection.row = batch.slice(rejection.line - seen - 1, 1).to_pylist()[0]
                rejection.file = str(path)
                return
            seen += batch.num_rows
        return
    match = _KEY.search(rejection.detail or "")
    if not match:
        return
    names = [n.strip().strip('"') for n in match.group(1).split(",")]
    values = [v.strip() for v in match.group(2).split(", ")] if len(names) > 1 else [match.group(2)]
    if len(values) != len(names) or any(n not in plan.columns for n in names):
        return
    skip = 1 if "is duplicated" in (rejection.detail or "") else 0  # a key built afterwards: the 2nd copy
    seen = 0
    for path, batch in batches(plan):
        mask = None
        for name, value in zip(names, values, strict=True):
            column = batch.column(name)
            text = column.cast(pa.string()) if not pa.types.is_string(column.type) else column
            hit = pc.equal(text, value)
            mask = hit if mask is None else pc.and_(mask, hit)
        hits = pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist() if mask is not None else []
        if len(hits) > skip:
            found = hits[skip]
            rejection.row = batch.slice(found, 1).to_pylist()[0]
            rejection.line = seen + found + 1
            rejection.file = str(path)
            return
        skip -= len(hits)
        seen += batch.num_rows
