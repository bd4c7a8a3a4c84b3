"""Columns -> generators: the schema's own constraints first, then the name rules,
then the LLM (one call per schema) for what the rules could only guess, and the
column type as the last resort.

The LLM answers with registry names and parameters, checked against the
registry; an unknown name goes back for repair (complete_json's `check`). The
answer is then taken column by column: every valid choice is kept, and only a
column still invalid after the repairs keeps its heuristic ("fallback", with
the reason). Only a fully valid answer is cached (by the LLM client, keyed by
meaning); Prefect caches nothing here and does not retry on top of the
client's own retries. Every column ends up with a generator, and the plan
records how each was chosen.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel, Field

from tasks.codegen.literals import check_plain
from tasks.codegen.plan import ColumnPlan, MappingSummary, Plan, TablePlan
from tasks.generator_runtime.kernel import fit_composite_key
from tasks.generators.registry import Generator, get, registry
from tasks.generators.rules import (
    EVENT_ANCHORS,
    FORMATS,
    KEY_GENERATORS,
    LOCALE_NAME_RULES,
    NAME_RULES,
    ORDER_RULES,
    SQL_INT_RANGES,
    TABLE_RULES,
    TYPE_DEFAULTS,
    TYPED_RULES,
    UNIQUE_GENERATORS,
)
from tasks.generators.text import pattern_warnings, read_pattern  # regexes as they are
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec

log = logging.getLogger(__name__)

Choice = tuple[str, dict, str, str]  # generator, params, how, reason

# Arrow type of an all-NULL column of each schema type.
COLUMN_ARROW = {"string": "string", "integer": "int64", "float": "float64", "decimal": "float64",
                "boolean": "bool", "date": "date32", "datetime": "timestamp[us]", "time": "time64[us]",
                "uuid": "uuid", "json": "string", "binary": "binary"}


class MappingError(ValueError):
    """The schema cannot be generated as it stands (e.g. a foreign key to a missing table)."""


# Share of NULLs in nullable non-key columns when neither the spec nor the caller says otherwise.
DEFAULT_NULL_RATE = 0.05


def int_type_range(col: ColumnSpec) -> tuple[int, int] | None:
    """The range of the column's SQL integer type (TINYINT ... BIGINT, UNSIGNED, YEAR), or None."""
    if col.type != "integer" or not col.source_type:
        return None
    words = re.sub(r"\(.*?\)", " ", col.source_type.upper()).replace(",", " ").split()
    if not words:
        return None
    base = words[0]
    ranges = SQL_INT_RANGES.get(base)
    if ranges is None:
        return None
    return ranges[1] if "UNSIGNED" in words or base.startswith("U") else ranges[0]


def _declared_bounds(col: ColumnSpec) -> tuple[float | None, float | None]:
    """min/max that say something about the values (a CHECK, a domain), not just the type's range."""
    lo, hi = col.min, col.max
    span = int_type_range(col)
    if span is not None:
        if isinstance(lo, int | float) and lo <= span[0]:
            lo = None
        if isinstance(hi, int | float) and hi >= span[1]:
            hi = None
    if lo == 0 and col.source_type and "UNSIGNED" in col.source_type.upper():
        lo = None
    return lo, hi


def order_rule(table: TableSpec, col: ColumnSpec) -> Choice | None:
    """A date/timestamp that follows another column of its row (CHECK (a < b), updated after created)."""
    if col.type not in ("date", "datetime"):
        return None
    dated = {c.name: c for c in table.columns if c.type in ("date", "datetime") and c.name != col.name}
    for pair in table.row_order:
        if len(pair) == 2 and pair[1] == col.name and pair[0] in dated:
            gap = {"min_days": 1, "max_days": 30, "min_seconds": 1, "max_seconds": 30 * 86400}
            return _after(col, pair[0], gap, f"CHECK ({pair[0]} < {col.name})")
    lowered = col.name.lower()
    for later, earlier, gap in ORDER_RULES:
        if not re.search(later, lowered):
            continue
        for pattern in earlier:
            for other in dated.values():
                if re.search(pattern, other.name.lower()) and not re.search(later, other.name.lower()):
                    return _after(col, other.name, gap, f"after {other.name} (name /{later}/)")
    return None


def _after(col: ColumnSpec, anchor: str, gap: dict, why: str) -> Choice:
    if col.type == "date":
        return "temporal.date_after", {"after": anchor, "min_days": gap["min_days"],
                                       "max_days": gap["max_days"]}, "heuristic", why
    return "temporal.datetime_after", {"after": anchor, "min_seconds": gap["min_seconds"],
                                       "max_seconds": gap["max_seconds"]}, "heuristic", why


# ------------------------------------------------------------------ heuristics


def fits(gen: Generator, col: ColumnSpec) -> bool:
    """Whether a generator's output suits the column's type."""
    return col.type in gen.fits


