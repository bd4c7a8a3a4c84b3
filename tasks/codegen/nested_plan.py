"""Planning nested columns: a ColumnSpec with fields, items or variants -> one `nested.value` plan.

Every leaf inside goes through the same mapping as a table column (the schema's
constraints, then the name rules, then its type), with the enclosing object as
its "table": an `email` inside `contact` becomes an e-mail, a `city` inside
`address` a city, and members that read each other (e-mail after name) are made
in dependency order. The result is the shape tree tasks/generators/nested.py runs.
"""

from __future__ import annotations

import json
from typing import Any

from tasks.codegen.plan import ColumnPlan, TablePlan
from tasks.generators.nested import nested_output, node_shape
from tasks.schema.spec import ColumnSpec, TableSpec

DEFAULT_EXTRA_ITEMS = 3  # an array without maxItems holds minItems .. minItems + 3 elements
MAX_DEPTH = 12


def is_nested(col: ColumnSpec) -> bool:
    """Whether a column needs the nested generator (an object, an array or a oneOf/anyOf)."""
    return col.type in ("array", "object") or bool(col.variants)


def plan_nested(table: TableSpec, col: ColumnSpec) -> ColumnPlan:
    """The plan of one nested column of `table`."""
    node = node_for(col, f"{table.name}.{col.name}", 0)
    node.pop("null_rate", None)  # the column's own NULLs are the kernel's business
    params = {"node": node}
    null_rate = col.null_rate if col.nullable and not col.primary_key else 0.0
    what = "oneOf/anyOf" if col.variants else col.type
    return ColumnPlan(
        name=col.name, type=col.type, generator="nested.value", params=params, arrow=nested_output(params),
        null_rate=null_rate, nullable=col.nullable and not col.primary_key, omit_null=col.omit_null,
        how="heuristic", reason=f"{what} in the schema's shape",
    )


def node_for(col: ColumnSpec, where: str, depth: int) -> dict[str, Any]:
    """The shape node of one value (a member, an element or a branch)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    rate = col.null_rate if col.nullable else 0.0
    if col.variants:
        names = _distinct([v.name or f"option{i}" for i, v in enumerate(col.variants)])
        node = {"kind": "oneof",
                "variants": [{"name": name, "node": node_for(v, f"{where}|{name}", depth + 1)}
                             for name, v in zip(names, col.variants, strict=True)],
                "weights": list(col.variant_weights) if col.variant_weights else None}
    elif col.type == "object":
        node = _object(col, where, depth)
    elif col.type == "array":
        node = _array(col, where, depth)
    else:
        node = _leaf(col, where)
    if rate:
        node["null_rate"] = rate
    return node


def _object(col: ColumnSpec, where: str, depth: int) -> dict[str, Any]:
    from tasks.codegen.mapping import map_table

    members = [f.model_copy(update={"foreign_key": None, "primary_key": False}) for f in col.fields or []]
    if not members:  # a free-form object: {} is always valid
        members = [ColumnSpec(name="_", type="string", nullable=True, null_rate=1.0, omit_null=True)]
    pseudo = TableSpec(name=col.name, columns=members)
    plans = map_table(pseudo)
    order = TablePlan(name=where, rows=1, columns=plans).order()
    fields = []
    for member, plan in zip(members, plans, strict=True):
        node = _from_plan(plan)
        if plan.null_rate:
            node["null_rate"] = plan.null_rate
        fields.append({"name": member.name, "node": node, "omit": bool(member.omit_null)})
    return {"kind": "object", "fields": fields, "order": order}


def _array(col: ColumnSpec, where: str, depth: int) -> dict[str, Any]:
    items = col.items or ColumnSpec(name="item", type="string", nullable=False)
    prefix = list(col.prefix_items or [])
    low = col.min_items or 0
    high = col.max_items if col.max_items is not None else max(low, len(prefix)) + DEFAULT_EXTRA_ITEMS
    unique = bool(col.unique_items)
    if unique and items.type == "boolean" and not items.enum:
        items = items.model_copy(update={"enum": [True, False]})
        high = min(high, 2)
    if unique and items.enum:
        high = min(high, len(items.enum))
    node: dict[str, Any] = {
        "kind": "array", "items": node_for(items, f"{where}[]", depth + 1),
        "prefix": [node_for(p, f"{where}[{i}]", depth + 1) for i, p in enumerate(prefix)],
        "contains": node_for(col.contains, f"{where}[contains]", depth + 1) if col.contains else None,
        "min": low, "max": max(high, low), "unique": unique,
    }
    shapes = {json.dumps(node_shape(n), sort_keys=True) for n in [node["items"], *node["prefix"]]}
    if len(shapes) > 1:  # one Arrow list holds one element type
        from tasks.codegen.mapping import MappingError

        raise MappingError(f"{where}: prefixItems of different types ({', '.join(sorted(shapes))}) cannot be "
                           "generated yet; give the tuple one item type or set the column's generator")
    return node


def _leaf(col: ColumnSpec, where: str) -> dict[str, Any]:
    from tasks.codegen.mapping import map_table

    single = col.model_copy(update={"foreign_key": None, "primary_key": False, "unique": False,
                                    "name": col.name or "value"})
    plan = map_table(TableSpec(name=where.rsplit(".", 1)[-1], columns=[single]))[0]
    return _from_plan(plan)


def _from_plan(plan: ColumnPlan) -> dict[str, Any]:
    if plan.generator == "nested.value":
        return dict(plan.params["node"])
    return {"kind": "leaf", "generator": plan.generator, "params": dict(plan.params), "arrow": plan.arrow,
            "max_length": plan.max_length}


def _distinct(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, k = name, 1
        while candidate in seen:
            k += 1
            candidate = f"{name}_{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


def leaf_generators(node: dict[str, Any]) -> list[str]:
    """Registry names of every leaf of a shape tree, in first-use order (what a rendered module needs)."""
    names: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop(0)
        kind = item.get("kind")
        if kind == "leaf":
            if item["generator"] not in names:
                names.append(item["generator"])
        elif kind == "object":
            stack.extend(f["node"] for f in item.get("fields") or [])
        elif kind == "array":
            stack.extend([item["items"], *(item.get("prefix") or []), *([item["contains"]] if item.get("contains") else [])])
        elif kind == "oneof":
            stack.extend(v["node"] for v in item.get("variants") or [])
    return names
