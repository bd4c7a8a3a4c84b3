"""JSONPath look-ups (jsonpath-ng with its extensions: filters, len, sorting),
parsed once per distinct expression."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse

from tasks.execution.http import StepError

if TYPE_CHECKING:
    from tasks.execution.context import ScenarioContext


@dataclass(frozen=True)
class Found:
    """The value at a path: the one match itself, or the list of all matches."""

    value: Any
    count: int


@lru_cache(maxsize=1024)
def compiled(expression: str) -> Any:
    try:
        return parse(expression)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise StepError(f"invalid JSONPath {expression!r}: {exc}") from None


def find(expression: str, document: Any, ctx: ScenarioContext | None = None) -> Found | None:
    """Evaluate `expression` (variables filled in) on `document`; None when nothing matches."""
    if ctx is not None:
        expression = ctx.text(expression)
    matches = compiled(expression).find(document)
    if not matches:
        return None
    if len(matches) == 1:
        return Found(matches[0].value, 1)
    return Found([m.value for m in matches], len(matches))