def choose(table: TableSpec, col: ColumnSpec) -> Choice:
    """The generator for one column, from its constraints, its name, then its type."""
    if col.generator:
        get(col.generator)  # a clear error for an unknown name in a spec
        learned = (col.description or "").startswith("learned from the sample")  # tasks/schema/learn.py
        return col.generator, dict(col.params), "spec", col.description if learned else "given in the schema"
    if col.foreign_key is not None:
        fk = col.foreign_key
        return "id.foreign_key", {"table": fk.table, "column": fk.column}, "heuristic", \
            f"foreign key to {fk.table}.{fk.column}"
    if col.autoincrement and col.type == "integer":
        start = int(col.min) if isinstance(col.min, int | float) and col.min >= 1 else 1
        return "id.sequence", {"start": start}, "heuristic", "sequence (auto-increment / nextval)"
    if single_key(table, col) and col.type in KEY_GENERATORS:
        return KEY_GENERATORS[col.type], {}, "heuristic", "primary key"
    if col.enum:
        return "choice.enum", {"values": list(col.enum), "weights": col.enum_weights}, "heuristic", \
            "enumerated values"
    if col.format and col.format.lower() in FORMATS:
        name = FORMATS[col.format.lower()]
        if fits(get(name), col) or col.type == "string":
            return name, {}, "heuristic", f"format {col.format}"
    if col.type == "uuid":
        return "id.uuid4", {}, "heuristic", "uuid type"
    if col.pattern and col.type == "string":
        params, how_read = read_pattern(col.pattern)
        if params:
            return "text.pattern", params, "heuristic", f"pattern {col.pattern} ({how_read})"
    ordered = order_rule(table, col)
    if ordered is not None:
        return ordered
    lowered = col.name.lower()
    for types, regex, name, params in TYPED_RULES:
        if col.type in types and re.search(regex, lowered) and fits(get(name), col):
            return name, dict(params), "heuristic", f"{col.type} named /{regex}/"
    for regex, name, params in LOCALE_NAME_RULES:
        if re.search(regex, lowered) and fits(get(name), col):
            return name, dict(params), "heuristic", f"name matches /{regex}/"
    for table_regex, regex, name, params in TABLE_RULES:
        if re.search(table_regex, table.name.lower()) and re.search(regex, lowered) and fits(get(name), col):
            return name, dict(params), "heuristic", f"name matches /{regex}/ in table {table.name}"
    for regex, name, params in NAME_RULES:
        if re.search(regex, lowered) and fits(get(name), col):
            return name, dict(params), "heuristic", f"name matches /{regex}/"
    name, params, how = TYPE_DEFAULTS[col.type]
    return name, dict(params), how, f"{col.type} column, no rule for its name"


def single_key(table: TableSpec, col: ColumnSpec) -> bool:
    """Whether the column alone is the table's primary key (members of a composite key are not)."""
    if table.primary_key:
        return table.primary_key == [col.name]
    return col.primary_key


def _is_qaflow_pattern(pattern: str) -> bool:
    return not any(ch in pattern for ch in "[]{}()\\^$+") and any(ch in pattern for ch in "#?")


