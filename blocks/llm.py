"""The one way qaflow reaches an LLM: the `LLMEndpoint` block and `complete_json`.

`offline` is the built-in deterministic provider (no network); any
OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, LM Studio) works by
pointing `base_url` at it. `complete_json(messages, Model)` (blocks/llm_client.py)
asks it for JSON that the pydantic `Model` validates, with structured output,
repair, retries, a circuit breaker (`reset_circuits()` at the start of a run)
and a disk cache; `usage_totals()` (blocks/llm_usage.py) is the
process-wide token ledger a flow snapshots before and after to report its cost.
"""

from __future__ import annotations

import os
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator

from blocks.base import QaflowBlock, refuse_url_credentials
from tasks.settings import settings


class LLMEndpoint(QaflowBlock):
    """Provider, base URL, model, key and the knobs of each call."""

    _block_type_name = "qaflow LLM Endpoint"
    _block_type_slug = "qaflow-llm-endpoint"
    _description = "An OpenAI-compatible LLM endpoint, or the offline provider."

    provider: Literal["offline", "openai-compatible"] = Field(
        default="offline", description="offline (no LLM) or openai-compatible."
    )
    base_url: str | None = Field(
        default=None, description="e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1"
    )
    model: str = Field(default="gpt-4o-mini", description="Model name the server knows.")
    api_key: SecretStr | None = Field(default=None, description="API key; any value for local servers.")
    temperature: float = Field(default=0.0, ge=0, le=2)
    timeout: float = Field(default=60.0, gt=0, description="Seconds per request.")
    max_retries: int = Field(default=4, ge=0, description="Retries on timeouts, 429 and 5xx.")

    @field_validator("base_url")
    @classmethod
    def _no_key_in_base_url(cls, url: str | None) -> str | None:
        return refuse_url_credentials(url, "put the key in api_key, where it is a masked secret")

    @classmethod
    def from_env(cls) -> Self:
        """OPENAI_API_KEY / OPENAI_BASE_URL / QAFLOW_LLM_MODEL / QAFLOW_LLM_PROVIDER."""
        s = settings()
        key = os.environ.get("OPENAI_API_KEY")
        base_url = os.environ.get("OPENAI_BASE_URL")
        provider = s.llm_provider or ("openai-compatible" if (key or base_url) else "offline")
        data: dict = {"provider": provider, "base_url": base_url}
        if key:
            data["api_key"] = SecretStr(key)
        if s.llm_model:
            data["model"] = s.llm_model
        return cls(**data)

    @property
    def offline(self) -> bool:
        return self.provider == "offline"

    def describe(self) -> str:
        """Endpoint and model for logs and errors; never the key."""
        if self.offline:
            return "offline provider"
        return f"{self.base_url or 'https://api.openai.com/v1'} (model {self.model})"


# The way in for callers: `from blocks.llm import complete_json, usage_totals`.
from blocks.llm_client import (  # noqa: E402
    LLMError,
    LLMInvalidAnswer,
    LLMRequestError,
    LLMUnavailable,
    circuit_open,
    complete_json,
    reset_circuits,
)
from blocks.llm_usage import LLMUsage, usage_scope, usage_totals  # noqa: E402

__all__ = [
    "LLMEndpoint",
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
