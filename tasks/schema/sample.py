"""A sample CSV or Parquet file -> SchemaSpec, by looking at its values.

For each column: the type (CSV text is tried as boolean, integer, decimal or
float, date, datetime, time, uuid, then string; Parquet keeps its own types),
the null rate, min/max, string lengths, uniqueness (all values distinct over
enough rows, for integers, strings and uuids; distinct floats and timestamps are
chance), low-cardinality enums with their observed frequencies as
`enum_weights`, string formats (email, uri, ipv4, ipv6) and, for strings that
all share one shape such as `SKU-1234-AB` or `02134`, an anchored regex.

Only the first `max_rows` rows are read (100,000 by default), batch by batch,
so a sample of any size costs the same memory. Values with leading zeros stay
strings (postcodes, phone numbers), and `NA` is not treated as missing (it is
Namibia's country code).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.schema.errors import SchemaError
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec

DEFAULT_MAX_ROWS = 100_000
MAX_ENUM_VALUES = 500  # at most this many distinct text values make an enum (value set and frequencies) ...
ENUM_SUPPORT = 2  # ... and only if each value is seen this many times on average
MAX_NUMBER_ENUM = 20  # integers with at most this many distinct values (ratings, flags) are enums too
NUMBER_ENUM_SUPPORT = 5
MIN_UNIQUE_ROWS = 100  # all-distinct over fewer rows than this is not evidence of a unique column
NULL_VALUES = ["", "NULL", "null", "None", "\\N", "N/A"]
_BAD_ROW_SHARE = 0.1  # more malformed CSV rows than this share is an error, fewer are skipped

# (type, regex every non-null text value must match), tried in order on CSV text.
_TEXT_TYPES: tuple[tuple[str, str], ...] = (
    ("boolean", r"^(true|false)$"),  # Y/N, Yes/No, T/F stay text: the output keeps the sample's spelling
    ("integer", r"^[+-]?(0|[1-9][0-9]{0,17})$"),
    ("number", r"^[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"),
    ("date", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    ("datetime", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"),
    ("time", r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"),
    ("uuid", r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
)
# (format, regex) for strings: the first one every value matches is the column's format.
_FORMATS: tuple[tuple[str, str], ...] = (
    ("uuid", _TEXT_TYPES[-1][1]),
    ("email", r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    ("uri", r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$"),
    ("ipv4", r"^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$"),
    ("ipv6", r"^[0-9a-fA-F:]*:[0-9a-fA-F:]*:[0-9a-fA-F:.]*$"),
)
_TRUE = r"^(true|t|yes|y)$"
_REGEX_SPECIAL = set(".^$*+?{}[]\\|()")
_ENUM_TYPES = {"string", "integer", "boolean"}
# All-distinct floats and timestamps are chance, not a constraint: only these can be keys.
_KEY_TYPES = {"string", "integer", "uuid", "binary"}


def infer_from_sample(
    path: str | Path,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    table: str | None = None,
    copy_categories: bool = True,
    learn: bool = True,
) -> SchemaSpec:
    """Infer one table from the first `max_rows` rows of a CSV/TSV or Parquet file.

    With `learn` (the default) each column also gets a generator fitted to the
    sample (tasks/schema/learn.py): `copy_categories=False` synthesises even
    non-personal categories (cities, airports) instead of copying them.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise SchemaError("no such file", file=source)
    if path.stat().st_size == 0:
        raise SchemaError("the file is empty: expected a header row and sample rows", file=source)
    if max_rows <= 0:
        raise SchemaError(f"max_rows must be positive, got {max_rows}", file=source)
    warnings: list[str] = []
    with path.open("rb") as handle:
        is_parquet = path.suffix.lower() in {".parquet", ".pq"} or handle.read(4) == b"PAR1"
    data = _read_parquet(path, max_rows) if is_parquet else _read_csv(path, max_rows, warnings)
    name = table or path.name.split(".")[0]
    if data.num_rows == 0:
        warnings.append(f"{name}: the sample has no data rows; every column is read as a nullable string")
    elif data.num_rows >= max_rows:
        warnings.append(f"{name}: inferred from the first {data.num_rows} rows only")
    columns = [
        _column(name, field.name, data.column(index), data.num_rows, typed=is_parquet, warnings=warnings)
        for index, field in enumerate(data.schema)
    ]
    if learn and data.num_rows:
        from tasks.schema.learn import learn_table

        learn_table(name, columns, data, warnings, copy_categories=copy_categories)
    keys = [c.name for c in columns if c.primary_key]
    return SchemaSpec(
        source=source,
        tables=[TableSpec(name=name, columns=columns, primary_key=keys)],
        warnings=warnings,
    )