def constrain(table: TableSpec, col: ColumnSpec, name: str, params: dict) -> tuple[str, dict, bool, list[str]]:
    """Fit the chosen generator's parameters to the column's constraints.

    Returns (generator, params, suffix, notes); a unique column whose generator
    cannot be unique gets a suffix (strings) or a unique generator instead.
    """
    notes: list[str] = []
    if name == "temporal.date" and col.type == "datetime":
        name = "temporal.datetime"  # a timestamp keeps its time of day
    gen = get(name)
    merged = gen.merged(params)
    low, high = _declared_bounds(col)
    if "min" in gen.params and low is not None:
        merged["min"] = low
    if "max" in gen.params and high is not None:
        merged["max"] = high
    if "tz" in gen.params and col.timezone:  # timestamptz: an Arrow timestamp with its zone
        merged["tz"] = col.timezone
    span = int_type_range(col)
    if span is not None and col.type == "integer":
        for key in ("min", "max"):
            if key in gen.params and isinstance(merged.get(key), int | float):
                merged[key] = min(max(merged[key], span[0]), span[1])
        if isinstance(merged.get("min"), int | float) and isinstance(merged.get("max"), int | float) \
                and merged["min"] > merged["max"]:
            merged["min"], merged["max"] = span
    if name == "id.unique_datetime":
        merged["unit"] = "day" if col.type == "date" else "second"
    if name == "internet.password_hash" and col.max_length and col.max_length < 60:
        merged["length"] = min(col.max_length, 64)
    if name in ("numeric.decimal", "finance.price"):
        if col.precision:
            merged["precision"] = col.precision
        if col.scale is not None:
            merged["scale"] = col.scale
        if col.precision and col.max is None:
            whole = col.precision - (col.scale or 0)
            merged["max"] = min(float(merged.get("max") or 10**whole), 10**whole - 1)
    if name in ("numeric.integer", "numeric.quantity", "id.unique_int") and col.source_type and span is None:
        small = col.source_type.lower() in ("smallint", "int2", "tinyint")
        if small and (merged.get("max") is None or float(merged["max"]) > 32767):
            merged["max"] = 32767
    if "max_length" in gen.params and col.max_length:
        merged["max_length"] = col.max_length
    if name == "text.string":
        if col.min_length is not None:
            merged["min_length"] = col.min_length
        if col.max_length:
            merged["max_length"] = min(col.max_length, max(int(merged.get("max_length") or 16), col.min_length or 1))
            merged["min_length"] = min(int(merged.get("min_length") or 0), merged["max_length"])
    if name == "choice.null":
        merged["type"] = COLUMN_ARROW.get(col.type, "string")
    if name == "id.code" and col.max_length:
        prefix = str(merged.get("prefix") or "")
        merged["width"] = max(1, min(int(merged.get("width") or 8), col.max_length - len(prefix)))
    # columns of the row this one is derived from
    names = {c.name.lower(): c.name for c in table.columns}
    for dep in gen.depends:
        if merged.get(dep) in table_column_names(table):
            continue
        merged[dep] = _find_dependency(table, col, dep, names)
    suffix = False
    if col.unique or single_key(table, col):
        if gen.unique == "native":
            merged["unique"] = True
        elif col.type == "string" and col.max_length and col.max_length < 16 and name != "id.foreign_key":
            # no room for a value and an 8-character suffix in VARCHAR(n): a unique code of n letters
            name, merged = "id.code", {"prefix": "", "width": max(1, min(col.max_length, 12)), "unique": True}
            notes.append(f"unique VARCHAR({col.max_length}): a {merged['width']}-letter code")
        elif col.type == "string" and gen.arrow_type(merged) == "string" and name != "id.foreign_key":
            suffix = True  # the value and a per-row unique suffix: "Springfield-0k3x9a2"
        elif name != "id.foreign_key":
            replacement = UNIQUE_GENERATORS.get(col.type)
            if replacement is None:
                raise MappingError(f"{table.name}.{col.name}: no generator makes unique {col.type} values")
            plain = col.model_copy(update={"unique": False, "primary_key": False})
            name, merged, _, _ = constrain(table.model_copy(update={"primary_key": []}), plain, replacement, {})
            if get(name).unique == "native":
                merged["unique"] = True
            notes.append(f"{gen.name} cannot make unique values; using {name}")
    return name, merged, suffix, notes


def table_column_names(table: TableSpec) -> set[str]:
    return {c.name for c in table.columns}


def _find_dependency(table: TableSpec, col: ColumnSpec, dep: str, names: dict[str, str]) -> str | None:
    """The column a derived column reads: first/last name columns, or the event it follows."""
    if dep in ("first_name", "last_name"):
        for rule_regex, rule_gen, _ in NAME_RULES:
            if rule_gen == f"person.{dep}":
                for lowered, real in names.items():
                    if re.search(rule_regex, lowered):
                        return real
        return None
    if dep == "after":
        candidates = [c for c in table.columns
                      if c.name != col.name and c.type in ("date", "datetime")]
        for anchor in EVENT_ANCHORS:
            for other in candidates:
                if anchor in other.name.lower():
                    return other.name
        return None
    return None


def map_table(table: TableSpec) -> list[ColumnPlan]:
    """Heuristic plans of one table's columns (foreign-key parameters are filled later)."""
    out = []
    for col in table.columns:
        if col.generator is None and (col.type in ("array", "object") or col.variants):
            from tasks.codegen.nested_plan import plan_nested  # objects, arrays, oneOf (helper 18a)

            out.append(plan_nested(table, col))
            continue
        name, params, how, reason = choose(table, col)
        name, params, suffix, notes = constrain(table, col, name, params)
        key = single_key(table, col)
        out.append(_column_plan(col, name, params, how, "; ".join([reason, *notes]), suffix, key))
    try:
        TablePlan(name=table.name, rows=1, columns=out).order()
    except ValueError:  # in-row order rules that chase each other: those columns are drawn freely
        for i, col in enumerate(table.columns):
            if out[i].generator in ("temporal.date_after", "temporal.datetime_after"):
                name = "temporal.date" if col.type == "date" else "temporal.datetime"
                name, params, suffix, _ = constrain(table, col, name, {})
                out[i] = _column_plan(col, name, params, "heuristic", "date column (order rules formed a loop)",
                                      suffix, single_key(table, col))
    return out


