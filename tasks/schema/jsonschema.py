"""JSON Schema (drafts 4 to 2020-12) -> SchemaSpec, keeping the records' shape.

What becomes a table: an object schema (named by its `title`, else the file
stem), the `items` of an array schema (a list of records), or, when the root
has no properties, every object schema under `$defs` (named by its key).

Every property becomes a column of its own shape: nested objects stay objects
(`type: object` with `fields`), arrays stay arrays (`items`, `prefixItems` or
draft-7 tuple `items`, `contains`, `minItems`/`maxItems`/`uniqueItems`), and
a `oneOf`/`anyOf` with several real branches keeps them as `variants` (one
branch per record; an OpenAPI `discriminator` or a branch's `const`/`enum` tag
names it). `allOf` is merged; `if`/`then` is honoured by making the `if` true
and applying `then` (a warning says so); `dependentRequired` keeps the
dependent properties present; `dependentSchemas` is warned about. Per value:
`type` (a list with "null", or a null branch, makes it nullable), `required`
(not required -> absent in a share of records, `omit_null`), `format` (date,
date-time and time, uuid become their own types; email, uri, ipv4, ... stay
strings with that format), `enum`/`const`, `minimum`/`maximum`/`exclusive*`,
`minLength`/`maxLength`, `pattern`, `multipleOf` (0.01 on a number -> decimal,
scale 2), `default`, `description`.

`$ref`s resolve in the document, in files beside it (relative path or `$id`)
and in `--schema-dir` folders, never over the network (tasks/schema/refs.py);
a structure that contains itself is cut where it is optional (with a warning).

JSON Schema has no keys or relations, so qaflow reads a few vendor keywords:
`x-primary-key`, `x-unique`, `x-foreign-key: "table.column"`, `x-null-rate`
(the share of records where the property is absent or null), `x-enum-weights`,
`x-generator` and `x-params`.

The document is first checked against its draft's metaschema; any problem is a
SchemaError carrying the JSON pointer of the offending keyword.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError as MetaSchemaError

from tasks.schema.bounds import step_past
from tasks.schema.errors import SchemaError
from tasks.schema.references import check_schema
from tasks.schema.refs import LocalReferences
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec

# format -> the ColumnType it implies for a string (formats not listed stay strings).
_FORMAT_TYPES = {"date": "date", "date-time": "datetime", "time": "time", "uuid": "uuid"}
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "float", "boolean": "boolean",
               "object": "json", "array": "json"}
_DEFS = ("$defs", "definitions")
# formats generated as another whose values are always valid for them
_FORMAT_ALIASES = {"uri-reference": "uri", "iri-reference": "uri", "iri": "uri"}
DEFAULT_NULL_RATE = 0.05  # share of records where a nested optional property is absent / a nullable one null


def load_json(text: str, source: str = "<string>") -> Any:
    """Parse JSON text; a syntax error names the line and column."""
    if not text.strip():
        raise SchemaError("the file is empty: expected a JSON document", file=source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SchemaError(f"invalid JSON: {error.msg}", file=source, line=error.lineno, column=error.colno) from None


def parse_json_schema(doc: dict[str, Any] | str, source: str = "<string>", *,
                      schema_dirs: Iterable[str | Path] = (), null_rate: float = DEFAULT_NULL_RATE) -> SchemaSpec:
    """Read the tables of a JSON Schema document (parsed, or as JSON text).

    `$ref`s to other files resolve among the files beside `source` and in
    `schema_dirs` (tasks/schema/refs.py), never over the network. `null_rate` is
    the default share of records in which an optional property is left out and a
    nullable one is null (`x-null-rate` on a property overrides it).
    """
    if isinstance(doc, str):
        doc = load_json(doc, source)
    if not isinstance(doc, dict):
        raise SchemaError(f"a JSON Schema must be an object, got {type(doc).__name__}", file=source, pointer="")
    _check_metaschema(doc, source)
    return _Reader(doc, source, schema_dirs, null_rate).read()


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


class _Recursive(Exception):
    """A `$ref` met again inside its own expansion (a recursive structure such as a tree)."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


