"""qaflow's own schema format: a versioned YAML spec a person can read and edit.

It is every ColumnSpec field written out, plus the generator each column uses
and its params, so a mapping made once (by the LLM or the heuristics) can be
saved, tuned by hand and re-run without the LLM. `dump_yaml_spec` writes it,
`load_yaml_spec` reads it back to the same SchemaSpec. The format is documented
in docs/mockdata.md, "qaflow's YAML spec".

Strict on purpose, and checked when the file is read, before any run starts:
an unknown key (a typo such as `nulable`), an unknown generator, a parameter
the generator does not take (`max_lenght`) and a generator whose values do not
fit the column's type (`numeric.integer` on a `type: string` column) are errors
naming the file, the line, the column and the key path, never silently ignored
or found later in the middle of a run.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tasks.files import write_atomic
from tasks.schema.errors import SchemaError
from tasks.schema.references import check_schema, column_problem
from tasks.schema.spec import ColumnSpec, ForeignKey, SchemaSpec, TableSpec

FORMAT_VERSION = 1

_TOP_KEYS = ("version", "tables")
_TABLE_KEYS = ("name", "description", "primary_key", "unique_keys", "row_order", "columns")
_KEY_LISTS = ("unique_keys", "row_order")  # lists of column-name lists (TableSpec)
_COLUMN_KEYS = tuple(ColumnSpec.model_fields)

KeyPath = tuple[str | int, ...]
Where = tuple[int, int]  # (line, column), 1-based
_NESTED_ONE = ("items", "contains")
_NESTED_MANY = ("fields", "variants", "prefix_items")
# Parameters every generator may carry besides its own: set by the mapping, not by hand.
_COMMON_PARAMS = frozenset({"unique", "composite"})
_FOREIGN_KEY_PARAMS = frozenset({"table", "column", "rows", "target", "target_params"})
# Arrow types (by prefix) a generator may emit for each column type when the type is not among its `fits`.
_TYPE_OUTPUTS = {
    "string": ("string",), "integer": ("int",), "float": ("float", "decimal", "int"),
    "decimal": ("decimal", "float", "int"), "boolean": ("bool",), "date": ("date32", "timestamp"),
    "datetime": ("timestamp", "date32"), "time": ("time64",), "uuid": ("uuid", "string"),
    "binary": ("binary", "string"), "array": ("{", "["), "object": ("{",),
}


# ----------------------------------------------------------------------------- reading


def load_yaml_spec(spec: str | Path, source: str | None = None) -> SchemaSpec:
    """Read a spec from a path, or from YAML text (a str with a newline, or no such file)."""
    looks_like_path = isinstance(spec, Path) or (
        "\n" not in spec and (Path(spec).is_file() or spec.lower().endswith((".yaml", ".yml", ".json")))
    )
    if looks_like_path:
        path = Path(spec)
        source = source or str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise SchemaError("no such file", file=source) from None
        except OSError as error:
            raise SchemaError(f"cannot read: {error.strerror or error}", file=source) from None
    else:
        text = str(spec)
        source = source or "<string>"
    doc, lines = load_yaml_document(text, source)
    return spec_from_document(doc, source, lines)


def load_yaml_document(text: str, source: str) -> tuple[Any, dict[KeyPath, Where]]:
    """The parsed document and the (line, column) of every key path in it (for error messages)."""
    if not text.strip():
        raise SchemaError("the file is empty: expected `version: 1` and `tables:`", file=source)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SchemaError("the file is empty: expected `version: 1` and `tables:`", file=source)
        doc = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise SchemaError(
            f"invalid YAML: {error.problem or error.context}",
            file=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as error:
        raise SchemaError(f"invalid YAML: {error}", file=source) from None
    finally:
        loader.dispose()
    lines: dict[KeyPath, Where] = {}
    _index_lines(node, (), lines)
    return _plain(doc), lines


def _index_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, Where]) -> None:
    lines.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _index_lines(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines)


def _plain(value: Any) -> Any:
    """YAML turns unquoted 2020-01-01 into a date; the model keeps dates as ISO strings."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def spec_from_document(doc: Any, source: str, lines: dict[KeyPath, Where] | None = None) -> SchemaSpec:
    """Validate a parsed spec document (YAML or JSON) and build the SchemaSpec."""
    reader = _Reader(source, lines or {})
    return reader.read(doc)