def _column_plan(col: ColumnSpec, name: str, params: dict, how: str, reason: str, suffix: bool,
                 key: bool) -> ColumnPlan:
    gen = get(name)
    null_rate = col.null_rate if col.nullable and not col.primary_key else 0.0
    if key or col.unique:
        null_rate = 0.0
    return ColumnPlan(
        name=col.name, type=col.type, generator=name, params=params,
        arrow="string" if name == "id.foreign_key" else gen.arrow_type(params),
        null_rate=null_rate, nullable=col.nullable and not col.primary_key,
        unique=col.unique or key, suffix=suffix,
        max_length=col.max_length if col.type == "string" else None,
        low_cardinality=gen.low_cardinality and not (suffix or col.unique), how=how, reason=reason,
        omit_null=col.omit_null,
    )


# ------------------------------------------------------------------------ LLM


class LLMColumn(BaseModel):
    """The LLM's choice for one column."""

    table: str
    column: str
    generator: str = Field(description="A generator name from the registry.")
    params: dict[str, Any] = Field(default_factory=dict)


class LLMMapping(BaseModel):
    """What the LLM returns: one entry per column it was asked about."""

    columns: list[LLMColumn]


def unknown_generators(answer: LLMMapping) -> list[str]:
    """The answer's problems to repair: generator names the registry does not have. Checked
    per column (not by the model's validator), so one bad column never voids the others."""
    known = registry()
    return [f"columns.{i}.generator: unknown generator {c.generator!r} for {c.table}.{c.column}: "
            "use one of the registry names given"
            for i, c in enumerate(answer.columns) if c.generator not in known]


SYSTEM = (
    "You choose data generators for database columns so that mock data looks real. "
    "Use only generator names from this registry (name: description; column types; parameters "
    "with defaults):\n{catalogue}\n"
    "Answer with a JSON object {{\"columns\": [{{\"table\", \"column\", \"generator\", \"params\"}}]}}, "
    "one entry per column asked about. Give params only to change a default."
)


def catalogue() -> str:
    """The registry as the LLM sees it: one line per generator."""
    lines = []
    for name, gen in sorted(registry().items()):
        if name in ("id.foreign_key", "choice.null"):
            continue
        params = json.dumps({k: v for k, v in gen.params.items() if k not in gen.depends}, default=str)
        lines.append(f"- {name}: {gen.description} [{', '.join(gen.fits)}] {params}")
    return "\n".join(lines)


def llm_request(schema: SchemaSpec, plans: dict[str, list[ColumnPlan]]) -> list[dict]:
    """The one prompt for a schema: the columns the rules only guessed, with their context."""
    asked = []
    for table in schema.tables:
        for col, plan in zip(table.columns, plans[table.name], strict=True):
            if plan.how != "fallback":
                continue
            asked.append({
                "table": table.name, "column": col.name, "type": col.type,
                "source_type": col.source_type, "description": col.description,
                "constraints": {k: v for k, v in col.model_dump(include={
                    "min", "max", "min_length", "max_length", "unique", "nullable"}).items()
                    if v is not None and v is not False},
                "other_columns": [c.name for c in table.columns if c.name != col.name],
            })
    if not asked:
        return []
    return [
        {"role": "system", "content": SYSTEM.format(catalogue=catalogue())},
        {"role": "user", "content": json.dumps({"columns": asked}, ensure_ascii=False, default=str)},
    ]


def trial_run(plan: ColumnPlan, locale: str = "en_US", rows: int = 8) -> None:
    """Generate a few values with the plan's generator and parameters: the LLM's parameters
    must work before they reach a rendered module (bad ones raise here, not mid-run)."""
    from tasks.generator_runtime.kernel import generate_table
    from tasks.generator_runtime.pools import Pools
    from tasks.settings import state_dir

    batches = generate_table(
        table="trial", columns=[plan.runtime()], order=[0], n_rows=rows, seed=0, start_row=0, total_rows=rows,
        batch_size=rows, pools=Pools(locale, str(state_dir("pools"))),
        registry={name: gen.fn for name, gen in registry().items()})
    for _ in batches:
        pass


def apply_llm(schema: SchemaSpec, plans: dict[str, list[ColumnPlan]], answer: dict,
              locale: str = "en_US") -> list[str]:
    """Replace fallback plans with valid LLM choices; returns notes on what was rejected."""
    notes = []
    for entry in answer.get("columns", []):
        table_name, col_name, name = entry["table"], entry["column"], entry["generator"]
        try:
            table = schema.table(table_name)
            col = table.column(col_name)
        except KeyError:
            notes.append(f"LLM named an unknown column {table_name}.{col_name}; ignored")
            continue
        index = [c.name for c in table.columns].index(col_name)
        current = plans[table_name][index]
        if current.how != "fallback":
            continue
        if name not in registry():
            notes.append(_keep_fallback(plans, table_name, index, f"LLM chose unknown generator {name!r}"))
            continue
        gen = get(name)
        if not fits(gen, col) or name == "id.foreign_key":
            notes.append(f"{table_name}.{col_name}: LLM chose {name}, which does not fit a {col.type} "
                         f"column; kept {current.generator}")
            _keep_fallback(plans, table_name, index, f"LLM choice {name} does not fit a {col.type} column")
            continue
        try:
            name, params, suffix, extra = constrain(table, col, name, dict(entry.get("params") or {}))
            plan = _column_plan(col, name, params, "llm", "; ".join(["chosen by the LLM", *extra]), suffix,
                                single_key(table, col))
            check_plain(plan.runtime(), "parameters")  # plain, finite data only (no inf/NaN from JSON)
            trial_run(plan, locale)
        except (MappingError, ValueError, TypeError, KeyError, OverflowError) as exc:
            notes.append(f"{table_name}.{col_name}: LLM choice {name} rejected ({exc}); kept {current.generator}")
            _keep_fallback(plans, table_name, index, f"LLM choice {name} rejected ({exc})")
            continue
        plans[table_name][index] = plan
    return notes


