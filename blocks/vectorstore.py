"""Where the rag index lives: an embedded Chroma folder or a Chroma server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr

from blocks.base import QaflowBlock
from tasks.paths import CHROMA, state_dir
from tasks.settings import settings


class VectorStore(QaflowBlock):
    """Chroma, embedded (`path`) or as a server (`host`, `port`, `ssl`, `headers`)."""

    _block_type_name = "qaflow Vector Store"
    _block_type_slug = "qaflow-vector-store"
    _description = "Chroma store for the qaflow rag index: embedded folder or server."

    mode: Literal["embedded", "server"] = Field(default="embedded", description="embedded or server")
    path: str | None = Field(
        default=None, description="Embedded Chroma folder; default QAFLOW_HOME/chroma."
    )
    host: str | None = Field(default=None, description="Chroma server host (server mode).")
    port: int = Field(default=8000, description="Chroma server port (server mode).")
    ssl: bool = Field(default=False, description="Use HTTPS for the Chroma server.")
    headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="Extra headers for the server, e.g. an auth token."
    )
    collection: str = Field(default="qaflow-docs", min_length=3, max_length=512)
    embedding_backend: Literal["onnx", "onnx-float", "torch"] | None = Field(
        default=None,
        description="onnx (ONNX Runtime, int8 weights: the fastest), onnx-float (ONNX Runtime, torch's numbers) "
        "or torch (sentence-transformers, the reference); empty: QAFLOW_EMBEDDING_BACKEND, else onnx.",
    )

    @classmethod
    def from_env(cls) -> Self:
        s = settings()
        if s.chroma_host:
            return cls(mode="server", host=s.chroma_host, port=s.chroma_port or 8000)
        return cls(path=str(s.chroma_path) if s.chroma_path else None)

    def local_path(self) -> Path:
        """The embedded store's folder (created), resolved against QAFLOW_HOME."""
        if self.path:
            path = Path(os.path.expanduser(self.path)).resolve()
            path.mkdir(parents=True, exist_ok=True)
            return path
        return state_dir(*CHROMA)

    def describe(self) -> str:
        """Where the store is, for logs and summaries (no secrets)."""
        if self.mode == "server":
            scheme = "https" if self.ssl else "http"
            return f"{scheme}://{self.host}:{self.port} [{self.collection}]"
        return f"{self.local_path()} [{self.collection}]"
