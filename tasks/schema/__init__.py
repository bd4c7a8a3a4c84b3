"""Schema readers: any schema file -> one SchemaSpec (tables, columns, constraints).

`read_schema_file(path)` picks the reader by suffix (then by content):

    .sql .ddl            SQL DDL (postgres, mysql, sqlite)       tasks/schema/ddl.py
    .json                JSON Schema (draft 2020-12 subset)       tasks/schema/jsonschema.py
                         (a JSON document with `version` and `tables` is a qaflow spec)
    .yaml .yml           qaflow's YAML spec (a JSON Schema in YAML is read as one)
    .csv .tsv .parquet   a sample to infer the schema from        tasks/schema/sample.py

`read_schema` (tasks/schema/steps.py) is the thin Prefect task around it;
importing the readers does not import Prefect. Every reader raises
`SchemaError` (file and line or pointer in its message) for bad input, and
leaves what it could only approximate in `SchemaSpec.warnings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tasks.schema.errors import SchemaError
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec

__all__ = [
    "ColumnSpec",
    "ForeignKey",
    "SchemaError",
    "SchemaSpec",
    "TableSpec",
    "read_schema_file",
]

_SQL = {".sql", ".ddl"}
_JSON = {".json"}
_YAML = {".yaml", ".yml"}
_SAMPLE = {".csv", ".tsv", ".parquet", ".pq"}


def read_schema_file(path: str | Path, dialect: str | None = None,
                     schema_dirs: Iterable[str | Path] = ()) -> SchemaSpec:
    """Read any supported schema file; the suffix decides, the content breaks ties.

    A JSON Schema's `$ref`s to other files resolve among the files beside it and
    in `schema_dirs` (offline only: tasks/schema/refs.py).

    Non-finite numbers (inf, NaN) are dropped with a warning naming the column
    (tasks/schema/finite.py), whichever reader they came through.
    """
    from tasks.schema.finite import drop_non_finite

    return drop_non_finite(_read_schema_file(Path(path), dialect, tuple(schema_dirs or ())))


def _read_schema_file(path: Path, dialect: str | None, schema_dirs: tuple = ()) -> SchemaSpec:
    source = str(path)
    if not path.exists():
        raise SchemaError("no such file", file=source)
    if path.is_dir():
        raise SchemaError("is a folder; give a schema file (.sql, .json, .yaml, .csv, .parquet)", file=source)
    suffix = path.suffix.lower()
    if suffix in _SAMPLE:
        from tasks.schema.sample import infer_from_sample

        return infer_from_sample(path)
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == b"PAR1":
        from tasks.schema.sample import infer_from_sample

        return infer_from_sample(path)
    text = _read_text(path)
    if suffix in _SQL:
        return _ddl(text, dialect, source)
    if suffix in _JSON:
        return _json(text, source, schema_dirs)
    if suffix in _YAML:
        return _yaml(text, source, schema_dirs)
    return _sniff(text, dialect, source, schema_dirs)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise SchemaError(f"not UTF-8 text (byte {error.start})", file=str(path)) from None


def _ddl(text: str, dialect: str | None, source: str) -> SchemaSpec:
    from tasks.schema.ddl import parse_ddl

    return parse_ddl(text, dialect=dialect, source=source)


def _json(text: str, source: str, schema_dirs: tuple = ()) -> SchemaSpec:
    from tasks.schema.jsonschema import load_json, parse_json_schema

    doc = load_json(text, source)
    if _is_qaflow_spec(doc):
        from tasks.schema.yamlspec import spec_from_document

        return spec_from_document(doc, source)
    return parse_json_schema(doc, source=source, schema_dirs=schema_dirs)


def _yaml(text: str, source: str, schema_dirs: tuple = ()) -> SchemaSpec:
    from tasks.schema.yamlspec import load_yaml_document, spec_from_document

    doc, lines = load_yaml_document(text, source)
    if isinstance(doc, dict) and not _is_qaflow_spec(doc) and _looks_like_json_schema(doc):
        from tasks.schema.jsonschema import parse_json_schema

        return parse_json_schema(doc, source=source, schema_dirs=schema_dirs)
    return spec_from_document(doc, source, lines)


def _is_qaflow_spec(doc: Any) -> bool:
    return isinstance(doc, dict) and "tables" in doc and "$schema" not in doc


def _looks_like_json_schema(doc: dict[str, Any]) -> bool:
    return any(key in doc for key in ("$schema", "properties", "$defs", "items"))


def _sniff(text: str, dialect: str | None, source: str, schema_dirs: tuple = ()) -> SchemaSpec:
    """No known suffix: decide by what the text looks like."""
    stripped = text.lstrip()
    if not stripped:
        raise SchemaError("the file is empty", file=source)
    if stripped[0] in "{[":
        return _json(text, source, schema_dirs)
    if "create table" in stripped.lower():
        return _ddl(text, dialect, source)
    if stripped.startswith(("version:", "tables:", "---")):
        return _yaml(text, source, schema_dirs)
    raise SchemaError(
        "cannot tell what kind of schema this is; use a .sql, .json, .yaml, .csv or .parquet file",
        file=source,
    )
