"""Full index vs incremental re-syncs of 500 generated Markdown files (~1,500 chunks).

    .venv/bin/python profiling/bench_rag_incremental.py [--files 500] [--changed 5]

Runs the real `rag_sync` flow (ephemeral Prefect API unless PREFECT_API_URL is
set) on a fresh QAFLOW_HOME. The model is loaded before the timings (its load
is printed apart), the Prefect API is started by a warm-up run on an empty
folder. Prints: full index time, a re-sync with nothing changed (0
embeddings), a re-sync after changing N files (target <= 5% of the full
index time), and the chunks/s the pipeline reached. Then a long page (~40
chunks) is indexed and one paragraph in its middle is edited: the re-sync
embeds only the chunks that paragraph touched (target <= 2), the other
chunks keep their vectors.
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
    parser.add_argument("--long-page-only", action="store_true", help="only the one-paragraph edit")
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

    def timed(label: str, folder: Path = docs) -> tuple[float, dict]:
        t0 = time.perf_counter()
        counts = rag_sync(source_dir=str(folder)).model_dump()
        seconds = time.perf_counter() - t0
        print(
            f"{label}: {seconds:.2f} s  (added {counts['added']}, changed {counts['changed']}, "
            f"unchanged {counts['unchanged']}, embedded {counts['embedded']}, reused {counts['reused']}, "
            f"chunks written {counts['chunks_written']}, kept {counts['chunks_kept']}, "
            f"deleted {counts['chunks_deleted']}, embed {counts['embed_seconds']} s, "
            f"peak RSS {counts['peak_rss_mib']} MiB)",
            flush=True,
        )
        assert counts["embedded"] + counts["reused"] == counts["chunks_written"] + counts["chunks_kept"]
        return seconds, counts

    long_page(WORK / "long", timed)
    if args.long_page_only:
        return

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


def long_page(folder: Path, timed: object) -> None:
    """A ~40-chunk page, then one paragraph of it edited: chunks embedded by the re-sync."""
    rng = random.Random(5)
    from rag_corpus import markdown

    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "long.md"
    page.write_text(markdown(rng, "A long page", sections=40, sentences=6), encoding="utf-8")
    _, first = timed("long page, first sync", folder)
    lines = page.read_text(encoding="utf-8").split("\n")
    paragraphs = [i for i, line in enumerate(lines) if line.startswith("The ")]
    middle = paragraphs[len(paragraphs) // 2]
    lines[middle] = lines[middle].replace("The ", "Edited: the ", 1)
    page.write_text("\n".join(lines), encoding="utf-8")
    _, edited = timed("long page, one paragraph edited", folder)
    print(f"one-paragraph edit of a {first['chunks_written']}-chunk page: {edited['embedded']} chunk(s) embedded, "
          f"{edited['reused']} vectors reused (target <= 2 embedded)", flush=True)


if __name__ == "__main__":
    main()
