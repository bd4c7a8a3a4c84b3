"""Embedding: a local sentence-transformers model, loaded once per process and
always called from one long-lived worker thread."""

from tasks.embedding.encoder import Embedder, get_embedder, loaded_embedders
from tasks.embedding.model import DEFAULT_MODEL, ModelInfo, ModelNotFound, resolve_model

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "ModelInfo",
    "ModelNotFound",
    "get_embedder",
    "loaded_embedders",
    "resolve_model",
]