def learn_columns(
    names: list[str],
    rows: list[list[str | None]],
    *,
    table: str = "sample",
    copy_categories: bool = True,
) -> tuple[list[ColumnSpec], list[str]]:
    """Columns inferred and learned from rows of text (None = NULL): (columns, warnings).

    For readers that have rows but no file, such as the INSERT/COPY rows of a
    SQL dump: the values go through the same inference and learning as a CSV
    sample's, so a dump's columns keep their categories, shapes and distributions.
    """
    width = len(names)
    bad = [i for i, row in enumerate(rows, start=1) if len(row) != width]
    if bad:
        raise SchemaError(f"{len(bad)} row(s) do not have {width} values (first: row {bad[0]})", file=table)
    columns_text = [[None if v is None else str(v) for v in col] for col in zip(*rows, strict=True)] if rows \
        else [[] for _ in names]
    data = pa.table({name: pa.array(values, pa.string()) for name, values in zip(names, columns_text, strict=True)})
    warnings: list[str] = []
    columns = [_column(table, name, data.column(i), data.num_rows, typed=False, warnings=warnings)
               for i, name in enumerate(names)]
    if data.num_rows:
        from tasks.schema.learn import learn_table

        learn_table(table, columns, data, warnings, copy_categories=copy_categories)
    return columns, warnings


# ----------------------------------------------------------------------------- reading


def _read_parquet(path: Path, max_rows: int) -> pa.Table:
    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise SchemaError(f"not a readable Parquet file: {error}", file=str(path)) from None
    with handle:
        batches, seen = [], 0
        for batch in handle.iter_batches(batch_size=min(max_rows, 65_536)):
            batches.append(batch.slice(0, max_rows - seen))
            seen += batches[-1].num_rows
            if seen >= max_rows:
                break
        return pa.Table.from_batches(batches, schema=handle.schema_arrow)


def _delimiter(path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        head = handle.read(65_536)
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path, max_rows: int, warnings: list[str]) -> pa.Table:
    """Every column as text (inferred later, over all sampled rows, not just the first block)."""
    source = str(path)
    delimiter = _delimiter(path)
    probe_parse = pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=lambda row: "skip")
    probe_read = pacsv.ReadOptions(use_threads=False, block_size=1 << 16)
    try:  # the header only; the first small block is parsed and thrown away
        with pacsv.open_csv(path, read_options=probe_read, parse_options=probe_parse) as probe:
            names = probe.schema.names
    except pa.ArrowInvalid as error:
        if "Empty CSV" in str(error):
            raise SchemaError("the file is empty: expected a header row and sample rows", file=source) from None
        raise SchemaError(f"not a readable CSV file: {error}", file=source) from None
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SchemaError(f"header names column(s) {', '.join(duplicated)} more than once", file=source, line=1)
    bad_rows: list[Any] = []

    def skip_bad_row(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    parse = pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=skip_bad_row)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        null_values=NULL_VALUES,
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(use_threads=False, block_size=1 << 20)  # in order, so bad rows know their line
    batches, seen = [], 0
    try:
        with pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                batches.append(batch.slice(0, max_rows - seen))
                seen += batches[-1].num_rows
                if seen >= max_rows:
                    break
            schema = reader.schema
    except pa.ArrowInvalid as error:
        raise SchemaError(f"not a readable CSV file: {error}", file=source) from None
    if bad_rows:
        first = bad_rows[0]
        detail = f"expected {first.expected_columns} fields, got {first.actual_columns}"
        if len(bad_rows) > _BAD_ROW_SHARE * max(seen, 1):
            raise SchemaError(
                f"{len(bad_rows)} malformed row(s) ({detail})", file=source, line=first.number
            )
        warnings.append(
            f"skipped {len(bad_rows)} malformed row(s); first at line {first.number}: {detail}"
        )
    return pa.Table.from_batches(batches, schema=schema)