def _keep_fallback(plans: dict[str, list[ColumnPlan]], table: str, index: int, why: str) -> str:
    """Leave a column on its fallback generator, with why the LLM's choice was not taken."""
    current = plans[table][index]
    plans[table][index] = current.model_copy(update={"reason": f"{current.reason}; {why}".lstrip("; ")})
    return f"{table}.{current.name}: {why}; kept {current.generator}"


def ask_llm(messages: list[dict], endpoint: Any, refresh: bool = False) -> dict:
    """One complete_json call, never raising for an LLM failure (a handled case: no traceback):
    `{"columns": [...], "error": None}`, or the valid part of an answer that stayed partly
    invalid after the repairs (or none) with `error` saying why."""
    from tasks.llm import LLMError, complete_json

    try:
        answer = complete_json(messages, LLMMapping, endpoint=endpoint, use_cache=not refresh,
                               check=unknown_generators)
    except LLMError as exc:
        partial = getattr(exc, "answer", None)
        columns = partial.model_dump(mode="json")["columns"] if isinstance(partial, LLMMapping) else []
        return {"columns": columns, "error": str(exc)}
    return {**answer.model_dump(mode="json"), "error": None}


# ------------------------------------------------------------------ the plan


def row_counts(schema: SchemaSpec, rows: int | dict[str, int]) -> dict[str, int]:
    """Rows per table: one number for all tables, or a dict (tables left out get its largest value)."""
    if isinstance(rows, int):
        counts = {t.name: rows for t in schema.tables}
    else:
        unknown = set(rows) - {t.name for t in schema.tables}
        if unknown:
            raise MappingError(f"row counts given for unknown table(s): {', '.join(sorted(unknown))}")
        default = max(rows.values()) if rows else 0
        counts = {t.name: int(rows.get(t.name, default)) for t in schema.tables}
    bad = {name: n for name, n in counts.items() if n <= 0}
    if bad:
        raise MappingError(f"rows must be positive (got {', '.join(f'{k}={v}' for k, v in bad.items())})")
    return counts


def table_order(schema: SchemaSpec) -> list[TableSpec]:
    """Tables with parents before their children where foreign keys allow it.

    Cycles (customer -> store -> staff -> store) and self-references are no obstacle:
    every key is derived from a row number, so a child never needs its parent's rows
    to exist first. A cycle is simply cut where the walk meets it (see key_cycles).
    """
    names = {t.name for t in schema.tables}
    for table in schema.tables:
        for col in table.columns:
            fk = col.foreign_key
            if fk is None:
                continue
            if fk.table not in names:
                raise MappingError(
                    f"{schema.source}: {table.name}.{col.name} references missing table {fk.table!r}")
            parent = schema.table(fk.table)
            if fk.column not in table_column_names(parent):
                raise MappingError(
                    f"{schema.source}: {table.name}.{col.name} references missing column {fk.table}.{fk.column}")
    done: list[TableSpec] = []
    seen: set[str] = set()

    def visit(table: TableSpec, path: tuple[str, ...]) -> None:
        if table.name in seen or table.name in path:
            return
        for parent in sorted(table.parents()):
            visit(schema.table(parent), (*path, table.name))
        seen.add(table.name)
        done.append(table)

    for table in schema.tables:
        visit(table, ())
    return done


def key_cycles(schema: SchemaSpec) -> list[str]:
    """Foreign-key cycles of the schema, each once ("customer -> store -> staff -> store")."""
    # One depth-first walk (linear in tables + keys; enumerating every path is exponential on
    # a dense schema): each edge back into the walk's current path closes one cycle.
    found: list[str] = []
    seen: set[frozenset[str]] = set()
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def walk(name: str) -> None:
        path.append(name)
        on_path.add(name)
        for parent in sorted(schema.table(name).parents()):
            if parent in on_path:
                loop = path[path.index(parent):]
                if frozenset(loop) not in seen:
                    seen.add(frozenset(loop))
                    found.append(" -> ".join((*loop, parent)))
            elif parent not in done:
                walk(parent)
        path.pop()
        on_path.discard(name)
        done.add(name)

    for table in schema.tables:
        if table.name not in done:
            walk(table.name)
    return found


