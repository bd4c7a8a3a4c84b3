"""Raw `model.encode` vs the pipeline's embed+upsert, on the same chunks, in one run.

    .venv/bin/python profiling/bench_rag_embed.py [--chunks 5000] [--threads-sweep]

The chunks come from generated Markdown through the real reader and chunker.
"raw" is SentenceTransformer.encode on the calling thread (batch 32,
normalised). "pipeline" is what a sync does per batch: hand the batch to the
embedding worker thread, then upsert vectors, documents and metadata into a
fresh embedded Chroma collection in slices. The two take turns slice by
slice (fair on a shared, noisy CPU). Target: pipeline >= 85% of raw.
`--threads-sweep` also times raw encode with 1 and 2 torch threads, and says
whether sentence-transformers' ONNX backend could run offline here.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.environment import apply_defaults

apply_defaults()


def build_chunks(root: Path, count: int) -> list:
    from rag_corpus import make_corpus

    from tasks.chunking import chunk_document, default_config, token_counter
    from tasks.documents import extract
    from tasks.embedding import resolve_model

    info = resolve_model()
    counter = token_counter(str(info.path))
    config = default_config(info.max_seq_length, counter.special_tokens)
    chunks = []
    files = make_corpus(root, files=count // 4 + 1, sections=4, sentences=9, seed=11)
    for path in files:
        chunks.extend(chunk_document(extract(path), path.as_posix(), config, counter))
        if len(chunks) >= count:
            break
    return chunks[:count], config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=128, help="chunks per pipeline batch (one encode call)")
    parser.add_argument("--threads-sweep", action="store_true")
    args = parser.parse_args()

    import numpy as np
    import torch

    from blocks.vectorstore import VectorStore
    from tasks.changes.index import chunk_metadata
    from tasks.chunking.chunker import Chunk
    from tasks.embedding import get_embedder
    from tasks.vectorstore import ChromaStore, close_clients, release

    work = Path(tempfile.mkdtemp(prefix="bench-rag-embed-"))
    chunks, config = build_chunks(work / "docs", args.chunks)
    texts = [c.embed_text(config) for c in chunks]
    tokens = [c.tokens for c in chunks]
    print(f"chunks: {len(chunks)}, mean tokens {np.mean(tokens):.0f}, torch threads {torch.get_num_threads()}, "
          f"cpus {os.cpu_count()}", flush=True)

    embedder = get_embedder()
    started = time.perf_counter()
    model = embedder.model  # loaded on the worker thread
    print(f"model load: {time.perf_counter() - started:.1f} s", flush=True)
    model.encode(texts[:64], batch_size=32, normalize_embeddings=True, show_progress_bar=False)  # warm-up
    embedder.encode(texts[:64])  # and the worker thread

    # Raw and pipeline take turns on each slice of the same chunks, so CPU contention
    # from other processes (this machine is shared) falls on both alike.
    store = ChromaStore(VectorStore(path=str(work / "chroma"), collection="bench-embed"), embedder.info)
    raw_seconds = encode_seconds = upsert_seconds = 0.0

    def run_raw(texts: list[str]) -> float:
        t0 = time.perf_counter()
        model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return time.perf_counter() - t0

    def run_pipeline(batch: list[Chunk], texts: list[str]) -> tuple[float, float]:
        t0 = time.perf_counter()
        vectors = embedder.encode(texts)  # on the embedding worker thread
        t1 = time.perf_counter()
        store.upsert([c.id for c in batch], vectors, [c.text for c in batch], [chunk_metadata(c, None) for c in batch])
        return t1 - t0, time.perf_counter() - t1

    for number, begin in enumerate(range(0, len(chunks), args.batch)):
        batch: list[Chunk] = chunks[begin : begin + args.batch]
        batch_texts = [c.embed_text(config) for c in batch]
        # alternate which goes first, so a burst of load elsewhere does not favour one side
        if number % 2 == 0:
            raw_seconds += run_raw(batch_texts)
            encode, upsert = run_pipeline(batch, batch_texts)
        else:
            encode, upsert = run_pipeline(batch, batch_texts)
            raw_seconds += run_raw(batch_texts)
        encode_seconds += encode
        upsert_seconds += upsert
        release()
        done = min(begin + args.batch, len(chunks))
        if (number + 1) % 4 == 0:
            print(f"  {done} chunks: raw {raw_seconds:.0f} s, pipeline {encode_seconds + upsert_seconds:.0f} s",
                  flush=True)
    pipeline_seconds = encode_seconds + upsert_seconds
    assert store.count() == len(chunks)
    close_clients()
    ratio = raw_seconds / pipeline_seconds
    print(f"raw encode: {raw_seconds:.1f} s, {len(chunks) / raw_seconds:.1f} chunks/s", flush=True)
    print(
        f"pipeline embed+upsert: {pipeline_seconds:.1f} s, {len(chunks) / pipeline_seconds:.1f} chunks/s "
        f"(encode on the worker {encode_seconds:.1f} s, upsert {upsert_seconds:.1f} s)",
        flush=True,
    )
    print(f"pipeline / raw throughput: {ratio:.1%} (target >= 85%)", flush=True)

    if args.threads_sweep:
        sample = texts[:500]
        for threads in (1, 2):
            torch.set_num_threads(threads)
            t0 = time.perf_counter()
            model.encode(sample, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
            print(f"raw encode, torch threads={threads}: {len(sample) / (time.perf_counter() - t0):.1f} chunks/s")
        import importlib.util

        onnx = all(importlib.util.find_spec(m) for m in ("onnxruntime", "optimum"))
        has_onnx_file = any((embedder.info.path / "onnx").glob("*.onnx")) if (embedder.info.path / "onnx").is_dir() else False
        print(f"ONNX backend: optimum installed={bool(importlib.util.find_spec('optimum'))}, "
              f"onnx weights in the model folder={has_onnx_file} -> {'possible' if onnx and has_onnx_file else 'not available offline'}")


if __name__ == "__main__":
    main()
