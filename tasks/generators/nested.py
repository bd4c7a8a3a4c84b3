"""Nested values: JSON Schema objects (structs), arrays (lists) and oneOf/anyOf (one branch per row).

A nested column is one registry generator, `nested.value`, whose only parameter
is a shape tree of plain data (made by tasks/codegen/nested_plan.py):

    {"kind": "leaf", "generator": NAME, "params": {...}, "arrow": "int64", "max_length": N}
    {"kind": "object", "fields": [{"name", "node", "omit"}], "order": [i, ...]}

and any node may carry "null_rate" (the share of NULLs: absent or null values).
    {"kind": "array", "items": NODE, "prefix": [NODE, ...], "contains": NODE | None,
     "min": N, "max": N, "unique": bool}
    {"kind": "oneof", "variants": [{"name", "node"}], "weights": [...]}

Leaves are ordinary registry generators run on a sub-batch, so an e-mail inside
an object is made like an e-mail column (and follows a name beside it). Arrays
are built from one vectorised draw of all their elements plus an offsets
buffer; objects are Arrow structs; a oneOf is a struct with one member per
branch, exactly one of which is set in each row (flagged "variant", so JSON
output writes the branch in its place). Nothing loops over rows in Python.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.generator_runtime.kernel import (
    U64,
    Batch,
    bool_array,
    column_key,
    longest_bytes,
    nested_arrow,
    num_array,
    validity,
    weighted_draw,
    weighted_table,
    with_nulls,
)
from tasks.generators.choice import enum_values
from tasks.generators.registry import generator


def node_shape(node):
    """The nested shape (kernel.nested_arrow's input) of a node."""
    kind = node["kind"]
    if kind == "leaf":
        return node["arrow"]
    if kind == "object":
        return {"struct": [[f["name"], node_shape(f["node"]), "omit" if f.get("omit") else ""]
                           for f in node["fields"]]}
    if kind == "array":
        return {"list": node_shape(node["items"])}
    return {"struct": [[v["name"], node_shape(v["node"]), "variant"] for v in node["variants"]]}


def nested_output(p):
    return json.dumps(node_shape(p["node"]), separators=(",", ":"), ensure_ascii=False)


def child_batch(b, n, rows, column, path):
    """A batch of `n` nested values: its own RNG (drawn from the parent's), rows and key."""
    sub = Batch(n=n, start=0, rng=np.random.Generator(np.random.PCG64(int(b.rng.integers(0, 2**63)))),
                seed=b.seed, table=b.table, pools=b.pools, registry=b.registry, parents=b.parents)
    sub._rows = np.asarray(rows, dtype=U64)
    sub.column = column
    sub.key = column_key(b.seed, b.table, path)
    return sub


def run_leaf(sub, node):
    """One leaf generator on a sub-batch, cast to its type and kept within its max_length."""
    array = sub.registry[node["generator"]](sub, node["params"])
    want = nested_arrow(node["arrow"])
    if array.type != want:
        array = array.cast(want)
    limit = node.get("max_length")
    if limit and pa.types.is_string(array.type) and longest_bytes(array) > limit:
        array = pc.utf8_slice_codeunits(array, 0, limit)
    return array


def build_node(b, node, n, rows, path):
    """`n` values of one node for the (global) row numbers `rows`."""
    kind = node["kind"]
    if kind == "leaf":
        array = run_leaf(child_batch(b, n, rows, path.rsplit(".", 1)[-1], path), node)
    elif kind == "object":
        array = build_object(b, node, n, rows, path)
    elif kind == "array":
        array = build_array(b, node, n, rows, path)
    else:
        array = build_oneof(b, node, n, rows, path)
    return some_nulls(b, array, node)


def some_nulls(b, array, node):
    """NULL in a share `node["null_rate"]` of the rows (a nullable or optional value)."""
    rate = float(node.get("null_rate") or 0)
    if rate > 0 and len(array):
        array = with_nulls(array, b.rng.random(len(array)) >= rate)
    return array


def build_object(b, node, n, rows, path):
    """A struct: members made in dependency order on one sub-batch (so they can read each other)."""
    fields = node["fields"]
    sub = child_batch(b, n, rows, path, path)
    made = {}
    for i in node.get("order") or range(len(fields)):
        field = fields[i]
        where = f"{path}.{field['name']}"
        if field["node"]["kind"] == "leaf":
            sub.rng = np.random.Generator(np.random.PCG64(int(b.rng.integers(0, 2**63))))
            sub.column = field["name"]
            sub.key = column_key(b.seed, b.table, where)
            array = some_nulls(b, run_leaf(sub, field["node"]), field["node"])
        else:
            array = build_node(b, field["node"], n, rows, where)
        sub.cols[field["name"]] = array
        made[i] = array
    arrow = nested_arrow(node_shape(node))
    return pa.StructArray.from_arrays([made[i] for i in range(len(fields))], fields=list(arrow))


def array_lengths(b, node, n):
    """Each row's element count, uniformly between min and max."""
    low, high = int(node.get("min") or 0), int(node.get("max") or 0)
    if node.get("contains") is not None:
        low = max(low, 1)
    high = max(high, low)
    return b.rng.integers(low, high + 1, n) if n else np.zeros(0, dtype=np.int64)


def element_rows(rows, lengths):
    """(row of each element, its position, a row number of its own) for lists of `lengths`."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(lengths) else lengths
    pos = np.arange(len(owner)) - starts[owner] if len(owner) else owner
    with np.errstate(over="ignore"):
        own = np.asarray(rows, dtype=U64)[owner] * U64(1 << 16) + pos.astype(U64)
    return owner, pos, own


def build_elements(b, node, lengths, rows, path):
    """The values of all elements of all lists, row after row (prefixItems by position)."""
    owner, pos, own = element_rows(rows, lengths)
    total = len(owner)
    prefix = node.get("prefix") or []
    item_type = nested_arrow(node_shape(node["items"]))
    if not prefix:
        return build_node(b, node["items"], total, own, f"{path}[]")
    groups = [np.flatnonzero(pos == j) for j in range(len(prefix))]
    groups.append(np.flatnonzero(pos >= len(prefix)))
    nodes = [*prefix, node["items"]]
    parts = []
    for j, (sel, sub_node) in enumerate(zip(groups, nodes, strict=True)):
        part = build_node(b, sub_node, len(sel), own[sel], f"{path}[{j}]")
        parts.append(part if part.type == item_type else part.cast(item_type))
    order = np.concatenate(groups)
    inverse = np.empty(total, dtype=np.int64)
    inverse[order] = np.arange(total)
    return pa.concat_arrays(parts).take(num_array(inverse, "int64"))


def unique_enum_elements(b, node, lengths):
    """Distinct enum values per list: the first k of a random order of the values (k <= their count)."""
    values = list(node["items"]["params"]["values"])
    n, m = len(lengths), len(values)
    lengths = np.minimum(lengths, m)
    if m <= 8:  # a random row of the table of all m! orders (40,320 x 8 bytes at most): no sort
        import itertools

        table = np.array(list(itertools.permutations(range(m))), dtype=np.uint8).reshape(-1, m)
        order = table[b.rng.integers(0, len(table), n)]
    else:  # 16-bit keys sort by radix
        order = np.argsort(b.rng.integers(0, 1 << 16, (n, m), dtype=np.uint16), axis=1, kind="stable")
    owner = np.repeat(np.arange(n), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if n else lengths
    pos = np.arange(len(owner)) - starts[owner] if len(owner) else owner
    return lengths, enum_values(values, order[owner, pos] if len(owner) else np.zeros(0, dtype=np.int64))


def distinct_firsts(elements, owner, lengths):
    """Which elements to keep so that each list holds its first `lengths[i]` distinct values."""
    total = len(owner)
    if pa.types.is_struct(elements.type) or pa.types.is_list(elements.type):
        codes = np.arange(total)  # records: distinct enough, not compared
    else:
        plain = elements.storage if isinstance(elements, pa.ExtensionArray) else elements
        encoded = pc.dictionary_encode(plain).indices
        codes = np.frombuffer(encoded.buffers()[1], dtype=np.int32, count=encoded.offset + total)[encoded.offset:]
        codes = np.where(validity(encoded), codes, -1)
    order = np.lexsort((np.arange(total), codes, owner))
    keep = np.ones(total, dtype=bool)
    if total > 1:
        same = (owner[order][1:] == owner[order][:-1]) & (codes[order][1:] == codes[order][:-1])
        keep[order[1:][same]] = False
    kept_before = np.cumsum(keep) - keep
    first_of_row = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(lengths)))[:-1]]).astype(np.int64)
    rank = kept_before - kept_before[first_of_row[owner]] if total else kept_before
    return keep & (rank < lengths[owner])


def build_array(b, node, n, rows, path):
    """A list per row: lengths from minItems/maxItems, items (and prefixItems, contains) as told."""
    lengths = array_lengths(b, node, n)
    item_type = nested_arrow(node_shape(node["items"]))
    items = node["items"]
    if node.get("unique") and items["kind"] == "leaf" and items["generator"] == "choice.enum" \
            and not node.get("prefix"):
        lengths, elements = unique_enum_elements(b, node, lengths)
    elif node.get("unique"):
        draws = lengths * 2 + 4  # candidates; duplicates within a list are dropped
        elements = build_elements(b, node, draws, rows, path)
        owner = np.repeat(np.arange(n), draws)
        keep = distinct_firsts(elements, owner, lengths)
        lengths = np.bincount(owner[keep], minlength=n)
        elements = elements.filter(bool_array(keep))
    else:
        elements = build_elements(b, node, lengths, rows, path)
    if elements.type != item_type:
        elements = elements.cast(item_type)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if node.get("contains") is not None and n:
        extra = build_node(b, node["contains"], n, rows, f"{path}[contains]")
        if extra.type != item_type:
            extra = extra.cast(item_type)
        skip = np.minimum(len(node.get("prefix") or []), np.maximum(lengths - 1, 0))
        slot = offsets[:-1] + skip + (b.rng.integers(0, 1 << 31, n) % np.maximum(lengths - skip, 1))
        index = np.arange(offsets[-1], dtype=np.int64)
        has = lengths > 0
        index[slot[has]] = offsets[-1] + np.flatnonzero(has)
        elements = pa.concat_arrays([elements, extra]).take(num_array(index, "int64"))
    if offsets[-1] >= 2**31:
        raise ValueError(f"{path}: more than 2**31 list elements in one batch; use a smaller batch size")
    list_type = nested_arrow({"list": node_shape(items)})
    return pa.ListArray.from_arrays(num_array(offsets.astype(np.int32), "int32"), elements, type=list_type)


def build_oneof(b, node, n, rows, path):
    """One branch per row (weighted), as a struct whose member for that branch is the only one set."""
    variants = node["variants"]
    weights = node.get("weights") or [1.0] * len(variants)
    choice = weighted_draw(b.rng, n, weighted_table(weights)) if n else np.zeros(0, dtype=np.int64)
    arrow = nested_arrow(node_shape(node))
    members = []
    for k, variant in enumerate(variants):
        picked = choice == k
        sel = np.flatnonzero(picked)
        member_type = arrow.field(k).type
        if not len(sel):
            members.append(pa.nulls(n, member_type))
            continue
        part = build_node(b, variant["node"], len(sel), np.asarray(rows, dtype=U64)[sel], f"{path}|{k}")
        if part.type != member_type:
            part = part.cast(member_type)
        index = np.cumsum(picked) - 1
        spread = with_nulls(num_array(np.maximum(index, 0), "int64"), picked)
        members.append(part.take(spread))
    return pa.StructArray.from_arrays(members, fields=list(arrow))


@generator("nested.value", output=nested_output, fits=("array", "object", "json"),
           params={"node": {"kind": "leaf", "generator": "choice.null", "params": {}, "arrow": "string"}},
           helpers=(node_shape, child_batch, run_leaf, build_node, some_nulls, build_object, array_lengths, element_rows,
                    build_elements, unique_enum_elements, distinct_firsts, build_array, build_oneof,
                    enum_values))
def gen_nested(b, p):
    """Objects, arrays and oneOf/anyOf values in the schema's own shape (structs and lists)."""
    return build_node(b, p["node"], b.n, b.rows, b.column)

