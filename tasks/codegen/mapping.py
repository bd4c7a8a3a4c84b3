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

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from tasks.codegen.kernel import fit_composite_key
from tasks.codegen.literals import check_plain
from tasks.codegen.plan import ColumnPlan, MappingSummary, Plan, TablePlan
from tasks.codegen.registry import Generator, get, registry
from tasks.codegen.rules import (
    EVENT_ANCHORS,
    FORMATS,
    KEY_GENERATORS,
    NAME_RULES,
    TABLE_RULES,
    TYPE_DEFAULTS,
    UNIQUE_GENERATORS,
    regex_to_pattern,
)
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec

log = logging.getLogger(__name__)

Choice = tuple[str, dict, str, str]  # generator, params, how, reason

# Arrow type of an all-NULL column of each schema type.
COLUMN_ARROW = {"string": "string", "integer": "int64", "float": "float64", "decimal": "float64",
                "boolean": "bool", "date": "date32", "datetime": "timestamp[us]", "time": "time64[us]",
                "uuid": "uuid", "json": "string", "binary": "binary"}


class MappingError(ValueError):
    """The schema cannot be generated as it stands (e.g. a foreign key to a missing table)."""


# ------------------------------------------------------------------ heuristics


def fits(gen: Generator, col: ColumnSpec) -> bool:
    """Whether a generator's output suits the column's type."""
    return col.type in gen.fits


def choose(table: TableSpec, col: ColumnSpec) -> Choice:
    """The generator for one column, from its constraints, its name, then its type."""
    if col.generator:
        get(col.generator)  # a clear error for an unknown name in a spec
        return col.generator, dict(col.params), "spec", "given in the schema"
    if col.foreign_key is not None:
        fk = col.foreign_key
        return "id.foreign_key", {"table": fk.table, "column": fk.column}, "heuristic", \
            f"foreign key to {fk.table}.{fk.column}"
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
        pattern = col.pattern if _is_qaflow_pattern(col.pattern) else regex_to_pattern(col.pattern)
        if pattern:
            return "text.pattern", {"pattern": pattern}, "heuristic", f"pattern {col.pattern}"
    lowered = col.name.lower()
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
    gen = get(name)
    merged = gen.merged(params)
    if "min" in gen.params and col.min is not None:
        merged["min"] = col.min
    if "max" in gen.params and col.max is not None:
        merged["max"] = col.max
    if name in ("numeric.decimal", "finance.price"):
        if col.precision:
            merged["precision"] = col.precision
        if col.scale is not None:
            merged["scale"] = col.scale
        if col.precision and col.max is None:
            whole = col.precision - (col.scale or 0)
            merged["max"] = min(float(merged.get("max") or 10**whole), 10**whole - 1)
    if name in ("numeric.integer", "numeric.quantity", "id.unique_int") and col.source_type:
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
        name, params, how, reason = choose(table, col)
        name, params, suffix, notes = constrain(table, col, name, params)
        key = single_key(table, col)
        out.append(_column_plan(col, name, params, how, "; ".join([reason, *notes]), suffix, key))
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
    from tasks.codegen.kernel import generate_table
    from tasks.codegen.pools import Pools
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
    from blocks.llm import LLMError, complete_json

    try:
        answer = complete_json(messages, LLMMapping, endpoint=endpoint, use_cache=not refresh,
                               check=unknown_generators)
    except LLMError as exc:
        partial = getattr(exc, "answer", None)
        columns = partial.model_dump(mode="json")["columns"] if isinstance(partial, LLMMapping) else []
        return {"columns": columns, "error": str(exc)}
    return {**answer.model_dump(mode="json"), "error": None}


# ------------------------------------------------------------------ the plan


def table_order(schema: SchemaSpec) -> list[TableSpec]:
    """Tables with every parent before its children (foreign-key order)."""
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
        if table.name in seen:
            return
        if table.name in path:
            raise MappingError(f"{schema.source}: foreign keys form a cycle: {' -> '.join((*path, table.name))}")
        for parent in sorted(table.parents()):
            visit(schema.table(parent), (*path, table.name))
        seen.add(table.name)
        done.append(table)

    for table in schema.tables:
        visit(table, ())
    return done


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


def link_foreign_keys(tables: list[TablePlan]) -> None:
    """Give each foreign-key column its parent's row count and key generator."""
    by_name = {t.name: t for t in tables}
    for table in tables:
        for col in table.columns:
            if col.generator != "id.foreign_key":
                continue
            parent = by_name[col.params["table"]]
            target = parent.column(col.params["column"])
            gen = get(target.generator)
            if not (gen.keyed and target.unique):
                raise MappingError(
                    f"{table.name}.{col.name} references {parent.name}.{target.name}, whose generator "
                    f"{target.generator} cannot be re-derived from a row number; map that column to "
                    "id.sequence, id.uuid4, id.code or id.unique_int")
            col.params.update(rows=parent.rows, target=target.generator, target_params=dict(target.params))
            col.arrow = target.arrow


