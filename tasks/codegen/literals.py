"""Safe encoders for everything from an input that lands in a rendered module.

Table and column names, enum values, patterns, defaults, source paths and the
locale come from schema files other people wrote (or from an LLM's answer).
They reach generated Python only through these functions:

    py_literal(value)   a Python literal that `ast.literal_eval` reads back as the
                        same plain data (str, int, finite float, bool, None, list,
                        tuple, dict): repr, checked, never string concatenation
    shown(text)         a name as it appears in a docstring: repr'd, then escaped
    doc_escape(text)    any text made safe inside a \"\"\" docstring: backslashes and
                        quotes escaped, line breaks and other invisible characters
                        written as escapes, so it can neither end the docstring
                        nor start a new line of code

The template environment accepts only `Source` values (see render.py), which
only these encoders and qaflow's own code make, so a raw input string cannot
reach the module by accident.
"""

from __future__ import annotations

import ast
import math
import pprint
import shlex
from typing import Any


class Source(str):
    """Text that is already safe to place in a module: an encoded literal or qaflow's own code."""

    __slots__ = ()


class UnsafeValue(ValueError):
    """A value that cannot be written into a module as plain data; the message says where."""


_PLAIN = (str, int, float, bool, type(None))


def check_plain(value: Any, where: str) -> None:
    """Raise UnsafeValue unless `value` is plain, finite data (exact built-in types only).

    Exact types, not isinstance: a str or dict subclass could bring its own `__repr__`.
    """
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                raise UnsafeValue(f"{where}{path}: {item!r} is not a finite number")
        elif kind in _PLAIN:
            continue
        elif kind in (list, tuple):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
        elif kind is dict:
            for key, v in item.items():
                if type(key) not in (str, int):
                    raise UnsafeValue(f"{where}{path}: key {key!r} is a {type(key).__name__}, not str or int")
                stack.append((v, f"{path}[{key!r}]"))
        else:
            raise UnsafeValue(f"{where}{path}: a {kind.__name__} ({item!r:.60}) is not plain data "
                              "(str, number, bool, null, list, mapping)")


def py_literal(value: Any, where: str = "value", *, width: int = 96, indent: str = "") -> Source:
    """`value` as Python source that evaluates to an equal value and does nothing else.

    The text comes from repr (through pprint for line wrapping) and is read back
    with `ast.literal_eval` before it is used: anything that is not the same
    plain data again is refused, naming `where`.
    """
    check_plain(value, where)
    text = pprint.pformat(value, width=width, sort_dicts=False)
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise UnsafeValue(f"{where}: does not encode as a Python literal ({exc})") from None
    if back != value or type(back) is not type(value):
        raise UnsafeValue(f"{where}: does not read back as the same value")
    if indent:
        text = text.replace("\n", "\n" + indent)
    return Source(text)


def doc_escape(text: str) -> Source:
    """`text` for the inside of a \"\"\" docstring or a comment: shows the same characters, runs none.

    A backslash and a double quote are escaped (so no run of quotes can close the
    string and no escape can swallow the closing quote); every character that is
    not printable (line breaks, CR, NUL, U+2028/U+2029, surrogates, ...) is written
    as its escape, so the text stays on one line.
    """
    out = []
    for ch in str(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return Source("".join(out))


def shown(text: Any) -> Source:
    """A name as a docstring shows it: its repr (quotes make its edges visible), escaped."""
    return doc_escape(repr(str(text)))


def shell_word(text: Any) -> Source:
    """A word of a shell command shown in a docstring: shlex-quoted, then escaped."""
    return doc_escape(shlex.quote(str(text)))


def doc_data(value: Any) -> Source:
    """Plain data (a column's parameters) on one line of a docstring: its repr, escaped."""
    check_plain(value, "parameters")
    return doc_escape(repr(value))