# ----------------------------------------------------------------------------- inference


def _column(table: str, name: str, values: pa.ChunkedArray, rows: int, typed: bool, warnings: list[str]) -> ColumnSpec:
    col = ColumnSpec(name=name)
    nulls = values.null_count
    col.null_rate = round(nulls / rows, 6) if rows else 0.0
    col.nullable = nulls > 0 or rows == 0
    present = pc.drop_null(values)
    uniques: pa.Array | None = None
    if typed:
        present = _typed_column(table, col, present, warnings)
    else:
        col.source_type = "text"
        present, uniques = _text_column(col, present)
    if len(present) == 0:
        if rows:
            warnings.append(f"{table}.{name}: every sampled value is empty; generating it as a nullable string")
        return col
    _stats(col, present)
    if col.type == "json":
        return col
    if uniques is None:
        uniques = pc.unique(present)
    distinct = len(uniques)
    if distinct == len(present) and len(present) >= MIN_UNIQUE_ROWS and col.type in _KEY_TYPES:
        col.unique = True
        if nulls == 0 and name.lower() in {"id", f"{table.lower()}_id"}:
            col.primary_key = True
    elif col.type in _ENUM_TYPES and not col.format and _enum_like(col, distinct, len(present)):
        _enum(col, present)
    if col.type == "string" and not col.enum and not col.format:
        col.pattern = _shape_regex(uniques)
    return col


def _enum_like(col: ColumnSpec, distinct: int, present: int) -> bool:
    """Few enough distinct values, each seen often enough, to keep as a value set with frequencies."""
    if col.type == "string":
        return distinct <= MAX_ENUM_VALUES and present >= ENUM_SUPPORT * distinct
    return distinct <= MAX_NUMBER_ENUM and present >= NUMBER_ENUM_SUPPORT * distinct


def _all_match(values: pa.ChunkedArray | pa.Array, pattern: str) -> bool:
    """Every value matches; a small head is tried first, since most candidates fail early."""
    if len(values) > 256 and not pc.all(pc.match_substring_regex(values.slice(0, 256), pattern)).as_py():
        return False
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def _any_match(values: pa.ChunkedArray | pa.Array, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(values, pattern)).as_py())


def _text_column(col: ColumnSpec, text: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.Array | None]:
    """Pick the narrowest type every value parses as: (values converted to it, distinct values
    when they are still the text ones)."""
    if len(text) == 0:
        return text, None
    distinct = pc.unique(text)  # the patterns only need to see each value once
    for kind, pattern in _TEXT_TYPES:
        if not _all_match(distinct, pattern):
            continue
        converted = _convert(kind, col, text)
        if converted is not None:
            return converted, (distinct if kind == "uuid" else None)
    col.type = "string"
    col.format = _format(distinct)
    return text, distinct


def _convert(kind: str, col: ColumnSpec, text: pa.ChunkedArray) -> pa.ChunkedArray | None:
    try:
        if kind == "boolean":
            col.type = "boolean"
            return pc.match_substring_regex(text, _TRUE, ignore_case=True)
        if kind == "integer":
            col.type = "integer"
            return pc.cast(text, pa.int64())
        if kind == "number":
            scales = pc.utf8_length(pc.replace_substring_regex(text, r"^[^.]*\.?|[eE].*$", ""))
            low, high = pc.min_max(scales).values()
            numbers = pc.cast(text, pa.float64())
            if low.as_py() == high.as_py() and 1 <= high.as_py() <= 6 and not _any_match(text, "[eE]"):
                digits = pc.utf8_length(pc.replace_substring_regex(text, r"[^0-9]", ""))
                col.type, col.scale = "decimal", high.as_py()
                col.precision = max(pc.max(digits).as_py(), col.scale + 1)
            else:
                col.type = "float"
            return numbers
        if kind == "date":
            col.type = "date"
            return pc.cast(text, pa.date32())
        if kind == "datetime":
            col.type = "datetime"
            with_zone = _all_match(text, r"(Z|[+-][0-9]{2}:?[0-9]{2})$")
            return pc.cast(text, pa.timestamp("us", tz="UTC" if with_zone else None))
        if kind == "time":
            col.type = "time"
            padded = pc.if_else(pc.equal(pc.utf8_length(text), 5), pc.binary_join_element_wise(text, ":00", ""), text)
            return pc.cast(padded, pa.time64("us"))
        if kind == "uuid":
            col.type, col.format = "uuid", "uuid"
            return text
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    col.type, col.format, col.scale, col.precision = "string", None, None, None
    return None