def compose_keys(schema: SchemaSpec, tables: list[TablePlan]) -> list[str]:
    """Make every composite primary key unique as a whole; notes for keys that cannot be.

    Drawn independently, (order_id, line_no) pairs repeat long before a million rows.
    Instead each member gets a digit of the row's number in mixed radix over the key
    (kernel.key_digit): a foreign key the parent's rows, an integer column its range,
    which then counts 1, 2, 3 ... within each combination of the other members.
    """
    notes: list[str] = []
    by_name = {t.name: t for t in tables}
    for spec in schema.tables:
        if len(spec.primary_key) < 2:
            continue
        table = by_name[spec.name]
        members = [table.column(name) for name in spec.primary_key]
        key = f"{table.name} ({', '.join(spec.primary_key)})"
        odd = [c for c in members if c.generator != "id.foreign_key" and c.type != "integer"]
        if odd:
            notes.append(f"{key}: composite primary key not made unique as a whole: {odd[0].name} is "
                         f"{odd[0].type}; only foreign-key and integer members are combined")
            continue
        for pos, col in enumerate(members):
            if col.generator == "id.foreign_key":
                col.params["composite"] = {"pos": pos}
            else:
                low = int(col.params.get("min", col.params.get("start", 1)))
                high = col.params.get("max")
                high = low + table.rows - 1 if high is None else int(high)
                col.generator, col.arrow = "id.key_part", "int64"
                col.params = {"min": low, "max": max(high, low), "composite": {"pos": pos}}
            if "composite primary key" not in col.reason:
                col.reason = f"{col.reason}; member of the composite primary key {key}".lstrip("; ")
        try:
            fitted = fit_composite_key(table.name, [c.model_dump() for c in members], table.rows)
        except ValueError as exc:
            raise MappingError(f"{exc}; fewer rows, more parent rows or a wider range") from None
        for col, done in zip(members, fitted, strict=True):
            col.params["composite"] = done["params"]["composite"]
    return notes


def heuristic_plans(schema: SchemaSpec) -> dict[str, list[ColumnPlan]]:
    """Every table's columns mapped by constraints, rules and types alone."""
    return {t.name: map_table(t) for t in schema.tables}


def build_plan(schema: SchemaSpec, plans: dict[str, list[ColumnPlan]], rows: int | dict[str, int],
               locale: str = "en_US", notes: list[str] | None = None, llm_calls: int = 0,
               llm_note: str = "") -> Plan:
    """Tables in foreign-key order with row counts and linked keys."""
    counts = row_counts(schema, rows)
    ordered = table_order(schema)
    tables = [TablePlan(name=t.name, rows=counts[t.name], columns=plans[t.name], parents=sorted(t.parents()))
              for t in ordered]
    link_foreign_keys(tables)
    notes = [*(notes or []), *compose_keys(schema, tables)]
    for table in tables:
        table.order()  # raises on a dependency cycle
    summary = MappingSummary(llm_calls=llm_calls, llm_note=llm_note)
    for table in tables:
        for col in table.columns:
            setattr(summary, col.how, getattr(summary, col.how) + 1)
    return Plan(source=schema.source, locale=locale, tables=tables, summary=summary,
                warnings=[*schema.warnings, *notes])


def map_schema(schema: SchemaSpec, rows: int | dict[str, int], locale: str = "en_US",
               endpoint: Any = None, ask: Any = None) -> Plan:
    """Heuristics for every column, then one LLM call (when `endpoint` is online) for the
    columns they could only guess. `ask(messages, endpoint) -> dict` makes the call
    (default: complete_json directly; the map-columns task passes its cached task).
    """
    from blocks.llm import LLMUsage, reset_circuits, usage_scope

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
    plan = build_plan(schema, plans, rows, locale, notes, used.calls if used else 0, llm_note)
    if used is not None:
        plan.summary.llm_usage = used.numbers()
    return plan


# ------------------------------------------------------------------ Prefect tasks


@task(name="map-columns-llm", cache_policy=NO_CACHE)
def llm_choices(messages: list[dict], model: str, base_url: str | None, endpoint: Any) -> dict:
    """One LLM call per schema, shown as its own task run. Not cached by Prefect (the LLM
    client caches accepted answers by meaning; a failed or partial answer is never kept) and
    not retried by Prefect (the client retries; its circuit breaker stops an outage)."""
    return ask_llm(messages, endpoint)


def _cached_ask(messages: list[dict], endpoint: Any) -> dict:
    return llm_choices(messages, endpoint.model, endpoint.base_url, endpoint)


@task(name="map-columns")
def map_columns(schema: SchemaSpec, rows: int | dict[str, int], locale: str = "en_US",
                endpoint: Any = None) -> Plan:
    """Map every column to a generator (the LLM part cached by Prefect on its inputs)."""
    return map_schema(schema, rows, locale, endpoint, ask=_cached_ask)