def link_foreign_keys(tables: list[TablePlan]) -> None:
    """Give each foreign-key column its parent's row count and key generator.

    A key may point at a key that is itself a foreign key (a 1:1 table's primary key):
    those are linked once their target is, so the chain re-derives the same value.
    """
    by_name = {t.name: t for t in tables}
    todo = [(table, col) for table in tables for col in table.columns if col.generator == "id.foreign_key"]
    for _ in range(len(todo) + 1):
        waiting = []
        for table, col in todo:
            parent = by_name[col.params["table"]]
            target = parent.column(col.params["column"])
            gen = get(target.generator)
            if not (gen.keyed and target.unique):
                raise MappingError(
                    f"{table.name}.{col.name} references {parent.name}.{target.name}, whose generator "
                    f"{target.generator} cannot be re-derived from a row number; map that column to "
                    "id.sequence, id.uuid4, id.code or id.unique_int")
            if target.generator == "id.foreign_key" and "target" not in target.params:
                waiting.append((table, col))
                continue
            col.params.update(rows=parent.rows, target=target.generator, target_params=dict(target.params))
            col.arrow = target.arrow
        if not waiting:
            return
        if len(waiting) == len(todo):
            names = ", ".join(f"{t.name}.{c.name}" for t, c in waiting)
            raise MappingError(f"foreign keys that are each other's only key: {names}; one of them needs "
                               "its own key generator")
        todo = waiting


def _epoch(value: Any, unit: str, default: str) -> int:
    """Days (unit "day") or seconds since 1970 of an ISO date/datetime or a number."""
    import numpy as np

    if isinstance(value, int | float):
        return int(value)
    text = str(value or default).replace("Z", "")
    return int(np.datetime64(text[:10] if unit == "day" else text[:19], "D" if unit == "day" else "s")
               .astype(np.int64))


def _compose(table: TablePlan, spec: TableSpec, members: list[ColumnPlan], group: str) -> str | None:
    """Lay one composite key over its members (mixed radix of the row number); a note if it cannot."""
    by_spec = {c.name: c for c in spec.columns}
    key = f"{table.name} ({', '.join(c.name for c in members)})"
    # a member that is a sequence (nextval(), AUTO_INCREMENT) or unique by itself makes the key unique
    for col in members:
        if by_spec[col.name].autoincrement and col.type == "integer":
            start = by_spec[col.name].min
            col.generator, col.arrow, col.unique = "id.sequence", "int64", True
            col.params = {"start": int(start) if isinstance(start, int | float) and start >= 1 else 1, "step": 1}
            col.reason = f"sequence member of the key {key}: unique by itself, so the key is"
            return None
    for col in members:
        if col.unique and get(col.generator).unique == "native" and not col.params.get("composite"):
            return None
    if any(col.params.get("composite") for col in members):
        return f"{key}: shares columns with another composite key; not made unique as a whole"
    odd = [c for c in members if c.generator != "id.foreign_key" and c.type not in ("integer", "date", "datetime")]
    if odd:  # a string or uuid member: make it unique on its own, which makes the key unique
        col = odd[0]
        spec_col = by_spec[col.name].model_copy(update={"unique": True, "foreign_key": None})
        name, params, suffix, _ = constrain(spec.model_copy(update={"primary_key": []}), spec_col,
                                            col.generator, dict(col.params))
        col.generator, col.params, col.suffix, col.unique = name, params, suffix, True
        col.arrow = get(name).arrow_type(params)
        col.reason = f"{col.reason}; unique by itself so the key {key} is".lstrip("; ")
        return None
    for pos, col in enumerate(members):
        if col.generator == "id.foreign_key":
            col.params["composite"] = {"pos": pos, "group": group}
        else:
            unit = {"integer": "int", "date": "day", "datetime": "second"}[col.type]
            if unit == "int":
                low = int(col.params.get("min", col.params.get("start", 1)) or 0)
                high = col.params.get("max")
                high = low + table.rows - 1 if high is None else int(high)
                span = int_type_range(by_spec[col.name])
                if span is not None:  # a line number stays inside its SMALLINT
                    low, high = max(low, span[0]), min(high, span[1])
            else:
                low = _epoch(col.params.get("min"), unit, "2020-01-01T00:00:00")
                high = _epoch(col.params.get("max"), unit, "2026-01-01T00:00:00")
            col.generator, col.arrow = "id.key_part", {"int": "int64", "day": "date32",
                                                        "second": "timestamp[us]"}[unit]
            if unit == "second" and by_spec[col.name].timezone:  # timestamptz keeps its zone
                col.arrow = "timestamp[us, tz=UTC]"
            col.params = {"min": low, "max": max(high, low), "unit": unit, "composite": {"pos": pos, "group": group}}
        col.null_rate = 0.0
        if "composite" not in col.reason:
            col.reason = f"{col.reason}; member of the composite key {key}".lstrip("; ")
    try:
        fitted = fit_composite_key(table.name, [c.model_dump() for c in members], table.rows)
    except ValueError as exc:
        raise MappingError(f"{exc}; fewer rows, more parent rows or a wider range") from None
    for col, done in zip(members, fitted, strict=True):
        col.params["composite"] = done["params"]["composite"]
    return None


