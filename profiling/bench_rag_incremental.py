"""Full index vs incremental re-syncs of 500 generated Markdown files (~1,500 chunks).

    .venv/bin/python profiling/bench_rag_incremental.py [--files 500] [--changed 5]

Runs the real `rag_sync` flow (ephemeral Prefect API unless PREFECT_API_URL is
set) on a fresh QAFLOW_HOME. The model is loaded before the timings (its load
is printed apart), the Prefect API is started by a warm-up run on an empty
folder. Prints: full index time, a re-sync with nothing changed (0
embeddings), a re-sync after changing N files (target <= 5% of the full
index time), and the chunks/s the pipeline reached.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORK = Path(tempfile.mkdtemp(prefix="bench-rag-incremental-"))
os.environ.setdefault("QAFLOW_HOME", str(WORK / "home"))
os.environ.setdefault("PREFECT_HOME", str(WORK / "prefect-home"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")

from tasks.environment import apply_defaults  # noqa: E402

apply_defaults()

from flows.prefect_api import start_api  # noqa: E402

start_api()  # the ephemeral API, started before the heavy imports (a server process of its own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--changed", type=int, default=5)
    args = parser.parse_args()

    from rag_corpus import edit, make_corpus

    from flows.rag import rag_sync
    from tasks.embedding import get_embedder

    docs = WORK / "docs"
    paths = make_corpus(docs, args.files)
    (WORK / "empty").mkdir()

    started = time.perf_counter()
    get_embedder().load()
    print(f"model load: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    rag_sync(source_dir=str(WORK / "empty"))
    print(f"warm-up run (Prefect API start): {time.perf_counter() - started:.1f} s", flush=True)

    def timed(label: str) -> tuple[float, dict]:
        t0 = time.perf_counter()
        counts = rag_sync(source_dir=str(docs))
        seconds = time.perf_counter() - t0
        print(
            f"{label}: {seconds:.2f} s  (added {counts['added']}, changed {counts['changed']}, "
            f"unchanged {counts['unchanged']}, embedded {counts['embedded']}, chunks written "
            f"{counts['chunks_written']}, deleted {counts['chunks_deleted']}, embed {counts['embed_seconds']} s, "
            f"peak RSS {counts['peak_rss_mb']} MB)",
            flush=True,
        )
        return seconds, counts

    full, counts = timed(f"full index of {args.files} files")
    print(f"  pipeline: {counts['embedded'] / full:.1f} chunks/s end to end, "
          f"{counts['embedded'] / max(counts['embed_seconds'], 1e-9):.1f} chunks/s in encode", flush=True)
    nothing, counts = timed("re-sync, nothing changed")
    assert counts["embedded"] == 0
    rng = random.Random(3)
    for path in rng.sample(paths, args.changed):
        edit(path, rng)
    changed, counts = timed(f"re-sync, {args.changed} files changed")
    assert counts["changed"] == args.changed
    print(f"no-change re-sync = {nothing / full:.1%} of full; {args.changed}-file re-sync = "
          f"{changed / full:.1%} of full (target <= 5%)", flush=True)


if __name__ == "__main__":
    main()
