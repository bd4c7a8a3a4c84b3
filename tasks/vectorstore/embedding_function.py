"""Our Chroma embedding function: the same local model the pipeline embeds with.

A collection created without one gets Chroma's default, which downloads an
ONNX model and fails offline. Registered by name, so a collection reopened in
another process (or `query_texts`) finds it, as long as this module was
imported first (tasks.vectorstore imports it).
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from tasks.embedding import DEFAULT_MODEL, get_embedder

NAME = "qaflow-sentence-transformers"


@register_embedding_function
class QaflowEmbeddingFunction(EmbeddingFunction[Documents]):
    """Normalised vectors of the local model (ONNX Runtime by default, sentence-transformers
    as the reference; the registered name predates the ONNX backend and stays, since stored
    collections name it), computed on the process's embedding thread."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.model = model

    def __call__(self, input: Documents) -> Embeddings:
        return list(get_embedder(self.model).encode(list(input)))

    @staticmethod
    def name() -> str:
        return NAME

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> QaflowEmbeddingFunction:
        return QaflowEmbeddingFunction(config.get("model") or DEFAULT_MODEL)

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        return None
