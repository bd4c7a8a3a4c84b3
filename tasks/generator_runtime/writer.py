"""Streaming Arrow record batches to Parquet, CSV or JSON Lines, never half-written.

Nested columns keep the schema's shape: Parquet stores objects as structs and
arrays as lists; JSON Lines writes each record nested, leaving out a property
whose field is flagged "omit" when it is NULL (an optional property is absent,
not null) and writing a oneOf "variant" struct as the one branch that is set;
CSV, which has no nesting, gets objects flattened into `parent.child` columns
and arrays (and oneOf values) as JSON text. JSON has no date-time type:
timestamps and times are written in RFC 3339 (UTC, with `Z`, as JSON Schema's
`date-time` and `time` formats require) and decimals as JSON numbers.

Each file is written under a temporary name next to its target and renamed
when complete, so a reader never sees a partial file under the real name.
The Parquet settings are the ones measured fastest (profiling/bench_mockdata.py):
dictionary encoding only for low-cardinality columns, DELTA_LENGTH_BYTE_ARRAY
for unique strings, statistics only where a reader can use them, zstd level 1,
one row group per batch. This module is copied into every rendered generator
module, so it imports only pyarrow, numpy and the standard library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}
HEX_PAIRS = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2").view(np.uint8).reshape(256, 2)


def parquet_options(columns: list[dict]) -> dict:
    """ParquetWriter keyword arguments for columns described as dicts.

    Each dict has `name`, `type` (short Arrow name), `generator` and `low_cardinality`.
    """
    dictionary = [c["name"] for c in columns if c.get("low_cardinality")]
    stats = [c["name"] for c in columns
             if (c["type"] not in ("string", "uuid", "binary") or str(c.get("generator", "")).startswith("choice."))
             and not str(c["type"]).startswith(("{", "["))]
    encoding = {c["name"]: "DELTA_LENGTH_BYTE_ARRAY" for c in columns
                if c["type"] == "string" and not c.get("low_cardinality")}
    return {
        "compression": "zstd",
        "compression_level": 1,
        "use_dictionary": dictionary or False,
        "write_statistics": stats or False,
        "column_encoding": encoding or None,
    }


def uuid_text(array: pa.Array) -> pa.Array:
    """Canonical 36-character text of a UUID (or 16-byte binary) array, vectorised."""
    storage = array.storage if isinstance(array, pa.ExtensionArray) else array
    n = len(storage)
    raw = np.frombuffer(storage.buffers()[1], dtype=np.uint8, count=(storage.offset + n) * 16)
    raw = raw[storage.offset * 16:].reshape(n, 16)
    hexed = HEX_PAIRS[raw].reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, (lo, hi) in zip((0, 9, 14, 19, 24), ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)), strict=True):
        out[:, dst:dst + hi - lo] = hexed[:, lo:hi]
    offsets = np.arange(0, (n + 1) * 36, 36, dtype=np.int32)
    validity = storage.buffers()[0] if storage.null_count else None
    if validity is not None and storage.offset:
        storage = pa.concat_arrays([storage])
        validity = storage.buffers()[0]
    return pa.Array.from_buffers(pa.string(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(out)])


def bytea_text(array: pa.Array) -> pa.Array:
    """Bytes as PostgreSQL's bytea hex text (`\\x0aff...`), which COPY and most loaders read back."""
    return pa.array([None if v is None else "\\x" + v.hex() for v in array.to_pylist()], type=pa.string())


def as_text_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """UUID columns as text, bytes as hex text, for formats without those types (CSV, JSON)."""
    arrays = [uuid_text(col) if isinstance(col.type, pa.UuidType) or col.type == pa.binary(16)
              else bytea_text(col) if col.type in (pa.binary(), pa.large_binary()) else col
              for col in batch.columns]
    fields = [field.with_type(array.type) for field, array in zip(batch.schema, arrays, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))  # field flags (omit) kept


def _json_default(value: object) -> object:
    if type(value).__name__ == "Decimal":  # (no import: this module is copied into rendered modules)
        return float(value)
    if hasattr(value, "hour") and getattr(value, "tzinfo", True) is None:  # naive datetime or time
        return value.isoformat() + "Z"
    isoformat = getattr(value, "isoformat", None)
    if isoformat is not None:
        return isoformat()
    return str(value)


def _flag(field: pa.Field, name: str) -> bool:
    return bool(field.metadata) and field.metadata.get(f"qaflow.{name}".encode()) == b"1"


def is_variant(kind: pa.DataType) -> bool:
    """A oneOf/anyOf value: a struct whose members are the branches (exactly one set per row)."""
    return pa.types.is_struct(kind) and kind.num_fields > 0 and all(_flag(f, "variant") for f in kind)


