"""First sync of ~1,300 chunks, per embedding backend, in one command.

    .venv/bin/python profiling/bench_rag_sync.py [--files 330] [--corpus DIR]
        [--backends onnx-float,onnx] [--rounds 1]

The corpus is generated Markdown (profiling/rag_corpus.py: ~4 chunks of
~200 tokens per file, 330 files ~ 1,300 chunks), or any folder given with
`--corpus` (e.g. the FastAPI docs of bench_rag_quality.py). Each backend syncs
the same files into its own fresh store, as `qaflow rag sync` does it (one
flow run: detect, chunk, embed on the embedding thread, upsert, lexical index,
manifest); the model is loaded before the clock starts, so the figure is the
sync itself (target: ~1,300 chunks <= 40 s on 2 cores). With `--rounds 2`
the backends take turns twice (A B A B), so load from other processes on a
shared machine falls on all alike; the best round is printed with the others.

Backends: onnx (the default: fused graph, int8 weights), onnx-float (fused
float graph, torch's numbers), torch (sentence-transformers, the reference;
slow, add it when you want the old figure).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.environment import apply_defaults

apply_defaults()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=330, help="generated files (~4 chunks each)")
    parser.add_argument("--corpus", type=Path, help="sync this folder instead of a generated one")
    parser.add_argument("--backends", default="onnx-float,onnx", help="comma-separated, in turn")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="qaflow-bench-sync-"))
    os.environ.setdefault("QAFLOW_HOME", str(work / "home"))
    os.environ.pop("QAFLOW_CHROMA_HOST", None)
    if args.corpus:
        source = args.corpus.resolve()
    else:
        from rag_corpus import make_corpus

        source = work / "docs"
        make_corpus(source, files=args.files, sections=4, sentences=9, seed=11)

    from flows.rag import rag_sync
    from tasks.embedding import get_embedder, resolve_backend, usable_cores
    from tasks.vectorstore import close_clients

    backends = [resolve_backend(name) for name in args.backends.split(",") if name.strip()]
    for backend in backends:
        embedder = get_embedder(backend=backend)
        embedder.load()  # export/preparation and load are not part of the sync's figure
        print(f"{backend}: ready in {embedder.load_seconds:.2f} s (export and preparation "
              f"{embedder.export_seconds:.1f} s, once per QAFLOW_HOME)", flush=True)
    print(f"usable cores {usable_cores()}; load average {os.getloadavg()[0]:.1f} "
          f"(machine shared with other jobs: compare within this run only)", flush=True)

    results: dict[str, list[float]] = {backend: [] for backend in backends}
    for round_number in range(args.rounds):
        for backend in backends:
            store = work / f"chroma-{backend}-{round_number}"
            os.environ["QAFLOW_CHROMA_PATH"] = str(store)
            counts = rag_sync(source_dir=str(source), store="", embedding_backend=backend).model_dump()
            close_clients()
            seconds, chunks = counts["seconds"], counts["chunks_written"]
            results[backend].append(seconds)
            print(f"first sync, {backend}, round {round_number + 1}: {counts['added']} files, {chunks} chunks in "
                  f"{seconds:.1f} s ({chunks / seconds:.1f} chunks/s; embed {counts['embed_seconds']:.1f} s, "
                  f"{counts['embedded']} embedded); load average {os.getloadavg()[0]:.1f}", flush=True)
            shutil.rmtree(store, ignore_errors=True)
            shutil.rmtree(store.parent / f"{store.name}-manifests", ignore_errors=True)
    best = {backend: min(times) for backend, times in results.items()}
    print("first sync, best round: " + ", ".join(f"{b} {s:.1f} s" for b, s in best.items())
          + " (target <= 40 s for ~1,300 chunks on 2 cores)", flush=True)
    if len(backends) > 1:
        base = backends[0]
        print("vs " + base + ": " + ", ".join(f"{b} {best[base] / s:.2f}x" for b, s in best.items() if b != base),
              flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
