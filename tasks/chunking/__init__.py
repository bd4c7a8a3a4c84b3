"""Chunking: token-aware pieces of a Document that keep their heading path,
file path and character offsets, with ids stable across runs."""

from tasks.chunking.chunker import (
    Chunk,
    ChunkerConfig,
    chunk_document,
    chunk_id,
    content_hash,
    default_config,
)
from tasks.chunking.tokens import TokenCounter, token_counter

__all__ = [
    "Chunk",
    "ChunkerConfig",
    "TokenCounter",
    "chunk_document",
    "chunk_id",
    "content_hash",
    "default_config",
    "token_counter",
]