def compose_keys(schema: SchemaSpec, tables: list[TablePlan]) -> list[str]:
    """Make every composite primary key and multi-column UNIQUE unique as a whole.

    Drawn independently, (order_id, line_no) pairs repeat long before a million rows.
    A member that is unique by itself (a sequence) settles it; otherwise each member
    gets a digit of the row's number in mixed radix over the key (kernel.key_digit):
    a foreign key the parent's rows, an integer its range (then counting 1, 2, 3 ...
    within each combination of the others), a date its days, a timestamp its seconds.
    """
    notes: list[str] = []
    by_name = {t.name: t for t in tables}
    for spec in schema.tables:
        table = by_name[spec.name]
        groups = []
        if len(spec.primary_key) >= 2:
            groups.append(("(primary key)", spec.primary_key))
        for names in spec.unique_keys:
            if len(names) >= 2 and list(names) != list(spec.primary_key):
                groups.append((f"unique({','.join(names)})", names))
            elif len(names) == 1:
                col = table.column(names[0])
                if not col.unique:
                    notes.append(f"{spec.name}.{names[0]}: single-column UNIQUE given as a key group; "
                                 "set unique on the column")
        for group, names in groups:
            try:
                members = [table.column(name) for name in names]
            except KeyError as exc:
                notes.append(f"{spec.name}: key {tuple(names)} names a missing column ({exc})")
                continue
            note = _compose(table, spec, members, group)
            if note:
                notes.append(note)
    return notes


