"""Embedding: a local model (all-MiniLM-L6-v2 by default) run by ONNX Runtime,
or by sentence-transformers as the reference, loaded once per process and
always called from one long-lived worker thread."""

from tasks.embedding.backends import (
    BACKENDS,
    DEFAULT_BACKEND,
    UnknownBackend,
    backend_for_version,
    resolve_backend,
    usable_cores,
    vectors_model,
    vectors_version,
)
from tasks.embedding.encoder import Embedder, get_embedder, loaded_embedders
from tasks.embedding.model import DEFAULT_MODEL, ModelInfo, ModelNotFound, resolve_model

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "DEFAULT_MODEL",
    "Embedder",
    "ModelInfo",
    "ModelNotFound",
    "UnknownBackend",
    "backend_for_version",
    "get_embedder",
    "loaded_embedders",
    "resolve_backend",
    "resolve_model",
    "usable_cores",
    "vectors_model",
    "vectors_version",
]
