"""The real all-MiniLM-L6-v2, loaded once per process, encoding on one thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from tasks.embedding import DEFAULT_MODEL, ModelNotFound, get_embedder, resolve_model


def test_bundled_model_resolves_offline_without_loading() -> None:
    info = resolve_model()
    assert info.name == DEFAULT_MODEL
    assert (info.path / "modules.json").is_file()
    assert info.max_seq_length == 256
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == info
    assert len(info.version) == 16


def test_a_local_path_is_a_model_and_a_hub_name_is_refused(tmp_path: Path) -> None:
    path = resolve_model().path
    assert resolve_model(str(path)).path == path
    with pytest.raises(ModelNotFound, match="not a local sentence-transformers folder"):
        resolve_model("BAAI/bge-small-en-v1.5")
    with pytest.raises(ModelNotFound):
        resolve_model(str(tmp_path))


def test_vectors_are_normalised_and_similar_texts_are_close() -> None:
    embedder = get_embedder()
    vectors = embedder.encode(
        ["The token expires after one hour.", "Access tokens are valid for sixty minutes.", "Bananas are yellow."]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.encode([]).shape == (0, 384)


def test_one_model_per_process_and_one_worker_thread() -> None:
    embedder = get_embedder()
    assert get_embedder(str(resolve_model().path)) is embedder
    model = embedder.model
    callers = []

    def work() -> None:
        callers.append(threading.get_ident())
        embedder.encode([f"text from thread {threading.get_ident()}"] * 3)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    embedder.encode(["and from the main thread"])
    assert len(embedder.worker_thread_ids) == 1
    assert not embedder.worker_thread_ids & set(callers)
    assert embedder.model is model  # never reloaded


def test_batches_match_single_encodes() -> None:
    embedder = get_embedder()
    texts = [f"Requirement {i}: the service answers within {i * 10} ms." for i in range(40)]
    together = embedder.encode(texts)
    alone = np.vstack([embedder.encode([text]) for text in texts[:3]])
    assert np.allclose(together[:3], alone, atol=1e-5)
