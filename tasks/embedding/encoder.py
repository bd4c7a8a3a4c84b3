"""One embedding model per process and backend, and one thread that ever calls it.

torch keeps per-thread state (thread-local allocator caches, OpenMP pools), and
ONNX Runtime its own thread pool per session, so encoding from a fresh thread
per task or per run grows the process for good. Every `encode` here is handed
to a single long-lived worker thread; callers get a Future, which also lets
the pipeline write batch N while batch N+1 is being encoded.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from tasks.embedding.backends import Backend, load_backend, resolve_backend
from tasks.embedding.model import ModelInfo, resolve_model

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 32


class Embedder:
    """Encodes texts to normalised float32 vectors on its own worker thread."""

    def __init__(self, info: ModelInfo, batch_size: int = DEFAULT_BATCH_SIZE, backend: str | None = None) -> None:
        self.info = info
        self.backend: Backend = resolve_backend(backend)
        self.batch_size = batch_size
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qaflow-embed")
        self._model: Any = None
        self.load_seconds = 0.0
        self.export_seconds = 0.0
        self.encode_seconds = 0.0
        self.encoded = 0

    # -- runs on the worker thread -------------------------------------------------
    def _load(self) -> Any:
        if self._model is None:
            started = time.perf_counter()
            self._model = load_backend(self.backend, self.info, self.batch_size)
            self.load_seconds = time.perf_counter() - started
            self.export_seconds = self._model.export_seconds
            log.info(
                "loaded embedding model %s (%s) in %.2f s", self.info.name, self.backend, self.load_seconds
            )
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        model = self._load()
        if not texts:
            return np.zeros((0, model.dimension), dtype=np.float32)
        started = time.perf_counter()
        vectors = model.encode(texts)
        self.encode_seconds += time.perf_counter() - started
        self.encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

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
        """The loaded backend (TorchBackend or OnnxBackend), loaded on the worker."""
        return self._worker.submit(self._load).result()

    @property
    def dimension(self) -> int:
        return int(self.model.dimension)

    @property
    def worker_thread_ids(self) -> set[int]:
        """Idents of the threads that ever ran this embedder's work (always one)."""
        return {thread.ident for thread in self._worker._threads if thread.ident}

    def close(self) -> None:
        self._worker.shutdown(wait=True)


_embedders: dict[tuple[str, str], Embedder] = {}
_lock = threading.Lock()


def get_embedder(model: str | None = None, backend: str | None = None) -> Embedder:
    """The process-wide Embedder for `model` (see resolve_model) on `backend`
    (see resolve_backend: onnx unless asked otherwise); created once."""
    info = resolve_model(model)
    name = resolve_backend(backend)
    with _lock:
        key = (str(info.path), name)
        embedder = _embedders.get(key)
        if embedder is None:
            embedder = _embedders[key] = Embedder(info, backend=name)
        return embedder


def loaded_embedders() -> list[Embedder]:
    """The embedders this process has created (for status and tests)."""
    with _lock:
        return list(_embedders.values())
