"""JSON Schema (draft 2020-12 subset) -> SchemaSpec.

What becomes a table: an object schema (named by its `title`, else the file
stem), the `items` of an array schema (a list of records), or, when the root
has no properties, every object schema under `$defs` (named by its key).

Per property: `type` (a list with "null" makes it nullable), `required`
(not required -> nullable), `format` (date, date-time and time, uuid become
their own types; email, uri, ipv4, ipv6, hostname, ... stay strings with that
format), `enum`/`const`, `minimum`/`maximum`/`exclusive*`, `minLength`/
`maxLength`, `pattern`, `multipleOf` (0.01 on a number -> decimal, scale 2),
`default`, `description`, `$ref` to local `$defs`, `allOf` (merged) and
`anyOf`/`oneOf` with a null branch. Nested objects are flattened into
`parent_child` columns; arrays and free-form objects become `json` columns.

JSON Schema has no keys or relations, so qaflow reads a few vendor keywords:
`x-primary-key`, `x-unique`, `x-foreign-key: "table.column"`, `x-null-rate`,
`x-enum-weights`, `x-generator` and `x-params`.

The document is first checked against its draft's metaschema; any problem is a
SchemaError carrying the JSON pointer of the offending keyword.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError as MetaSchemaError

from tasks.schema.errors import SchemaError
from tasks.schema.references import check_schema
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec

# format -> the ColumnType it implies for a string (formats not listed stay strings).
_FORMAT_TYPES = {"date": "date", "date-time": "datetime", "time": "time", "uuid": "uuid"}
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "float", "boolean": "boolean",
               "object": "json", "array": "json"}
_DEFS = ("$defs", "definitions")


def load_json(text: str, source: str = "<string>") -> Any:
    """Parse JSON text; a syntax error names the line and column."""
    if not text.strip():
        raise SchemaError("the file is empty: expected a JSON document", file=source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SchemaError(f"invalid JSON: {error.msg}", file=source, line=error.lineno, column=error.colno) from None


def parse_json_schema(doc: dict[str, Any] | str, source: str = "<string>") -> SchemaSpec:
    """Read the tables of a JSON Schema document (parsed, or as JSON text)."""
    if isinstance(doc, str):
        doc = load_json(doc, source)
    if not isinstance(doc, dict):
        raise SchemaError(f"a JSON Schema must be an object, got {type(doc).__name__}", file=source, pointer="")
    _check_metaschema(doc, source)
    return _Reader(doc, source).read()


def _check_metaschema(doc: dict[str, Any], source: str) -> None:
    validator = validators.validator_for(doc, default=Draft202012Validator)
    try:
        validator.check_schema(doc)
    except MetaSchemaError as error:
        raise SchemaError(
            f"not a valid JSON Schema: {error.message}", file=source, pointer=_pointer(error.absolute_path)
        ) from None


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class _Reader:
    def __init__(self, doc: dict[str, Any], source: str) -> None:
        self.doc = doc
        self.source = source
        self.stem = Path(source).name.split(".")[0] if source != "<string>" else "records"
        self.warnings: list[str] = []

    def fail(self, pointer: str, message: str) -> SchemaError:
        return SchemaError(message, file=self.source, pointer=pointer)

    # -- what the tables are

    def read(self) -> SchemaSpec:
        doc = self.doc
        tables: list[TableSpec] = []
        if self._is_object(doc):
            tables.append(self.table(doc.get("title") or self.stem, doc, ""))
        elif doc.get("type") == "array" or "items" in doc:
            items, pointer = self.resolve(doc.get("items"), "/items")
            if not self._is_object(items):
                raise self.fail(pointer, "an array schema must have object `items` to become a table")
            tables.append(self.table(doc.get("title") or items.get("title") or self.stem, items, pointer))
        else:
            for defs in _DEFS:
                for name, sub in (doc.get(defs) or {}).items():
                    schema, pointer = self.resolve(sub, f"/{defs}/{_pointer([name])[1:]}")
                    if self._is_object(schema):
                        tables.append(self.table(name, schema, pointer))
        if not tables:
            raise self.fail("", "expected an object schema with `properties`, an array of objects, or `$defs` of objects")
        return check_schema(SchemaSpec(source=self.source, tables=tables, warnings=self.warnings))

    @staticmethod
    def _is_object(schema: Any) -> bool:
        return isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema)

    # -- $ref / allOf

    def resolve(self, schema: Any, pointer: str, seen: frozenset[str] = frozenset()) -> tuple[Any, str]:
        """Follow local `$ref`s and merge `allOf`; sibling keywords win over the target's."""
        if not isinstance(schema, dict):
            return schema, pointer
        if "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise self.fail(f"{pointer}/$ref", f"only local references (#/$defs/...) are supported, got {ref!r}")
            if ref in seen:
                raise self.fail(f"{pointer}/$ref", f"circular reference {ref!r}")
            target = self._lookup(ref, f"{pointer}/$ref")
            resolved, _ = self.resolve(target, ref[1:], seen | {ref})
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**resolved, **siblings} if isinstance(resolved, dict) else resolved
        if isinstance(schema, dict) and "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for index, part in enumerate(schema["allOf"]):
                part, _ = self.resolve(part, f"{pointer}/allOf/{index}", seen)
                if isinstance(part, dict):
                    merged["properties"] = {**part.get("properties", {}), **merged.get("properties", {})}
                    merged["required"] = sorted({*part.get("required", []), *merged.get("required", [])})
                    merged = {**part, **merged}
            schema = merged
        return schema, pointer

    def _lookup(self, ref: str, pointer: str) -> Any:
        node: Any = self.doc
        for raw in ref[1:].split("/")[1:]:
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise self.fail(pointer, f"reference {ref!r} points at nothing in this document")
        return node

    # -- one table

    def table(self, name: str, schema: dict[str, Any], pointer: str) -> TableSpec:
        columns: list[ColumnSpec] = []
        self._properties(name, schema, pointer, prefix="", parent_required=True, out=columns)
        if not columns:
            raise self.fail(f"{pointer}/properties", f"object {name!r} has no properties to make columns from")
        primary_key = [c.name for c in columns if c.primary_key]
        for col in columns:
            if col.primary_key:
                col.nullable = False
                col.unique = col.unique or len(primary_key) == 1
        return TableSpec(name=name, columns=columns, primary_key=primary_key, description=schema.get("description"))

    def _properties(
        self, table: str, schema: dict[str, Any], pointer: str, prefix: str, parent_required: bool,
        out: list[ColumnSpec],
    ) -> None:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        for missing in sorted(required - set(properties)):
            self.warnings.append(f"{table}: required property {prefix + missing!r} is not defined; ignored")
        for prop, sub in properties.items():
            sub_pointer = f"{pointer}/properties/{_pointer([prop])[1:]}"
            resolved, _ = self.resolve(sub, sub_pointer)
            if resolved is False:
                continue  # a property that must not appear
            name = f"{prefix}{prop}"
            is_required = parent_required and prop in required
            if isinstance(resolved, dict) and self._is_object(resolved) and resolved.get("properties"):
                self._properties(table, resolved, sub_pointer, f"{name}_", is_required, out)
                continue
            out.append(self.column(table, name, resolved, sub_pointer, is_required))

    # -- one column

    def column(self, table: str, name: str, schema: Any, pointer: str, required: bool) -> ColumnSpec:
        col = ColumnSpec(name=name, nullable=not required)
        if schema is True or schema == {}:
            col.type, col.source_type = "json", "any"
            self.warnings.append(f"{table}.{name}: no type given; generating it as json")
            return col
        schema = self._unwrap_nullable(table, schema, pointer, col)
        types = self._types(schema, pointer, col, table)
        json_type = types[0] if types else None
        fmt = schema.get("format")
        if json_type is None:
            json_type = self._guess_type(schema)
            if json_type is None:
                self.warnings.append(f"{table}.{name}: no type given; generating it as string")
                json_type = "string"
        declared = schema.get("type")
        col.source_type = "|".join(declared) if isinstance(declared, list) else declared or json_type
        col.type = _JSON_TYPES.get(json_type, "string")  # type: ignore[assignment]
        if json_type == "string":
            if fmt in _FORMAT_TYPES:
                col.type = _FORMAT_TYPES[fmt]  # type: ignore[assignment]
            elif schema.get("contentEncoding") in {"base64", "base64url"}:
                col.type = "binary"
        if fmt:
            col.format = fmt
            col.source_type += f" ({fmt})"
        step = schema.get("multipleOf")
        if json_type == "number" and isinstance(step, int | float) and 0 < step < 1:
            scale = round(-math.log10(step))
            if math.isclose(10 ** -scale, step):
                col.type, col.scale = "decimal", scale
        self._values(schema, pointer, col)
        self._bounds(schema, pointer, col)
        self._vendor(schema, pointer, col)
        if schema.get("description"):
            col.description = schema["description"]
        elif schema.get("title"):
            col.description = schema["title"]
        return col

    def _unwrap_nullable(self, table: str, schema: dict[str, Any], pointer: str, col: ColumnSpec) -> dict[str, Any]:
        """anyOf/oneOf [X, {type: null}] is a nullable X."""
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if not isinstance(branches, list):
                continue
            resolved = [self.resolve(b, f"{pointer}/{key}/{i}")[0] for i, b in enumerate(branches)]
            real = [b for b in resolved if not (isinstance(b, dict) and b.get("type") == "null")]
            if len(real) < len(resolved):
                col.nullable = True
            if real and isinstance(real[0], dict):
                if len(real) > 1:
                    self.warnings.append(f"{table}.{col.name}: {key} with {len(real)} alternatives; using the first")
                rest = {k: v for k, v in schema.items() if k != key}
                schema = {**real[0], **rest}
        return schema

    def _types(self, schema: dict[str, Any], pointer: str, col: ColumnSpec, table: str) -> list[str]:
        declared = schema.get("type")
        types = [declared] if isinstance(declared, str) else list(declared or [])
        if "null" in types:
            col.nullable = True
            types = [t for t in types if t != "null"]
        if len(types) > 1:
            numeric = {"integer", "number"}
            if set(types) == numeric:
                types = ["number"]
            else:
                self.warnings.append(f"{table}.{col.name}: several types {types}; generating it as {types[0]}")
        return types

    @staticmethod
    def _guess_type(schema: dict[str, Any]) -> str | None:
        values = schema.get("enum") or ([schema["const"]] if "const" in schema else [])
        values = [v for v in values if v is not None]
        if values:
            if all(isinstance(v, bool) for v in values):
                return "boolean"
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return "integer"
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                return "number"
            return "string"
        if "format" in schema or "pattern" in schema or "minLength" in schema or "maxLength" in schema:
            return "string"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            return "number"
        if "items" in schema:
            return "array"
        return None

    def _values(self, schema: dict[str, Any], pointer: str, col: ColumnSpec) -> None:
        values = schema.get("enum")
        if "const" in schema:
            values = [schema["const"]]
        if values is not None:
            if None in values:
                col.nullable = True
            col.enum = [v for v in values if v is not None] or None
        if "default" in schema:
            col.default = schema["default"]
        if isinstance(schema.get("pattern"), str):
            col.pattern = schema["pattern"]

    def _bounds(self, schema: dict[str, Any], pointer: str, col: ColumnSpec) -> None:
        low, high = schema.get("minimum"), schema.get("maximum")
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if ex_low is True:  # draft-04: a flag on minimum
            ex_low, low = low, None
        if ex_high is True:
            ex_high, high = high, None
        if isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
            stepped = _step(col, ex_low, +1)
            low = stepped if low is None else max(low, stepped)
        if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
            stepped = _step(col, ex_high, -1)
            high = stepped if high is None else min(high, stepped)
        if col.type in {"date", "datetime", "time"}:
            low = schema.get("formatMinimum", low)
            high = schema.get("formatMaximum", high)
        if low is not None and high is not None and _greater(low, high):
            raise self.fail(pointer, f"minimum {low} is greater than maximum {high}")
        col.min, col.max = low, high
        min_len, max_len = schema.get("minLength"), schema.get("maxLength")
        if min_len is not None and max_len is not None and min_len > max_len:
            raise self.fail(f"{pointer}/minLength", f"minLength {min_len} is greater than maxLength {max_len}")
        col.min_length, col.max_length = min_len, max_len

    def _vendor(self, schema: dict[str, Any], pointer: str, col: ColumnSpec) -> None:
        if schema.get("x-primary-key"):
            col.primary_key = True
        if schema.get("x-unique"):
            col.unique = True
        ref = schema.get("x-foreign-key")
        if ref is not None:
            table, dot, column = str(ref).rpartition(".")
            if not dot or not table or not column:
                raise self.fail(f"{pointer}/x-foreign-key", f"x-foreign-key {ref!r} must be written 'table.column'")
            col.foreign_key = ForeignKey(table=table, column=column)
        rate = schema.get("x-null-rate")
        if rate is not None:
            if not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise self.fail(f"{pointer}/x-null-rate", f"x-null-rate must be a number from 0 to 1, got {rate!r}")
            col.null_rate = float(rate)
            col.nullable = col.nullable or rate > 0
        weights = schema.get("x-enum-weights")
        if weights is not None:
            if not col.enum or not isinstance(weights, list) or len(weights) != len(col.enum):
                raise self.fail(f"{pointer}/x-enum-weights", "x-enum-weights needs one number per enum value")
            col.enum_weights = [float(w) for w in weights]
        if isinstance(schema.get("x-generator"), str):
            col.generator = schema["x-generator"]
        if isinstance(schema.get("x-params"), dict):
            col.params = dict(schema["x-params"])


def _step(col: ColumnSpec, value: float, direction: int) -> float | int:
    """The first value past an exclusive bound: the next integer, the next cent, or the next float."""
    if not math.isfinite(value):
        return value  # inf/NaN: dropped with a warning once the schema is read (finite.py)
    if col.type == "integer":
        return math.floor(value) + 1 if direction > 0 else math.ceil(value) - 1
    if col.type == "decimal" and col.scale is not None:
        return round(value + direction * 10 ** (-col.scale), col.scale)
    return math.nextafter(float(value), math.inf if direction > 0 else -math.inf)


def _greater(a: Any, b: Any) -> bool:
    try:
        return a > b
    except TypeError:
        return False
