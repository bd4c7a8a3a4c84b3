"""torch (sentence-transformers) vs ONNX Runtime on the same chunks, in one run;
and the pipeline's embed+upsert against raw encode.

    .venv/bin/python profiling/bench_rag_embed.py [--chunks 512] [--batch 128] [--pipeline]

The chunks come from generated Markdown through the real reader and chunker
(~200 tokens each). Prints, for each backend (torch; onnx, the default: the
fused graph with int8 weights; onnx-float: the fused float graph): the time
until the model is ready to encode (sentence-transformers' import and load vs
onnxruntime + tokenizers; the ONNX export and preparation, once per
QAFLOW_HOME, printed apart), raw chunks/s, the speed-up over torch (target
>= 1.8x for the default) and the cosine between its vectors and torch's.
onnx-float must match torch (lowest cosine >= 0.9999); int8 vectors differ
slightly by design, so its mean and lowest cosine are printed and its gate
is retrieval quality (profiling/bench_rag_quality.py). The backends take
turns slice by slice, so load from other processes on this shared machine
falls on all alike. `--pipeline` also times what a sync does per batch with
the default backend: encode on the embedding worker thread, then upsert into
a fresh embedded Chroma collection (target: >= 85% of raw).
"""

from __future__ import annotations

import argparse
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


def ready_in_new_process(backend: str) -> float:
    """Seconds from a new interpreter to the first vector (imports, load, one encode)."""
    import subprocess

    script = (
        "import time; t = time.perf_counter()\n"
        "from tasks.embedding import get_embedder\n"
        f"get_embedder(backend={backend!r}).encode(['warm'])\n"
        "print(time.perf_counter() - t)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=512)
    parser.add_argument("--batch", type=int, default=128, help="chunks per slice (one encode call)")
    parser.add_argument("--pipeline", action="store_true", help="also time embed+upsert against raw encode")
    args = parser.parse_args()

    import numpy as np

    from tasks.embedding import get_embedder, usable_cores

    work = Path(tempfile.mkdtemp(prefix="bench-rag-embed-"))
    chunks, config = build_chunks(work / "docs", args.chunks)
    texts = [c.embed_text(config) for c in chunks]
    tokens = [c.tokens for c in chunks]
    print(f"chunks: {len(chunks)}, mean tokens {np.mean(tokens):.0f}, usable cores {usable_cores()} "
          f"(machine shared with other jobs: compare within this run only)", flush=True)

    names = ("torch", "onnx", "onnx-float")
    onnx = get_embedder(backend="onnx")
    onnx.load()  # exports and prepares the graph first when this QAFLOW_HOME has none
    float_embedder = get_embedder(backend="onnx-float")
    float_embedder.load()
    print(f"onnx export and preparation (once per model and QAFLOW_HOME): {onnx.export_seconds:.1f} s "
          f"(+ {float_embedder.export_seconds:.1f} s float)", flush=True)
    for backend in names:
        print(f"ready to encode, new process, {backend}: {ready_in_new_process(backend):.2f} s", flush=True)
    torch_embedder = get_embedder(backend="torch")
    torch_embedder.load()
    print(f"load in this process: torch {torch_embedder.load_seconds:.2f} s, onnx {onnx.load_seconds:.2f} s "
          f"(incl. export {onnx.export_seconds:.1f} s), onnx-float {float_embedder.load_seconds:.2f} s", flush=True)
    models = {"torch": torch_embedder.model, "onnx": onnx.model, "onnx-float": float_embedder.model}
    for model in models.values():
        model.encode(texts[:32])  # warm-up

    seconds = dict.fromkeys(names, 0.0)
    cosines: dict[str, list] = {name: [] for name in names[1:]}
    for number, begin in enumerate(range(0, len(texts), args.batch)):
        batch = texts[begin : begin + args.batch]
        turn = number % len(names)
        vectors = {}
        for name in names[turn:] + names[:turn]:  # each backend first in turn
            t0 = time.perf_counter()
            vectors[name] = models[name].encode(batch)
            seconds[name] += time.perf_counter() - t0
        for name in cosines:
            cosines[name].append((vectors["torch"] * vectors[name]).sum(axis=1))
    rate = {name: len(texts) / value for name, value in seconds.items()}
    print("raw encode: " + ", ".join(f"{n} {rate[n]:.1f} chunks/s ({seconds[n]:.1f} s)" for n in names), flush=True)
    for name, target in (("onnx", "default, int8: target >= 1.8x"), ("onnx-float", "float")):
        cos = np.concatenate(cosines[name])
        print(f"{name} / torch: {rate[name] / rate['torch']:.2f}x ({target}); cosine to torch's vectors: "
              f"lowest {cos.min():.7f}, mean {cos.mean():.7f}", flush=True)
    lowest = float(np.concatenate(cosines["onnx-float"]).min())
    print(f"onnx-float lowest cosine {lowest:.7f} (target >= 0.9999); int8 is gated on retrieval quality "
          f"(bench_rag_quality.py)", flush=True)

    if args.pipeline:
        pipeline(work, chunks, texts, onnx)


def pipeline(work: Path, chunks: list, texts: list[str], embedder: object) -> None:
    """The default backend's embed+upsert per slice, against its raw encode."""
    from blocks.vectorstore import VectorStore
    from tasks.changes.index import chunk_metadata
    from tasks.vectorstore import ChromaStore, close_clients, release

    store = ChromaStore(VectorStore(path=str(work / "chroma"), collection="bench-embed"), embedder.info)
    model = embedder.model
    raw = encode = upsert = 0.0
    for begin in range(0, len(chunks), 128):
        batch, batch_texts = chunks[begin : begin + 128], texts[begin : begin + 128]
        t0 = time.perf_counter()
        model.encode(batch_texts)
        t1 = time.perf_counter()
        vectors = embedder.encode(batch_texts)
        t2 = time.perf_counter()
        store.upsert([c.id for c in batch], vectors, [c.text for c in batch], [chunk_metadata(c, None) for c in batch])
        t3 = time.perf_counter()
        raw, encode, upsert = raw + t1 - t0, encode + t2 - t1, upsert + t3 - t2
        release()
    assert store.count() == len(chunks)
    close_clients()
    print(f"pipeline embed+upsert ({embedder.backend}): {len(chunks) / (encode + upsert):.1f} chunks/s "
          f"(encode {encode:.1f} s, upsert {upsert:.1f} s) = {raw / (encode + upsert):.0%} of raw encode "
          f"(target >= 85%)", flush=True)


if __name__ == "__main__":
    main()