def check_capacity(tables: list[TablePlan], spans: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Refuse, before any work, a key that cannot hold the requested rows (MappingError).

    A sequence must stay inside its SQL type, distinct integers and timestamps need a
    wide enough range, a 1:1 key needs a parent row per row, a unique code enough letters.
    """
    problems: list[str] = []
    for table in tables:
        for col in table.columns:
            p, n, where = col.params, table.rows, f"{table.name}.{col.name}"
            span = spans.get((table.name, col.name))
            if col.generator == "id.sequence":
                last = int(p.get("start", 1)) + (n - 1) * int(p.get("step", 1))
                if span is not None and not span[0] <= last <= span[1]:
                    problems.append(f"{where}: {n:,} rows take the sequence to {last:,}, beyond its type's "
                                    f"maximum {span[1]:,}")
            elif col.generator == "id.unique_int":
                size = int(p["max"]) - int(p["min"]) + 1
                if n > size:
                    problems.append(f"{where}: {n:,} distinct values do not fit in [{p['min']}, {p['max']}]")
            elif col.generator == "id.foreign_key" and p.get("unique") and not p.get("composite"):
                if n > int(p.get("rows") or 0):
                    problems.append(f"{where}: a 1:1 key into {p['table']} needs at most {int(p['rows']):,} rows "
                                    f"(one per parent row), got {n:,}")
            elif col.generator == "id.code" and n > 36 ** int(p.get("width") or 8):
                problems.append(f"{where}: {n:,} rows need more than {int(p.get('width') or 8)} base-36 letters")
            elif col.generator == "id.unique_datetime":
                unit = p.get("unit") or "second"
                size = _epoch(p.get("max"), unit, "2026-01-01") - _epoch(p.get("min"), unit, "2020-01-01") + 1
                if n > size:
                    problems.append(f"{where}: {n:,} distinct {'dates' if unit == 'day' else 'timestamps'} "
                                    f"do not fit between {p.get('min')} and {p.get('max')}")
    if problems:
        raise MappingError("keys cannot hold the requested rows: " + "; ".join(problems)
                           + " (ask for fewer rows, or widen the type or the min/max in the spec)")


def apply_null_rates(schema: SchemaSpec, tables: list[TablePlan], default: float | None) -> None:
    """NULLs where the column may hold them: the spec's null_rate, else `default` (5% unless given).

    Keys (primary, unique, composite members) and NOT NULL columns never get NULLs; a
    nullable foreign key does, which is how a cycle of nullable keys is broken in real data.
    """
    rate = DEFAULT_NULL_RATE if default is None else float(default)
    specs = {t.name: t for t in schema.tables}
    for table in tables:
        spec = specs[table.name]
        for col in table.columns:
            scol = spec.column(col.name) if col.name in table_column_names(spec) else None
            if scol is None or not col.nullable or col.unique or col.params.get("composite") \
                    or col.name in spec.primary_key:
                col.null_rate = 0.0
                continue
            if "null_rate" in scol.model_fields_set:
                col.null_rate = scol.null_rate
            elif col.generator != "choice.null":
                col.null_rate = rate
                if rate:
                    col.reason = f"{col.reason}; NULL in {rate:.0%} of rows (nullable)".lstrip("; ")


def int_spans(schema: SchemaSpec) -> dict[tuple[str, str], tuple[int, int]]:
    """(table, column) -> its SQL integer type's range, for the capacity check and the run's checks."""
    return {(t.name, c.name): span for t in schema.tables for c in t.columns
            if (span := int_type_range(c)) is not None}


def heuristic_plans(schema: SchemaSpec) -> dict[str, list[ColumnPlan]]:
    """Every table's columns mapped by constraints, rules and types alone."""
    return {t.name: map_table(t) for t in schema.tables}


def build_plan(schema: SchemaSpec, plans: dict[str, list[ColumnPlan]], rows: int | dict[str, int],
               locale: str = "en_US", notes: list[str] | None = None, llm_calls: int = 0,
               llm_note: str = "", null_rate: float | None = None) -> Plan:
    """Tables in foreign-key order with row counts, linked keys, composite keys laid out and
    every key's capacity checked (before any row is made); `null_rate` is the share of NULLs
    of nullable columns the spec says nothing about (default 5%, 0 for none)."""
    counts = row_counts(schema, rows)
    ordered = table_order(schema)
    tables = [TablePlan(name=t.name, rows=counts[t.name], columns=plans[t.name], parents=sorted(t.parents()))
              for t in ordered]
    link_foreign_keys(tables)
    notes = [*(notes or []), *compose_keys(schema, tables)]
    link_foreign_keys(tables)  # keys whose target became a sequence while composing
    spans = int_spans(schema)
    check_capacity(tables, spans)
    apply_null_rates(schema, tables, null_rate)
    for table in tables:
        for col in table.columns:
            span = spans.get((table.name, col.name))
            col.bounds = list(span) if span is not None else None
    notes += [f"foreign keys form a cycle {cycle}: generated anyway (keys are derived from row numbers, "
              "so no table waits for another)" for cycle in key_cycles(schema)]
    notes += [w for t in tables for c in t.columns if c.generator == "text.pattern"
              for w in pattern_warnings(t.name, c.name, c.params)]
    notes += [f"{t.name}.{c.name}: pattern {c.pattern!r} {why}" for t in schema.tables for c in t.columns
              if c.pattern and c.type == "string" and not c.generator
              for params, why in [read_pattern(c.pattern)] if params is None]
    for table in tables:
        table.order()  # raises on a dependency cycle
    summary = MappingSummary(llm_calls=llm_calls, llm_note=llm_note)
    for table in tables:
        for col in table.columns:
            setattr(summary, col.how, getattr(summary, col.how) + 1)
    return Plan(source=schema.source, locale=locale, tables=tables, summary=summary,
                warnings=[*schema.warnings, *notes])


def map_schema(schema: SchemaSpec, rows: int | dict[str, int], locale: str = "en_US",
               endpoint: Any = None, ask: Any = None, null_rate: float | None = None) -> Plan:
    """Heuristics for every column, then one LLM call (when `endpoint` is online) for the
    columns they could only guess. `ask(messages, endpoint) -> dict` makes the call
    (default: complete_json directly; the map-columns task, tasks/codegen/steps.py, passes its own task).
    """
    from tasks.llm import LLMUsage, reset_circuits, usage_scope

    plans = heuristic_plans(schema)
    notes: list[str] = []
    messages = llm_request(schema, plans)
    llm_note = "offline: heuristics only" if messages else "every column placed without the LLM"
    used: LLMUsage | None = None
    if endpoint is not None and not endpoint.offline and messages:
        reset_circuits()  # one mapping is one run: an earlier outage in this process gets a new try
        with usage_scope() as spent:
            answer = (ask or ask_llm)(messages, endpoint)
        used = spent[0]
        notes += apply_llm(schema, plans, answer, locale)
        error = answer.get("error")
        if error and not answer.get("columns"):  # the LLM improves the mapping; it is never required
            llm_note = f"LLM unavailable ({error}); heuristics kept"
            log.warning(llm_note)
        elif error:
            kept = [f"{t}.{c.name}" for t, cols in plans.items() for c in cols if c.how == "fallback"]
            llm_note = (f"LLM {endpoint.describe()}: valid choices kept; heuristics kept for "
                        f"{len(kept)} column(s) still invalid after the repairs")
            log.warning(llm_note)
        else:
            llm_note = f"LLM {endpoint.describe()}"
        llm_note = f"{llm_note}: {used.describe()}"
    plan = build_plan(schema, plans, rows, locale, notes, used.calls if used else 0, llm_note, null_rate)
    if used is not None:
        plan.summary.llm_usage = used.numbers()
    return plan
