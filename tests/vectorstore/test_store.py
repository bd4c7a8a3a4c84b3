"""The Chroma store on a real embedded Chroma, the writer lock and memory release."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from blocks.vectorstore import VectorStore
from tasks.embedding import resolve_model
from tasks.vectorstore import (
    ChromaStore,
    SyncBusy,
    client_for,
    close_clients,
    limit_name,
    malloc_trim,
    open_client_count,
    writer_lock,
)
from tasks.vectorstore.embedding_function import NAME


@pytest.fixture
def block(tmp_path: Path) -> VectorStore:
    yield VectorStore(path=str(tmp_path / "chroma"), collection="test-docs")
    close_clients()


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _write(store: ChromaStore, path: str, n: int, seed: int = 0) -> list[str]:
    ids = [f"{path}-{i}" for i in range(n)]
    store.upsert(ids, _vectors(n, seed), [f"text {i} of {path}" for i in range(n)], [{"path": path, "index": i} for i in range(n)])
    return ids


class _Recorder:
    """Wraps a Collection and records the size of each write."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if name in {"upsert", "delete", "add"}:
            def record(**kwargs: Any) -> Any:
                self.calls.append((name, len(kwargs.get("ids") or [])))
                return attribute(**kwargs)
            return record
        return attribute


def test_collection_uses_our_embedding_function_and_cosine(block: VectorStore) -> None:
    store = ChromaStore(block, resolve_model())
    collection = store.collection
    config = collection.configuration_json
    assert config["embedding_function"]["name"] == NAME
    assert collection.metadata["qaflow_model"] == "all-MiniLM-L6-v2"
    assert store.count() == 0


def test_writes_go_out_in_slices_of_the_max_batch(block: VectorStore) -> None:
    store = ChromaStore(block, resolve_model())
    assert store.max_batch == client_for(block).get_max_batch_size() > 0
    recorder = _Recorder(store.collection)
    store._collection = recorder
    store._max_batch = 7
    ids = _write(store, "/d/a.md", 20)
    store.delete(ids[:15])
    assert recorder.calls == [("upsert", 7), ("upsert", 7), ("upsert", 6), ("delete", 7), ("delete", 7), ("delete", 1)]
    assert store.count() == 5


def test_ids_by_path_and_delete_by_path(block: VectorStore) -> None:
    store = ChromaStore(block, resolve_model())
    a = _write(store, "/d/a.md", 3)
    b = _write(store, "/d/b.md", 2, seed=1)
    _write(store, "/d/c.md", 1, seed=2)
    assert store.ids_by_path() == {"/d/a.md": set(a), "/d/b.md": set(b), "/d/c.md": {"/d/c.md-0"}}
    store.delete_paths(["/d/a.md", "/d/c.md"])
    assert store.ids_by_path() == {"/d/b.md": set(b)}


def test_reopened_store_finds_our_function_and_queries(block: VectorStore) -> None:
    from tasks.embedding import get_embedder

    store = ChromaStore(block, resolve_model())
    texts = ["Tokens expire after one hour.", "Orders are shipped in two days.", "Refunds take a week."]
    vectors = get_embedder().encode(texts)
    store.upsert(["t", "o", "r"], vectors, texts, [{"path": f"/d/{i}.md", "heading": "H"} for i in "tor"])
    close_clients()
    assert open_client_count() == 0
    reopened = ChromaStore.existing(block)
    assert reopened is not None and reopened.model.name == "all-MiniLM-L6-v2"
    hits = reopened.query(get_embedder().encode(["when does my token expire"])[0], k=2)
    assert hits[0].chunk_id == "t" and hits[0].path == "/d/t.md" and 0 < hits[0].score <= 1
    assert hits[0].score > hits[1].score
    # query_texts works too: Chroma rebuilds our registered function from the collection config
    found = reopened.collection.query(query_texts=["shipping time"], n_results=1)
    assert found["ids"][0] == ["o"]
    assert [h.path for h in reopened.query(vectors[0], k=3, where={"path": "/d/r.md"})] == ["/d/r.md"]


def test_existing_never_creates(block: VectorStore) -> None:
    assert ChromaStore.existing(block) is None
    assert ChromaStore.existing(block) is None


