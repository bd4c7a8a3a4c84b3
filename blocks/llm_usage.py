"""Process-wide token accounting for every LLM call qaflow makes.

A flow that wants its LLM cost in its summary takes a snapshot before and
after its work and shows the difference::

    before = usage_totals()
    ...                                   # tasks that call complete_json
    spent = usage_totals() - before       # an LLMUsage
    summary["llm"] = spent.model_dump()   # or spent.describe() for a line of text

The ledger is one per process (tasks on threads share it, so concurrent flows in
one process see each other's calls in their difference); it is never reset.
"""

from __future__ import annotations

import threading

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
        """One line for a flow summary."""
        return (
            f"{self.calls} LLM calls, {self.total_tokens} tokens "
            f"({self.prompt_tokens} prompt + {self.completion_tokens} completion), "
            f"{self.cache_hits} cache hits, {self.repairs} repairs, {self.retries} retries"
            + (f", {self.failures} failures" if self.failures else "")
        )


_lock = threading.Lock()
_totals = LLMUsage()


def record(**counts: int) -> None:
    """Add counts (field name -> increment) to the process-wide ledger."""
    global _totals
    with _lock:
        _totals = _totals + LLMUsage(**counts)


def usage_totals() -> LLMUsage:
    """A snapshot (a copy) of everything recorded in this process so far."""
    with _lock:
        return _totals.model_copy()
