"""The LLM client: every LLM call in qaflow goes through `complete_json`.

`complete_json(messages, Model, endpoint=...)` (tasks/llm/client.py) asks an
`LLMEndpoint` (the block, blocks/llm.py) for JSON that the pydantic `Model`
validates, with structured output, repair, retries, a circuit breaker
(`reset_circuits()` at the start of a run) and a disk cache
(tasks/llm/cache.py); `usage_totals()` (tasks/llm/usage.py) is the
process-wide token ledger a flow snapshots before and after to report its cost.
"""

from tasks.llm.client import (
    LLMError,
    LLMInvalidAnswer,
    LLMRequestError,
    LLMUnavailable,
    circuit_open,
    complete_json,
    reset_circuits,
)
from tasks.llm.usage import LLMUsage, usage_scope, usage_totals

__all__ = [
    "LLMError",
    "LLMInvalidAnswer",
    "LLMRequestError",
    "LLMUnavailable",
    "LLMUsage",
    "circuit_open",
    "complete_json",
    "reset_circuits",
    "usage_scope",
    "usage_totals",
]