def test_a_collection_of_another_model_is_recreated(block: VectorStore) -> None:
    info = resolve_model()
    store = ChromaStore(block, info)
    _write(store, "/d/a.md", 2)
    other = type(info)(name=info.name, path=info.path, version="other-version", max_seq_length=256)
    fresh = ChromaStore(block, other)
    assert fresh.count() == 0
    assert fresh.collection.metadata["qaflow_model_version"] == "other-version"


def test_one_client_per_location(block: VectorStore, tmp_path: Path) -> None:
    first = client_for(block)
    assert client_for(VectorStore(path=block.path, collection="other-coll")) is first
    assert client_for(VectorStore(path=str(tmp_path / "chroma2"))) is not first
    assert open_client_count() == 2
    assert close_clients() == 2


def test_writer_lock_makes_the_second_writer_wait(block: VectorStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QAFLOW_RAG_PREFECT_LIMIT", "0")
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with writer_lock(block):
            order.append("first in")
            held.set()
            time.sleep(1.0)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(10)
    with pytest.raises(SyncBusy, match="another sync holds"), writer_lock(block, timeout=0.2):
        pass
    with writer_lock(block) as waited:
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]
    assert waited > 0.3


def test_prefect_limit_is_taken(block: VectorStore, prefect_api: None) -> None:
    from prefect.concurrency.sync import concurrency

    from tasks.vectorstore.lock import _ensure_limit, prefect_limits_enabled

    assert prefect_limits_enabled()
    name = limit_name(block)
    _ensure_limit(name)
    held = concurrency(name, occupy=1, strict=True)
    with held, pytest.raises(SyncBusy, match="Prefect limit"), writer_lock(block, timeout=1):
        pass
    with writer_lock(block, timeout=30):
        pass  # free again once released


def test_malloc_trim_is_available() -> None:
    assert malloc_trim() in (True, False)
    from tasks.vectorstore.release import _libc

    assert hasattr(_libc(), "malloc_trim")


def test_no_prefect_limit_with_an_api_that_dies_with_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.prefect_api import _temporary, temporary_api_url
    from tasks.vectorstore.lock import prefect_limits_enabled

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert prefect_limits_enabled(temporary_api_url())
        monkeypatch.setattr(_temporary, "url", "http://127.0.0.1:4200/api")
        # the CLI's own temporary server, as the rag-sync flow passes it to writer_lock
        assert not prefect_limits_enabled(temporary_api_url())
        monkeypatch.setattr(_temporary, "url", None)
        monkeypatch.setenv("QAFLOW_RAG_PREFECT_LIMIT", "0")
        assert not prefect_limits_enabled(temporary_api_url())
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        monkeypatch.delenv("QAFLOW_RAG_PREFECT_LIMIT")
        assert not prefect_limits_enabled()  # Prefect's ephemeral API


ARENA_PROBE = r"""
import ctypes, re, sys, tempfile, threading
from tasks.environment import limit_malloc_arenas

applied = limit_malloc_arenas(2) if sys.argv[1] == "capped" else None
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fclose.argtypes = [ctypes.c_void_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
barrier = threading.Barrier(8)

def work():
    block = libc.malloc(4096)  # each thread allocates while all 8 are alive at once
    barrier.wait()

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    handle = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, handle)
    libc.fclose(handle)
    heaps = len(re.findall(r'<heap nr="', open(out.name).read()))
print(applied, heaps)
"""


@pytest.mark.parametrize("mode", ["capped", "default"])
def test_limit_malloc_arenas_caps_a_fresh_process(mode: str, tmp_path: Path) -> None:
    """`rag watch` caps glibc's arenas (issue 4): 8 concurrent threads share 2 arenas,
    where the default gives them arenas of their own."""
    import os
    import subprocess
    import sys

    from tasks.settings import project_root

    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", ARENA_PROBE, mode], capture_output=True, text=True,
                          cwd=project_root(), env=env, timeout=120, check=True)
    applied, heaps = done.stdout.split()
    if mode == "capped":
        assert applied == "True" and int(heaps) <= 2
    else:
        assert int(heaps) > 2


def test_limit_malloc_arenas_leaves_a_user_setting_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.environment import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
