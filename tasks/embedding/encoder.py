"""One SentenceTransformer per process, and one thread that ever calls it.

torch keeps per-thread state (thread-local allocator caches, OpenMP pools), so
encoding from a fresh thread per task or per run grows the process for good.
Every `encode` here is handed to a single long-lived worker thread; callers
get a Future, which also lets the pipeline write batch N while batch N+1 is
being encoded.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from tasks.embedding.model import ModelInfo, resolve_model

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 32


class Embedder:
    """Encodes texts to normalised float32 vectors on its own worker thread."""

    def __init__(self, info: ModelInfo, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.info = info
        self.batch_size = batch_size
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qaflow-embed")
        self._model: Any = None
        self.load_seconds = 0.0
        self.encode_seconds = 0.0
        self.encoded = 0

    # -- runs on the worker thread -------------------------------------------------
    def _load(self) -> Any:
        if self._model is None:
            started = time.perf_counter()
            from sentence_transformers import SentenceTransformer  # ~6 s: only when embedding
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr per process

            self._model = SentenceTransformer(str(self.info.path), device="cpu")
            self.load_seconds = time.perf_counter() - started
            log.info("loaded embedding model %s in %.1f s", self.info.name, self.load_seconds)
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension_on_worker(model)), dtype=np.float32)
        started = time.perf_counter()
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.encode_seconds += time.perf_counter() - started
        self.encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    @staticmethod
    def dimension_on_worker(model: Any) -> int:
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    # -- callable from any thread ----------------------------------------------------
    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        """Queue `texts` for encoding on the worker thread."""
        return self._worker.submit(self._encode, list(texts))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encode and wait: shape (len(texts), dimension), rows of unit length."""
        return self.submit(texts).result()

    def load(self) -> None:
        """Load the model now (on the worker thread), e.g. before timing a benchmark."""
        self._worker.submit(self._load).result()

    @property
    def model(self) -> Any:
        """The SentenceTransformer itself (loaded on the worker); for benchmarks and tests."""
        return self._worker.submit(self._load).result()

    @property
    def worker_thread_ids(self) -> set[int]:
        """Idents of the threads that ever ran this embedder's work (always one)."""
        return {thread.ident for thread in self._worker._threads if thread.ident}

    def close(self) -> None:
        self._worker.shutdown(wait=True)


_embedders: dict[str, Embedder] = {}
_lock = threading.Lock()


def get_embedder(model: str | None = None) -> Embedder:
    """The process-wide Embedder for `model` (see resolve_model); created once."""
    info = resolve_model(model)
    with _lock:
        embedder = _embedders.get(str(info.path))
        if embedder is None:
            embedder = _embedders[str(info.path)] = Embedder(info)
        return embedder


def loaded_embedders() -> list[Embedder]:
    """The embedders this process has created (for status and tests)."""
    with _lock:
        return list(_embedders.values())