class _Reader:
    def __init__(self, source: str, lines: dict[KeyPath, Where]) -> None:
        self.source = source
        self.lines = lines

    def fail(self, path: KeyPath, message: str) -> SchemaError:
        where = None
        for cut in range(len(path), -1, -1):  # the nearest enclosing key that has a line
            where = self.lines.get(path[:cut])
            if where is not None:
                break
        line, column = where if isinstance(where, tuple) else (where, None)
        return SchemaError(message, file=self.source, line=line, column=column, pointer=_render(path))

    def keys(self, value: dict[str, Any], allowed: tuple[str, ...], path: KeyPath, what: str) -> None:
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise self.fail((*path, key), f"unknown key {key!r} in {what}{suggestion}")

    def mapping(self, value: Any, path: KeyPath, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"{what} must be a mapping, got {type(value).__name__}")
        return value

    def read(self, doc: Any) -> SchemaSpec:
        doc = self.mapping(doc, (), "the spec")
        self.keys(doc, _TOP_KEYS, (), "the spec")
        if "version" not in doc:
            raise self.fail((), f"missing `version: {FORMAT_VERSION}` (the spec format version)")
        if doc["version"] != FORMAT_VERSION:
            raise self.fail(
                ("version",),
                f"unsupported spec version {doc['version']!r}; this qaflow reads version {FORMAT_VERSION}",
            )
        tables = doc.get("tables")
        if not isinstance(tables, list) or not tables:
            raise self.fail(("tables",), "`tables` must be a non-empty list of tables")
        specs = [self.table(item, ("tables", index)) for index, item in enumerate(tables)]
        return check_schema(SchemaSpec(source=self.source, tables=specs))

    def table(self, value: Any, path: KeyPath) -> TableSpec:
        value = self.mapping(value, path, "a table")
        self.keys(value, _TABLE_KEYS, path, "a table")
        name = value.get("name")
        if not isinstance(name, str) or not name:
            raise self.fail(path, "a table needs a `name`")
        columns = value.get("columns")
        if not isinstance(columns, list) or not columns:
            raise self.fail((*path, "columns"), f"table {name!r} needs a non-empty `columns` list")
        cols = [self.column(item, (*path, "columns", index), name) for index, item in enumerate(columns)]
        primary_key = value.get("primary_key")
        if primary_key is None:
            primary_key = [c.name for c in cols if c.primary_key]
        elif isinstance(primary_key, str):
            primary_key = [primary_key]
        if not isinstance(primary_key, list) or not all(isinstance(k, str) for k in primary_key):
            raise self.fail((*path, "primary_key"), "`primary_key` must be a column name or a list of names")
        by_name = {c.name: c for c in cols}
        for key in primary_key:
            if key not in by_name:
                raise self.fail((*path, "primary_key"), f"table {name!r} has no column {key!r} for its primary key")
            by_name[key].primary_key = True
            by_name[key].nullable = False
        lists = {}
        for key in _KEY_LISTS:
            given = value.get(key) or []
            if not isinstance(given, list) or not all(isinstance(g, list) and all(isinstance(c, str) for c in g)
                                                       for g in given):
                raise self.fail((*path, key), f"`{key}` must be a list of lists of column names")
            for group in given:
                for name_ in group:
                    if name_ not in by_name:
                        raise self.fail((*path, key), f"table {name!r} has no column {name_!r} for its {key}")
            lists[key] = [list(g) for g in given]
        try:
            return TableSpec(name=name, columns=cols, primary_key=primary_key, description=value.get("description"),
                             **lists)
        except ValidationError as error:
            raise self._validation(error, path) from None

    def column(self, value: Any, path: KeyPath, table: str) -> ColumnSpec:
        value = dict(self.mapping(value, path, "a column"))
        name = value.get("name")
        what = f"column {table}.{name}" if isinstance(name, str) else f"a column of table {table}"
        self.keys(value, _COLUMN_KEYS, path, what)
        self.nested_keys(value, path, what)
        if not isinstance(name, str) or not name:
            raise self.fail(path, f"{what} needs a `name`")
        if "foreign_key" in value:
            value["foreign_key"] = self.foreign_key(value["foreign_key"], (*path, "foreign_key"))
        if value.get("params") is None:
            value.pop("params", None)
        try:
            col = ColumnSpec(**value)
        except ValidationError as error:
            raise self._validation(error, path, what) from None
        problem = column_problem(col)
        if problem is not None:
            raise self.fail((*path, problem[0]), f"{what}: {problem[1]}")
        self.check_generator(col, path, what)
        return col

    def nested_keys(self, value: dict[str, Any], path: KeyPath, what: str) -> None:
        """Unknown keys inside items/fields/variants are typos too."""
        for key in _NESTED_ONE:
            if isinstance(value.get(key), dict):
                self.keys(value[key], _COLUMN_KEYS, (*path, key), f"{what} {key}")
                self.nested_keys(value[key], (*path, key), what)
        for key in _NESTED_MANY:
            for index, item in enumerate(value.get(key) or []):
                if isinstance(item, dict):
                    self.keys(item, _COLUMN_KEYS, (*path, key, index), f"{what} {key}[{index}]")
                    self.nested_keys(item, (*path, key, index), what)

    def check_generator(self, col: ColumnSpec, path: KeyPath, what: str) -> None:
        """The generator exists, takes every param given, and makes values of the column's type."""
        if not col.generator:
            return
        from tasks.generators.registry import registry

        gens = registry()
        gen = gens.get(col.generator)
        if gen is None:
            near = difflib.get_close_matches(col.generator, list(gens), n=3)
            hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else \
                " (`qaflow mockdata providers` lists them)"
            raise self.fail((*path, "generator"), f"{what}: unknown generator {col.generator!r}{hint}")
        known = set(gen.params) | set(gen.depends) | _COMMON_PARAMS
        if gen.name == "id.foreign_key":
            known |= _FOREIGN_KEY_PARAMS
        for key in col.params:
            if key not in known:
                near = difflib.get_close_matches(str(key), sorted(known), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                takes = ", ".join(sorted(set(gen.params) | set(gen.depends))) or "no params"
                raise self.fail((*path, "params", key),
                                f"{what}: generator {gen.name!r} has no param {key!r}{hint}; it takes: {takes}")
        if col.type in gen.fits or col.type == "json" or gen.name == "id.foreign_key":
            return
        try:
            output = gen.arrow_type(gen.merged(col.params))
        except Exception as exc:  # a param of the wrong kind
            raise self.fail((*path, "params"), f"{what}: params do not suit {gen.name!r}: {exc}") from None
        if not str(output).startswith(_TYPE_OUTPUTS.get(col.type, ())):
            raise self.fail((*path, "generator"),
                            f"{what}: generator {gen.name!r} makes {output} values, which do not fit a "
                            f"{col.type} column (it fits {', '.join(gen.fits)} columns)")

    def foreign_key(self, value: Any, path: KeyPath) -> ForeignKey | None:
        if value is None:
            return None
        if isinstance(value, str):
            table, dot, column = value.rpartition(".")
            if not dot or not table or not column:
                raise self.fail(path, f"foreign key {value!r} must be written `table.column`")
            return ForeignKey(table=table, column=column)
        value = self.mapping(value, path, "a foreign key")
        self.keys(value, ("table", "column"), path, "a foreign key")
        try:
            return ForeignKey(**value)
        except ValidationError as error:
            raise self._validation(error, path, "a foreign key") from None

    def _validation(self, error: ValidationError, path: KeyPath, what: str = "") -> SchemaError:
        first = error.errors()[0]
        where = (*path, *first["loc"])
        more = f" (and {error.error_count() - 1} more problem(s))" if error.error_count() > 1 else ""
        subject = f"{what}: " if what else ""
        return self.fail(where, f"{subject}{_render(tuple(first['loc']))}: {first['msg']}{more}")


def _render(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ----------------------------------------------------------------------------- writing

_COLUMN_DEFAULTS = {name: info.get_default(call_default_factory=True) for name, info in ColumnSpec.model_fields.items()}


class _Dumper(yaml.SafeDumper):
    """Short lists of scalars (enums, keys) on one line; everything else in block style."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = len(data) <= 16 and all(isinstance(v, str | int | float | bool) or v is None for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def column_document(col: ColumnSpec) -> dict[str, Any]:
    """One column as the spec writes it: name, type, generator and params first, then the
    constraints that differ from the defaults."""
    data = col.model_dump(mode="json")
    out: dict[str, Any] = {"name": data.pop("name"), "type": data.pop("type")}
    for key in ("generator", "params"):
        value = data.pop(key)
        if value != _COLUMN_DEFAULTS[key]:
            out[key] = value
    for key, value in data.items():
        if value == _COLUMN_DEFAULTS[key]:
            continue
        if key == "foreign_key":
            value = f"{value['table']}.{value['column']}"
        elif key in _NESTED_ONE:
            value = column_document(getattr(col, key))
        elif key in _NESTED_MANY:
            value = [column_document(item) for item in getattr(col, key)]
        out[key] = value
    return out


def schema_document(schema: SchemaSpec) -> dict[str, Any]:
    tables = []
    for table in schema.tables:
        item: dict[str, Any] = {"name": table.name}
        if table.description:
            item["description"] = table.description
        if table.primary_key:
            item["primary_key"] = list(table.primary_key)
        for key in _KEY_LISTS:
            if getattr(table, key, None):
                item[key] = [list(group) for group in getattr(table, key)]
        item["columns"] = [column_document(col) for col in table.columns]
        tables.append(item)
    return {"version": FORMAT_VERSION, "tables": tables}


def dump_yaml_spec(schema: SchemaSpec) -> str:
    """The spec as YAML text; `load_yaml_spec` reads it back to an equal SchemaSpec."""
    header = [
        f"# qaflow schema spec, version {FORMAT_VERSION} (format: docs/mockdata.md, qaflow's YAML spec)",
        f"# read from: {schema.source}",
        "# Edit generators and params, then: qaflow mockdata generate THIS_FILE --rows N --out DIR",
    ]
    header += [f"# warning: {warning}" for warning in schema.warnings]
    body = yaml.dump(
        schema_document(schema),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return "\n".join(header) + "\n" + body


def write_yaml_spec(schema: SchemaSpec, path: str | Path) -> Path:
    """Write the spec next to its final name, then rename: a reader never sees half a file."""
    return write_atomic(path, dump_yaml_spec(schema))
