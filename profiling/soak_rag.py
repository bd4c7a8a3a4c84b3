"""The leak that killed the old server: hundreds of sync cycles in one process.

    .venv/bin/python profiling/soak_rag.py [--cycles 300] [--server] [--plain] [--default-arenas]

Each cycle adds, changes, renames and deletes a few files of a generated
Markdown folder and runs one sync exactly as `qaflow rag watch` does: the
process has glibc's malloc arenas capped (`limit_malloc_arenas()`, first
thing), and each sync is `flows.rag.cli_sync()` (the `rag_sync` flow in this
process with heartbeats off, then gc + malloc_trim). `--plain` runs the same steps without
Prefect; `--default-arenas` leaves glibc's arenas as they are (the process
before issue 4's fix, for comparison). After every cycle it samples this
process's RSS (tasks.memory, MiB) and open file descriptors. Prints the RSS
slope (least squares, MiB per cycle, from cycle 20) and the growth from cycle
20 to the last (target <= 28.6 MiB, i.e. 30 MB), and checks at the end that store ==
manifest == files. `--server` runs Chroma as a server (`chroma run` on
127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORK = Path(tempfile.mkdtemp(prefix="soak-rag-"))
os.environ.setdefault("QAFLOW_HOME", str(WORK / "home"))
os.environ.setdefault("PREFECT_HOME", str(WORK / "prefect-home"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")

from tasks.environment import apply_defaults  # noqa: E402

apply_defaults()

from flows.local_server import free_port  # noqa: E402
from flows.prefect_api import start_api  # noqa: E402
from tasks.environment import limit_malloc_arenas  # noqa: E402

if "--default-arenas" not in sys.argv:
    limit_malloc_arenas()  # as `qaflow rag watch` does, before any thread starts
start_api()  # the ephemeral API, started before the heavy imports (a server process of its own)

from flows.rag import cli_sync  # noqa: E402  (imports Prefect: after start_api, as the CLI does)


def start_chroma(path: Path) -> tuple[subprocess.Popen, int]:
    import httpx

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma run did not become ready in 60 s")


def slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--files", type=int, default=40, help="files in the folder at the start")
    parser.add_argument("--server", action="store_true", help="Chroma as a server (chroma run)")
    parser.add_argument("--plain", action="store_true", help="without Prefect (RagIndex steps directly)")
    parser.add_argument("--default-arenas", action="store_true",
                        help="without `rag watch`'s malloc arena cap (for comparison)")
    args = parser.parse_args()

    from rag_corpus import edit, make_corpus, markdown

    from tasks.memory import rss_mib

    chroma_proc = None
    if args.server:
        chroma_proc, port = start_chroma(WORK / "chroma-server")
        os.environ["QAFLOW_CHROMA_HOST"] = "127.0.0.1"
        os.environ["QAFLOW_CHROMA_PORT"] = str(port)
        print(f"chroma server on 127.0.0.1:{port} (pid {chroma_proc.pid})", flush=True)

    docs = WORK / "docs"
    make_corpus(docs, args.files, sections=1, sentences=3)
    rng = random.Random(5)
    serial = args.files

    def sync() -> dict:
        if args.plain:
            return plain_sync(docs)
        return cli_sync(docs, store="").model_dump()  # what `rag watch` runs per burst of changes

    def mutate() -> None:
        nonlocal serial
        files = sorted(docs.glob("*.md"))
        for _ in range(2):  # add
            (docs / f"doc-{serial:04d}.md").write_text(markdown(rng, f"Document {serial}", 1, 3))
            serial += 1
        for path in rng.sample(files, 2):  # change
            edit(path, rng)
        *victims, moved = rng.sample([f for f in files if f.exists()], 3)
        moved.rename(docs / f"doc-{serial:04d}.md")  # rename
        serial += 1
        for victim in victims:  # delete as many as were added: the folder keeps its size
            victim.unlink()

    rss: list[float] = []
    fds: list[int] = []
    started = time.perf_counter()
    try:
        first = sync()
        print(f"initial index: {first['embedded']} chunks in {first['seconds']} s", flush=True)
        for cycle in range(1, args.cycles + 1):
            mutate()
            counts = sync()
            rss.append(rss_mib())
            fds.append(len(os.listdir("/proc/self/fd")))
            if cycle == 1 or cycle % 10 == 0:
                print(
                    f"cycle {cycle:4d}: rss {rss[-1]:7.1f} MiB, fds {fds[-1]:4d}, "
                    f"+{counts['added']} ~{counts['changed']} >{counts['renamed']} -{counts['deleted']}, "
                    f"embedded {counts['embedded']}, {counts['seconds']} s",
                    flush=True,
                )
        check = check_in_step(docs)
    finally:
        if chroma_proc is not None:
            os.killpg(chroma_proc.pid, signal.SIGTERM)
            chroma_proc.wait(30)
    base = min(20, len(rss)) - 1
    xs = list(range(base + 1, len(rss) + 1))
    mib = rss
    print(f"\ncycles: {len(rss)} in {time.perf_counter() - started:.0f} s ({'server' if args.server else 'embedded'} "
          f"Chroma, {'plain' if args.plain else 'flow as rag watch runs it'}, "
          f"{'default malloc arenas' if args.default_arenas else 'malloc arenas capped'})")
    print(f"RSS: cycle 1 {mib[0]:.1f} MiB, cycle {base + 1} {mib[base]:.1f} MiB, last {mib[-1]:.1f} MiB, "
          f"max {max(mib):.1f} MiB")
    print(f"RSS growth cycle {base + 1} -> {len(rss)}: {mib[-1] - mib[base]:+.1f} MiB (target <= 28.6 MiB = 30 MB); "
          f"mean of last 10 - mean of cycles {base + 1}-{base + 10}: "
          f"{sum(mib[-10:]) / len(mib[-10:]) - sum(mib[base:base + 10]) / len(mib[base:base + 10]):+.1f} MiB")
    print(f"RSS slope from cycle {base + 1}: {slope(xs, mib[base:]) * 100:+.3f} MiB per 100 cycles")
    print(f"open fds: cycle 1 {fds[0]}, cycle {base + 1} {fds[base]}, last {fds[-1]}, max {max(fds)}")
    print(f"store == manifest == files: {check}")


def plain_sync(docs: Path) -> dict:
    """The flow's steps without Prefect (for telling Prefect's memory from ours)."""
    from blocks.vectorstore import VectorStore
    from tasks.changes import batches
    from tasks.changes.index import RagIndex
    from tasks.vectorstore import close_clients, release, writer_lock

    block = VectorStore.resolve(None)
    t0 = time.perf_counter()
    with writer_lock(block):
        index = RagIndex(block)
        try:
            index.repair()
            plan = index.detect(docs)
            index.touch(plan.touched)
            index.delete(plan.deleted)
            index.rename(plan.renamed, plan.root)
            embedded = 0
            for group in batches(plan.to_index, 32, 200_000):
                embedded += index.index(group, plan.root).embedded
        finally:
            index.close()
            close_clients()
            release()
    return {"added": len(plan.added), "changed": len(plan.changed), "renamed": len(plan.renamed),
            "deleted": len(plan.deleted), "embedded": embedded, "seconds": round(time.perf_counter() - t0, 2)}


def check_in_step(docs: Path) -> str:
    from blocks.vectorstore import VectorStore
    from tasks.changes.index import manifest_path, measure_drift
    from tasks.changes.manifest import Manifest
    from tasks.vectorstore import ChromaStore, close_clients

    block = VectorStore.resolve(None)
    manifest = Manifest(manifest_path(block))
    try:
        store = ChromaStore.existing(block)
        drift = measure_drift(manifest, store)
        on_disk = {p.as_posix() for p in docs.glob("*.md")}
        recorded = {row.path for row in manifest.records()}
        from tasks.vectorstore.lexical import LexicalIndex, lexical_path

        lexical = LexicalIndex(lexical_path(block))
        try:
            lexical_ok = lexical.ids() == {c for row in manifest.records() for c in row.chunk_ids}
        finally:
            lexical.close()
        ok = drift["in_sync"] and on_disk == recorded and lexical_ok
        return (f"{'OK' if ok else 'MISMATCH'} (files {drift['files']}, manifest chunks {drift['chunks']}, store chunks "
                f"{drift['store_chunks']}, missing {drift['missing_chunks']}, stale {drift['stale_chunks']}, "
                f"files on disk {len(on_disk)}, lexical index {'in step' if lexical_ok else 'OUT OF STEP'})")
    finally:
        manifest.close()
        close_clients()


if __name__ == "__main__":
    main()