class _Reader:
    def __init__(self, doc: dict[str, Any], source: str, schema_dirs: Iterable[str | Path] = (),
                 null_rate: float = DEFAULT_NULL_RATE) -> None:
        self.doc = doc
        self.source = source
        self.stem = Path(source).name.split(".")[0] if source != "<string>" else "records"
        self.warnings: list[str] = []
        self.refs = LocalReferences(doc, source, schema_dirs)
        self.null_rate = null_rate
        self.expanding: list[str] = []  # refs whose targets are being read (outermost first)

    def fail(self, pointer: str, message: str) -> SchemaError:
        return SchemaError(message, file=self.source, pointer=pointer)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

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

    # -- $ref / allOf / if-then-else

    def resolve(self, schema: Any, pointer: str, seen: frozenset[str] = frozenset()) -> tuple[Any, str]:
        """Follow `$ref`s (in this file, other files or by `$id`), merge `allOf` and `if`/`then`;
        sibling keywords win over the target's."""
        schema, pointer, _ = self.expand(schema, pointer, seen)
        return schema, pointer

    def expand(self, schema: Any, pointer: str, seen: frozenset[str] = frozenset()) -> tuple[Any, str, list[str]]:
        """`resolve`, also returning the references followed (to notice a structure that contains itself)."""
        if not isinstance(schema, dict):
            return schema, pointer, []
        followed: list[str] = []
        if "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str):
                raise self.fail(f"{pointer}/$ref", f"$ref must be a string, got {ref!r}")
            if ref in seen:
                raise self.fail(f"{pointer}/$ref", f"circular reference {ref!r}")
            if ref in self.expanding:
                raise _Recursive(ref)
            if ref.startswith("#"):
                target = self._lookup(ref, f"{pointer}/$ref")
                target_pointer = ref[1:]
            else:
                try:
                    target, base = self.refs.lookup(ref)
                except SchemaError as error:
                    if error.pointer is not None or error.file != self.source:
                        raise
                    raise self.fail(f"{pointer}/$ref", error.reason) from None
                target = self.refs.absolute(target, base)
                target_pointer = ref
            resolved, _, more = self.expand(target, target_pointer, seen | {ref})
            followed = [ref, *more]
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**resolved, **siblings} if isinstance(resolved, dict) else resolved
        if isinstance(schema, dict) and "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for index, part in enumerate(schema["allOf"]):
                part, _, more = self.expand(part, f"{pointer}/allOf/{index}", seen)
                followed += more
                if isinstance(part, dict):
                    merged = _merge(part, merged)
            schema = merged
        if isinstance(schema, dict) and isinstance(schema.get("then"), dict) and isinstance(schema.get("if"), dict):
            # records always take the `then` branch: the `if` is made true and `then` holds
            condition, _, more = self.expand(schema["if"], f"{pointer}/if", seen)
            then, _, more2 = self.expand(schema["then"], f"{pointer}/then", seen)
            followed += more + more2
            rest = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
            schema = _merge(_merge(rest, condition), then)
            self.warn(f"{pointer or '/'}: if/then/else: every record takes the `then` branch")
        elif isinstance(schema, dict) and "if" in schema:
            schema = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
        return schema, pointer, followed

    def _lookup(self, ref: str, pointer: str) -> Any:
        node: Any = self.doc
        for raw in ref[1:].split("/")[1:]:
            key = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise self.fail(pointer, f"reference {ref!r} points at nothing in this document")
        return node

    # -- one table

    def table(self, name: str, schema: dict[str, Any], pointer: str) -> TableSpec:
        columns = self.members(name, schema, pointer, prefix="")
        if not columns:
            raise self.fail(f"{pointer}/properties", f"object {name!r} has no properties to make columns from")
        primary_key = [c.name for c in columns if c.primary_key]
        for col in columns:
            if col.primary_key:
                col.nullable = False
                col.omit_null = False
                col.null_rate = 0.0
                col.unique = col.unique or len(primary_key) == 1
        return TableSpec(name=name, columns=columns, primary_key=primary_key, description=schema.get("description"))

    def members(self, table: str, schema: dict[str, Any], pointer: str, prefix: str) -> list[ColumnSpec]:
        """The properties of an object, each a ColumnSpec (objects and arrays kept nested)."""
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        for missing in sorted(required - set(properties)):
            self.warn(f"{table}: required property {prefix + missing!r} is not defined; ignored")
        dependent = schema.get("dependentRequired") or {}
        if isinstance(dependent, dict) and dependent:
            # b is required whenever a is present: keep every such b present
            for needs in dependent.values():
                required |= {n for n in needs or [] if isinstance(n, str)}
        if schema.get("dependentSchemas") or schema.get("dependencies"):
            self.warn(f"{table}{'.' + prefix.rstrip('.') if prefix else ''}: dependentSchemas/dependencies "
                      "are not honoured")
        out: list[ColumnSpec] = []
        for prop, sub in properties.items():
            sub_pointer = f"{pointer}/properties/{_pointer([prop])[1:]}"
            try:
                resolved, _, followed = self.expand(sub, sub_pointer)
            except _Recursive as loop:
                if prop in required:
                    raise self.fail(sub_pointer, f"required property {prefix + prop!r} contains itself "
                                    f"through {loop.ref!r}: no finite record fits") from None
                self.warn(f"{table}.{prefix}{prop}: refers back to {loop.ref} (a recursive structure); "
                          "left out of the records")
                continue
            if resolved is False:
                continue  # a property that must not appear
            self.expanding.extend(followed)
            try:
                col = self.column(table, prop, resolved, sub_pointer, prop in required, f"{prefix}{prop}")
            except _Recursive as loop:
                if prop in required:
                    raise self.fail(sub_pointer, f"required property {prefix + prop!r} contains itself "
                                    f"through {loop.ref!r}: no finite record fits") from None
                self.warn(f"{table}.{prefix}{prop}: refers back to {loop.ref} (a recursive structure); "
                          "left out of the records")
                continue
            finally:
                del self.expanding[len(self.expanding) - len(followed):]
            out.append(col)
        return out

    # -- one value

    def column(self, table: str, name: str, schema: Any, pointer: str, required: bool,
               path: str | None = None) -> ColumnSpec:
        path = path or name
        col = ColumnSpec(name=name, nullable=not required)
        if schema is True or schema == {}:
            col.type, col.source_type = "json", "any"
            self.warn(f"{table}.{path}: no type given; generating it as json")
            return self._optional(col, schema if isinstance(schema, dict) else {}, pointer, required, False,
                                  path != name)
        if not isinstance(schema, dict):
            raise self.fail(pointer, f"expected a schema object, got {schema!r}")
        schema, variants, type_nullable = self._branches(table, path, schema, pointer)
        if variants is not None:
            col.type, col.source_type = "json", "oneOf"
            col.variants = variants
            self._vendor(schema, pointer, col)
            if schema.get("description"):
                col.description = schema["description"]
            return self._optional(col, schema, pointer, required, type_nullable, path != name)
        several = [t for t in _listed(schema.get("type")) if t != "null"]
        if len(several) > 1 and set(several) != {"integer", "number"} and "enum" not in schema \
                and "const" not in schema:
            # type: [string, array]: one of the types per record, each with the keywords that apply to it
            col.type, col.source_type = "json", "|".join(_listed(schema.get("type")))
            col.variants = [self.column(table, t, {**schema, "type": t}, pointer, True, f"{path}|{t}")
                            for t in several]
            self._vendor(schema, pointer, col)
            nullable = "null" in _listed(schema.get("type"))
            return self._optional(col, schema, pointer, required, nullable, path != name)
        types = self._types(schema, pointer, col, table, path)
        values = schema.get("enum") if isinstance(schema.get("enum"), list) else []
        type_nullable = type_nullable or "null" in _listed(schema.get("type")) or None in values \
            or ("const" in schema and schema["const"] is None)
        json_type = types[0] if types else None
        fmt = schema.get("format")
        if json_type is None:
            json_type = self._guess_type(schema)
            if json_type is None:
                self.warn(f"{table}.{path}: no type given; generating it as string")
                json_type = "string"
        declared = schema.get("type")
        col.source_type = "|".join(declared) if isinstance(declared, list) else declared or json_type
        if json_type == "object":
            col.type = "object"
            col.fields = self.members(table, schema, pointer, f"{path}.")
        elif json_type == "array":
            col.type = "array"
            self._array(table, path, schema, pointer, col)
        else:
            col.type = _JSON_TYPES.get(json_type, "string")  # type: ignore[assignment]
        if json_type == "string":
            if fmt in _FORMAT_TYPES:
                col.type = _FORMAT_TYPES[fmt]  # type: ignore[assignment]
            elif schema.get("contentEncoding") in {"base64", "base64url"}:
                col.type = "binary"
        if fmt and isinstance(fmt, str):
            col.format = _FORMAT_ALIASES.get(fmt, fmt)  # an absolute URI is a valid uri-reference
            col.source_type += f" ({fmt})"
        step = schema.get("multipleOf")
        if json_type == "number" and isinstance(step, int | float) and 0 < step < 1:
            scale = round(-math.log10(step))
            if math.isclose(10 ** -scale, step):
                col.type, col.scale = "decimal", scale
        self._values(schema, pointer, col)
        if json_type not in ("object", "array"):
            self._bounds(schema, pointer, col)
        self._vendor(schema, pointer, col)
        if schema.get("description"):
            col.description = schema["description"]
        elif schema.get("title"):
            col.description = schema["title"]
        return self._optional(col, schema, pointer, required, type_nullable, path != name)

    def _optional(self, col: ColumnSpec, schema: dict[str, Any], pointer: str, required: bool,
                  type_nullable: bool, nested: bool) -> ColumnSpec:
        """Optional properties are absent, nullable ones null, in a share of the records.

        `x-null-rate` sets the share; without it a top-level property gets the
        run's default (`--null-rate`, applied by the mapping) and a nested one
        the reader's `null_rate`.
        """
        if type_nullable:
            col.nullable = True
        if not required:
            col.nullable = True
            col.omit_null = not type_nullable
        if col.nullable and nested and schema.get("x-null-rate") is None:
            col.null_rate = self.null_rate
        return col

    def _branches(self, table: str, path: str, schema: dict[str, Any],
                  pointer: str) -> tuple[dict[str, Any], list[ColumnSpec] | None, bool]:
        """oneOf/anyOf: [X, null] is a nullable X; several real branches become variants (one per row)."""
        nullable = False
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if not isinstance(branches, list):
                continue
            rest = {k: v for k, v in schema.items() if k != key}
            resolved = [self.expand(b, f"{pointer}/{key}/{i}") for i, b in enumerate(branches)]
            real = [(i, b) for i, (b, _, _) in enumerate(resolved)
                    if not (isinstance(b, dict) and b.get("type") == "null") and b is not False]
            if len(real) < len(resolved):
                nullable = True
            if len(real) == 1 and isinstance(real[0][1], dict):
                schema = {**real[0][1], **rest}
                continue
            if not real:
                continue
            tags = self._discriminator(schema, branches, [i for i, _ in real], pointer)
            variants = []
            for (i, branch), (_, _, followed) in zip(real, [resolved[i] for i, _ in real], strict=True):
                merged = branch
                if isinstance(branch, dict):
                    merged = {k: v for k, v in _merge(rest, branch).items() if k != "discriminator"}
                if tags and isinstance(merged, dict):
                    merged = self._tag(merged, tags[i])
                title = (branch.get("title") if isinstance(branch, dict) else None) or _ref_name(branches[i])
                self.expanding.extend(followed)
                try:
                    variant = self.column(table, str(title or f"option{len(variants)}"), merged,
                                          f"{pointer}/{key}/{i}", True, f"{path}|{i}")
                finally:
                    del self.expanding[len(self.expanding) - len(followed):]
                variants.append(variant)
            return rest, variants, nullable
        return schema, None, nullable

    def _discriminator(self, schema: dict[str, Any], branches: list[Any], real: list[int],
                       pointer: str) -> dict[int, tuple[str, str]] | None:
        """OpenAPI's discriminator: branch index -> (property, tag) from `mapping` or the schema name."""
        disc = schema.get("discriminator")
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            return None
        prop = disc["propertyName"]
        mapping = {v: k for k, v in (disc.get("mapping") or {}).items() if isinstance(v, str)}
        tags = {}
        for i in real:
            ref = branches[i].get("$ref") if isinstance(branches[i], dict) else None
            if ref is None:
                continue
            tag = mapping.get(ref) or next((k for v, k in mapping.items() if v.endswith("/" + ref.rsplit("/", 1)[-1])),
                                           None) or ref.rsplit("/", 1)[-1]
            tags[i] = (prop, tag)
        return tags or None

    @staticmethod
    def _tag(schema: dict[str, Any], tag: tuple[str, str]) -> dict[str, Any]:
        prop, value = tag
        properties = dict(schema.get("properties") or {})
        current = properties.get(prop)
        if isinstance(current, dict) and ("const" in current or "enum" in current):
            return schema  # the branch names its own tag
        properties[prop] = {**(current if isinstance(current, dict) else {}), "const": value}
        required = sorted({*schema.get("required", []), prop})
        return {**schema, "properties": properties, "required": required}

    def _array(self, table: str, path: str, schema: dict[str, Any], pointer: str, col: ColumnSpec) -> None:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):  # draft 4-7 tuples: items [..] + additionalItems
            prefix, items = items, schema.get("additionalItems")
        if isinstance(prefix, list) and prefix:
            col.prefix_items = [self._element(table, f"{path}[{i}]", p, f"{pointer}/prefixItems/{i}")
                                for i, p in enumerate(prefix)]
        if items is False:
            col.max_items = len(prefix or [])
            items = None
        if isinstance(items, dict | bool) and items not in (True, {}):
            col.items = self._element(table, f"{path}[]", items, f"{pointer}/items")
        elif col.prefix_items:
            col.items = col.prefix_items[-1]
        else:
            col.items = ColumnSpec(name="item", type="string", nullable=False)
            if items is None and not col.prefix_items:
                self.warn(f"{table}.{path}: array without `items`; generating strings")
        contains = schema.get("contains")
        if isinstance(contains, dict):
            base = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            resolved_base, _ = self.resolve(base, f"{pointer}/items")
            resolved_contains, _ = self.resolve(contains, f"{pointer}/contains")
            col.contains = self._element(table, f"{path}[contains]",
                                         _merge(resolved_base or {}, resolved_contains), f"{pointer}/contains")
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and not isinstance(low, bool):
            col.min_items = low
        if isinstance(high, int) and not isinstance(high, bool):
            col.max_items = high if col.max_items is None else min(col.max_items, high)
        if col.prefix_items and schema.get("minItems") is None:  # a tuple is generated whole
            col.min_items = min(len(col.prefix_items), col.max_items if col.max_items is not None else 1 << 30)
        if col.min_items is not None and col.max_items is not None and col.min_items > col.max_items:
            raise self.fail(f"{pointer}/minItems", f"minItems {col.min_items} is greater than maxItems {col.max_items}")
        col.unique_items = schema.get("uniqueItems") is True

    def _element(self, table: str, path: str, schema: Any, pointer: str) -> ColumnSpec:
        resolved, _, followed = self.expand(schema, pointer)
        self.expanding.extend(followed)
        try:
            element = self.column(table, "item", resolved, pointer, True, path)
        finally:
            del self.expanding[len(self.expanding) - len(followed):]
        return element

    def _types(self, schema: dict[str, Any], pointer: str, col: ColumnSpec, table: str, path: str) -> list[str]:
        types = _listed(schema.get("type"))
        if "null" in types:
            col.nullable = True
            types = [t for t in types if t != "null"]
        if len(types) > 1:
            numeric = {"integer", "number"}
            if set(types) == numeric:
                types = ["number"]
            else:
                self.warn(f"{table}.{path}: several types {types}; generating it as {types[0]}")
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
            if all(isinstance(v, dict) for v in values):
                return "object"
            if all(isinstance(v, list) for v in values):
                return "array"
            return "string"
        if "format" in schema or "pattern" in schema or "minLength" in schema or "maxLength" in schema:
            return "string"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            return "number"
        if "properties" in schema or "additionalProperties" in schema or "required" in schema:
            return "object"
        if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains")):
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
            stepped = step_past(col, ex_low, +1)
            low = stepped if low is None else max(low, stepped)
        if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
            stepped = step_past(col, ex_high, -1)
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


