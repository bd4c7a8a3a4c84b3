"""What a CHECK guarantees, read from sqlglot expressions: enums, ranges, lengths, patterns
and the order of two columns of a row; plus the small literal/name helpers the DDL reader shares.

Unknown shapes give no facts (never a wrong one): a CHECK the reader cannot read is simply
not enforced by construction, and the database still enforces it on load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlglot import exp

from tasks.schema.bounds import step_past
from tasks.schema.spec import ColumnSpec


def row_order(expr: exp.Expr | None) -> Iterator[tuple[str, str]]:
    """(earlier, later) column pairs a CHECK orders: `a < b`, `a <= b`, `b > a`, `b >= a` (and AND of those)."""
    expr = unwrap(expr)
    if isinstance(expr, exp.And):
        yield from row_order(expr.this)
        yield from row_order(expr.expression)
        return
    left, right = column_name(expr.this) if expr is not None else None, None
    if isinstance(expr, exp.LT | exp.LTE | exp.GT | exp.GTE):
        left, right = column_name(expr.this), column_name(expr.expression)
        if left and right and left != right:
            yield (left, right) if isinstance(expr, exp.LT | exp.LTE) else (right, left)


# ----------------------------------------------------------------------------- CHECK facts

_COMPARISONS: dict[type, tuple[str, str]] = {
    # node type -> (fact when the column is on the left, fact when it is on the right)
    exp.GTE: ("min", "max"),
    exp.GT: ("min_excl", "max_excl"),
    exp.LTE: ("max", "min"),
    exp.LT: ("max_excl", "min_excl"),
    exp.EQ: ("eq", "eq"),
}


def check_facts(expr: exp.Expr | None) -> Iterator[tuple[str, str, Any]]:
    """(column, fact, value) triples a CHECK expression guarantees; unknown shapes give none."""
    expr = unwrap(expr)
    if expr is None:
        return
    if isinstance(expr, exp.And):
        yield from check_facts(expr.this)
        yield from check_facts(expr.expression)
    elif isinstance(expr, exp.Or):
        yield from _or_enum(expr)
    elif isinstance(expr, exp.In) and not expr.args.get("query"):
        column = column_name(expr.this)
        values = [literal(v) for v in expr.expressions]
        if column and values and None not in values:
            yield column, "enum", values
    elif isinstance(expr, exp.Between):
        column = column_name(expr.this)
        low, high = literal(expr.args.get("low")), literal(expr.args.get("high"))
        if column:
            if low is not None:
                yield column, "min", low
            if high is not None:
                yield column, "max", high
    elif isinstance(expr, exp.RegexpLike):
        column = column_name(expr.this)
        pattern = literal(expr.expression)
        if column and isinstance(pattern, str):
            yield column, "pattern", pattern
    elif type(expr) in _COMPARISONS:
        yield from _comparison(expr)


def _comparison(expr: exp.Expr) -> Iterator[tuple[str, str, Any]]:
    left_fact, right_fact = _COMPARISONS[type(expr)]
    left, right = unwrap(expr.this), unwrap(expr.expression)
    if isinstance(expr, exp.EQ) and isinstance(right, exp.Any):  # pg_dump: col = ANY (ARRAY[...])
        column = column_name(left)
        array = unwrap(right.this)
        if column and isinstance(array, exp.Array):
            values = [literal(v) for v in array.expressions]
            if values and None not in values:
                yield column, "enum", values
        return
    for side, other, fact in ((left, right, left_fact), (right, left, right_fact)):
        length_of = isinstance(side, exp.Length)
        column = column_name(side.this if length_of else side)
        value = literal(other)
        if column is None or value is None:
            continue
        if length_of:
            fact = {"min": "min_length", "min_excl": "min_length+", "max": "max_length",
                    "max_excl": "max_length-", "eq": "length"}[fact]
        yield column, fact, value
        return


def _or_enum(expr: exp.Or) -> Iterator[tuple[str, str, Any]]:
    """`status = 'a' OR status = 'b'` is an enum too."""
    branches: list[exp.Expr] = []
    stack: list[exp.Expr | None] = [expr]
    while stack:
        node = unwrap(stack.pop())
        if isinstance(node, exp.Or):
            stack.extend([node.expression, node.this])
        elif node is not None:
            branches.append(node)
    columns, values = set(), []
    for branch in branches:
        if not isinstance(branch, exp.EQ):
            return
        column, value = column_name(unwrap(branch.this)), literal(branch.expression)
        if column is None or value is None:
            return
        columns.add(column)
        values.append(value)
    if len(columns) == 1:
        yield columns.pop(), "enum", values


def apply_fact(col: ColumnSpec, fact: str, value: Any) -> None:
    if fact == "enum":
        col.enum = list(value) if col.enum is None else [v for v in col.enum if v in value] or list(value)
    elif fact == "pattern":
        col.pattern = value
    elif fact in {"min", "min_excl", "eq"}:
        bound = step_past(col, value, +1) if fact == "min_excl" else value
        if col.min is None or greater(bound, col.min):
            col.min = bound
        if fact == "eq":
            apply_fact(col, "max", value)
    elif fact in {"max", "max_excl"}:
        bound = step_past(col, value, -1) if fact == "max_excl" else value
        if col.max is None or greater(col.max, bound):
            col.max = bound
    elif fact in {"min_length", "min_length+", "length"} and isinstance(value, int):
        length = value + 1 if fact == "min_length+" else value
        col.min_length = max(col.min_length or 0, length)
        if fact == "length":
            col.max_length = length if col.max_length is None else min(col.max_length, length)
    elif fact in {"max_length", "max_length-"} and isinstance(value, int):
        length = value - 1 if fact == "max_length-" else value
        col.max_length = length if col.max_length is None else min(col.max_length, length)


def greater(a: Any, b: Any) -> bool:
    try:
        return a > b
    except TypeError:
        return str(a) > str(b)


# ----------------------------------------------------------------------------- small helpers


def unwrap(node: exp.Expr | None) -> exp.Expr | None:
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    return node


def column_name(node: exp.Expr | None) -> str | None:
    node = unwrap(node)
    return node.name if isinstance(node, exp.Column) else None


def literal(node: exp.Expr | None) -> Any:
    """A literal's Python value (numbers, strings, booleans); None for anything computed."""
    node = unwrap(node)
    if isinstance(node, exp.Neg):
        inner = literal(node.this)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return number(node.this)
    return None


def number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def name_of(node: Any) -> str:
    """The bare name of a table, column or identifier (schema prefixes dropped)."""
    while isinstance(node, exp.Ordered | exp.Schema):
        node = node.this
    if isinstance(node, exp.Table | exp.Column | exp.Identifier):
        return node.name
    if isinstance(node, exp.Expr):
        return node.name or node.sql()
    return str(node)


def line_of(node: exp.Expr) -> int | None:
    ident = node.this if isinstance(node.this, exp.Identifier) else None
    return (ident.meta or {}).get("line") if ident is not None else None