def json_cleaner(kind: pa.DataType) -> Callable[[object], object] | None:
    """What turns one `to_pylist` value of this type into its JSON shape (None: nothing to do)."""
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        inner = json_cleaner(kind.value_type)
        if inner is None:
            return None
        return lambda v: None if v is None else [None if x is None else inner(x) for x in v]
    if not pa.types.is_struct(kind):
        return None
    members = [(f.name, json_cleaner(f.type), _flag(f, "omit")) for f in kind]
    if is_variant(kind):
        cleaners = {name: clean for name, clean, _ in members}

        def branch(v):
            if v is None:
                return None
            for name, x in v.items():
                if x is not None:
                    return cleaners[name](x) if cleaners[name] else x
            return None
        return branch
    if not any(clean or omit for _, clean, omit in members):
        return None

    def record(v):
        if v is None:
            return None
        for name, clean, omit in members:
            x = v[name]
            if x is None:
                if omit:
                    del v[name]
            elif clean is not None:
                v[name] = clean(x)
        return v
    return record


def flat_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Nested columns for flat formats: objects as `parent.child` columns, arrays and oneOfs as JSON text."""
    if not any(pa.types.is_struct(t) or pa.types.is_list(t) for t in batch.schema.types):
        return batch
    names: list[str] = []
    arrays: list[pa.Array] = []

    def add(name: str, array: pa.Array) -> None:
        kind = array.type
        free_form = pa.types.is_struct(kind) and all(_flag(f, "omit") for f in kind)  # e.g. {"type": "object"}
        if pa.types.is_struct(kind) and not is_variant(kind) and kind.num_fields and not free_form:
            for field, child in zip(kind, array.flatten(), strict=True):
                add(f"{name}.{field.name}", child)
        elif pa.types.is_struct(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind):
            clean = json_cleaner(kind)
            texts = [None if v is None else json.dumps(clean(v) if clean else v, ensure_ascii=False,
                                                       default=_json_default) for v in array.to_pylist()]
            arrays.append(pa.array(texts, pa.string()))
            names.append(name)
        else:
            arrays.append(array)
            names.append(name)

    for field, column in zip(batch.schema, batch.columns, strict=True):
        add(field.name, column)
    return pa.RecordBatch.from_arrays(arrays, names=names)


class _ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema, options: dict) -> None:
        self.writer = pq.ParquetWriter(path, schema, **options)

    def write(self, batch: pa.RecordBatch) -> None:
        self.writer.write_batch(batch, row_group_size=batch.num_rows)

    def close(self) -> None:
        self.writer.close()


class _CsvSink:
    def __init__(self, path: Path, schema: pa.Schema, options: dict) -> None:
        import pyarrow.csv as pacsv

        self.path = path
        self.pacsv = pacsv
        self.writer = None

    def write(self, batch: pa.RecordBatch) -> None:
        batch = as_text_batch(flat_batch(batch))
        if self.writer is None:
            self.writer = self.pacsv.CSVWriter(str(self.path), batch.schema)
        self.writer.write_batch(batch)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        else:
            self.path.touch()


class _JsonlSink:
    def __init__(self, path: Path, schema: pa.Schema, options: dict) -> None:
        self.fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, batch: pa.RecordBatch) -> None:
        batch = as_text_batch(batch)
        names = batch.schema.names
        columns = []
        for field, col in zip(batch.schema, batch.columns, strict=True):
            values = col.to_pylist()
            clean = json_cleaner(field.type)
            if clean is not None:
                values = [clean(v) for v in values]
            columns.append(values)
        omit = [name for field, name in zip(batch.schema, names, strict=True) if _flag(field, "omit")]
        dumps = json.dumps
        if not omit:
            self.fh.writelines(
                dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=_json_default) + "\n"
                for row in zip(*columns, strict=True)
            )
            return
        for row in zip(*columns, strict=True):
            record = dict(zip(names, row, strict=True))
            for name in omit:
                if record[name] is None:
                    del record[name]
            self.fh.write(dumps(record, ensure_ascii=False, default=_json_default) + "\n")

    def close(self) -> None:
        self.fh.close()


SINKS = {"parquet": _ParquetSink, "csv": _CsvSink, "jsonl": _JsonlSink}


def format_of(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The output format: given, else from the file suffix, else parquet."""
    if fmt:
        if fmt not in SINKS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(SINKS)}")
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"parquet": "parquet", "pq": "parquet", "csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}.get(
        suffix, "parquet")


def write_batches(batches: Iterable[pa.RecordBatch], path: str | os.PathLike, schema: pa.Schema,
                  fmt: str | None = None, options: dict | None = None,
                  on_batch: Callable[[int], None] | None = None) -> dict:
    """Stream `batches` into `path` (temporary name, then rename); returns rows and bytes."""
    path = Path(path)
    fmt = format_of(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Its own small rename, not tasks.files: this code runs pasted into standalone modules that cannot
    # import qaflow (and the sink streams into a file name). No fsync: a data file is written again by
    # re-running its shard, and syncing ~100 MB per shard would cost more than the rows.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    rows = 0
    try:
        sink = SINKS[fmt](tmp, schema, options or {})
        try:
            for batch in batches:
                sink.write(batch)
                rows += batch.num_rows
                if on_batch is not None:
                    on_batch(batch.num_rows)
        finally:
            sink.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"path": str(path), "rows": rows, "bytes": path.stat().st_size, "format": fmt}