def _listed(declared: Any) -> list[str]:
    """`type` as a list (a string, a list, or nothing)."""
    if isinstance(declared, str):
        return [declared]
    return [t for t in declared if isinstance(t, str)] if isinstance(declared, list) else []


def _merge(base: Any, over: Any) -> Any:
    """Two schemas that must both hold (allOf): `over`'s keywords win, properties of both are kept
    (one defined in both must satisfy both), `required` is the union."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over if isinstance(over, dict) else base
    merged = {**base, **over}
    if "properties" in base or "properties" in over:
        props = dict(base.get("properties") or {})
        for name, sub in (over.get("properties") or {}).items():
            props[name] = {"allOf": [props[name], sub]} if name in props and props[name] != sub else sub
        merged["properties"] = props
    if "required" in base or "required" in over:
        merged["required"] = sorted({*(base.get("required") or []), *(over.get("required") or [])})
    return merged


def _ref_name(schema: Any) -> str | None:
    """The last segment of a branch's `$ref` (`#/components/schemas/Cat` -> Cat), a name for its variant."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        return unquote(schema["$ref"].rstrip("/").rsplit("/", 1)[-1].split("#")[-1]) or None
    return None


def _greater(a: Any, b: Any) -> bool:
    try:
        return a > b
    except TypeError:
        return False
