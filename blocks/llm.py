"""The `LLMEndpoint` block: which LLM qaflow asks, and how.

`offline` is the built-in deterministic provider (no network); any
OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, LM Studio) works by
pointing `base_url` at it. The client that asks it (`complete_json`, the
answer cache and the usage ledger) is `tasks.llm`: blocks hold configuration.
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


__all__ = ["LLMEndpoint"]