def _format(text: pa.ChunkedArray) -> str | None:
    for fmt, pattern in _FORMATS:
        if _all_match(text, pattern):
            return fmt
    return None


def _typed_column(table: str, col: ColumnSpec, values: pa.ChunkedArray, warnings: list[str]) -> pa.ChunkedArray:
    """Parquet: its own type decides; strings still get a format."""
    kind = values.type
    col.source_type = str(kind)
    if pa.types.is_dictionary(kind):
        values = pc.cast(values, kind.value_type)
        kind = kind.value_type
    if pa.types.is_boolean(kind):
        col.type = "boolean"
    elif pa.types.is_integer(kind):
        col.type = "integer"
    elif pa.types.is_floating(kind):
        col.type = "float"
    elif pa.types.is_decimal(kind):
        col.type, col.precision, col.scale = "decimal", kind.precision, kind.scale
    elif pa.types.is_date(kind):
        col.type = "date"
    elif pa.types.is_timestamp(kind):
        col.type = "datetime"
    elif pa.types.is_time(kind):
        col.type = "time"
    elif isinstance(kind, pa.UuidType) or (pa.types.is_fixed_size_binary(kind) and kind.byte_width == 16):
        col.type, col.format = "uuid", "uuid"
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        col.type = "string"
        if len(values):
            col.format = _format(values)
    elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        col.type = "binary"
    elif pa.types.is_nested(kind):
        col.type = "json"
    elif pa.types.is_null(kind):
        col.type = "string"
    else:
        col.type = "string"
        warnings.append(f"{table}.{col.name}: Parquet type {kind} is not supported; generating it as string")
    return values


def _stats(col: ColumnSpec, values: pa.ChunkedArray) -> None:
    if col.type in {"integer", "float", "decimal", "date", "datetime", "time"}:
        low, high = (v.as_py() for v in pc.min_max(values).values())
        col.min, col.max = _bound(low), _bound(high)
    elif col.type == "string":
        lengths = pc.utf8_length(values)
        low, high = (v.as_py() for v in pc.min_max(lengths).values())
        col.min_length, col.max_length = low, high


def _bound(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return float(value)  # Decimal


def _enum(col: ColumnSpec, values: pa.ChunkedArray) -> None:
    counts = pc.value_counts(values)
    pairs = sorted(
        zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True),
        key=lambda pair: (-pair[1], str(pair[0])),
    )
    total = sum(count for _, count in pairs)
    col.enum = [value for value, _ in pairs]
    col.enum_weights = [round(count / total, 6) for _, count in pairs]


def _shape_regex(distinct: pa.Array) -> str | None:
    """One shared shape with digits in it (SKU-1234-AB, 02134) -> an anchored regex."""
    shapes = pc.replace_substring_regex(distinct, "[0-9]", "9")
    shapes = pc.replace_substring_regex(shapes, "[A-Z]", "A")
    shapes = pc.replace_substring_regex(shapes, "[a-z]", "a")
    unique = pc.unique(shapes)
    if len(unique) != 1:
        return None
    shape = unique[0].as_py()
    if "9" not in shape:
        return None
    classes = {"9": "[0-9]", "A": "[A-Z]", "a": "[a-z]"}
    parts = []
    for run in re.finditer(r"(.)\1*", shape):
        char, size = run.group(1), len(run.group(0))
        token = classes.get(char) or ("\\" + char if char in _REGEX_SPECIAL else char)
        parts.append(token + (f"{{{size}}}" if size > 1 else ""))
    return "^" + "".join(parts) + "$"
