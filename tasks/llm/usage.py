"""Process-wide token accounting for every LLM call qaflow makes.

A flow that wants its LLM cost in its summary takes a snapshot before and
after its work and shows the difference::

    before = usage_totals()
    ...                                   # tasks that call complete_json
    spent = usage_totals() - before       # an LLMUsage
    summary["llm"] = spent.model_dump()   # or spent.describe() for a line of text

The ledger is one per process (tasks on threads share it, so concurrent flows in
one process see each other's calls in their difference); it is never reset.
Where a caller needs the counts of its own work only (one requirement's
generation, in a thread of its own), `with usage_scope() as mine:` collects what
is recorded in that context as well (contextvars: a thread started with
`contextvars.copy_context().run` inherits the scope).

Counting rules: `calls` are HTTP requests that got an answer; a cache hit is a
`cache_hit`, not a call; `repairs` are answers sent back for correction;
`retries` are requests repeated after a transport error, a 429 or a 5xx;
`failures` are `complete_json` calls that ended in an error (a call refused by
the open circuit included).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel


class LLMUsage(BaseModel):
    """Counts of LLM work: HTTP calls, tokens, cache hits, repairs and retries."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    repairs: int = 0
    retries: int = 0
    failures: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: LLMUsage) -> LLMUsage:
        return LLMUsage(**{k: v + getattr(other, k) for k, v in self})

    def __sub__(self, other: LLMUsage) -> LLMUsage:
        return LLMUsage(**{k: v - getattr(other, k) for k, v in self})

    def describe(self) -> str:
        """One line for a terminal or a flow summary."""
        return (
            f"{self.calls} LLM calls, {self.cache_hits} cache hits, {self.total_tokens} tokens "
            f"({self.prompt_tokens} prompt + {self.completion_tokens} completion), "
            f"{self.repairs} repairs, {self.retries} retries, {self.failures} failures"
        )

    def numbers(self) -> dict[str, int]:
        """The counts as a plain dict (summary JSON, artifacts, the HTML report)."""
        return {**self.model_dump(), "total_tokens": self.total_tokens}


_lock = threading.Lock()
_totals = LLMUsage()
_scopes: contextvars.ContextVar[tuple[list[LLMUsage], ...]] = contextvars.ContextVar("llm_usage_scopes", default=())


def record(**counts: int) -> None:
    """Add counts (field name -> increment) to the process-wide ledger and the open scopes."""
    global _totals
    increment = LLMUsage(**counts)
    with _lock:
        _totals = _totals + increment
        for scope in _scopes.get():
            scope[0] = scope[0] + increment


@contextmanager
def usage_scope() -> Iterator[list[LLMUsage]]:
    """Collect what is recorded in this context (and contexts copied from it) in `box[0]`."""
    box = [LLMUsage()]
    token = _scopes.set((*_scopes.get(), box))
    try:
        yield box
    finally:
        _scopes.reset(token)


def usage_totals() -> LLMUsage:
    """A snapshot (a copy) of everything recorded in this process so far."""
    with _lock:
        return _totals.model_copy()
