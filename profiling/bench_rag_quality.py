"""Retrieval quality and speed on a public documentation corpus.

    .venv/bin/python profiling/bench_rag_quality.py --corpus DIR [--fastapi-repo GITDIR] [--no-cli]
        [--backends onnx,onnx-float]

The corpus is the English FastAPI documentation (MIT licence, 126 pages,
~1,300 chunks), not kept in this repository: pass `--fastapi-repo` with a
FastAPI clone or bare mirror and the pages are copied into `--corpus` first
(profiling/rag_corpus.py: prepare_fastapi_docs), or point `--corpus` at a
folder made before. Prints:

- the first sync of the corpus (a flow run, as `qaflow rag sync` does it):
  seconds, chunks, chunks/s (target: ~1,300 chunks <= 40 s on 2 cores);
- top-1 and top-5 page accuracy of QUESTIONS (questions whose answer page is
  known), hybrid and vector-only (targets: top-1 >= 85%, top-5 100%);
- the same for every further backend of `--backends` (each in its own
  store): by default the float graph next to the default int8 one, and the
  gate the int8 default is kept on: no fewer top-1 and top-5 hits than float;
- the unique-sentence check: a sentence added to one page must come first
  after the re-sync, at every k from 1 to 10;
- `qaflow rag query` end to end through the console script (new process,
  warm disk cache), against the old path in the same run (Prefect's API started,
  sentence-transformers), unless --no-cli (target <= 1.5 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.environment import apply_defaults

apply_defaults()

# (question, the page that answers it), relative to the corpus root
QUESTIONS: list[tuple[str, str]] = [
    ("How do I upload a file and read its contents with UploadFile?", "tutorial/request-files.md"),
    ("How can I run code once when the application starts and when it shuts down?", "advanced/events.md"),
    ("How do I allow a frontend on another origin to call my API from the browser?", "tutorial/cors.md"),
    ("How do I run work after returning the response, like sending an email?", "tutorial/background-tasks.md"),
    ("How do I hash passwords and create signed JWT access tokens?", "tutorial/security/oauth2-jwt.md"),
    ("How do I split a large app into several files with routers?", "tutorial/bigger-applications.md"),
    ("How do I replace a dependency with a fake one during tests?", "advanced/testing-dependencies.md"),
    ("How do I serve images and CSS files from a directory?", "tutorial/static-files.md"),
    ("How do I read configuration from environment variables with pydantic-settings?", "advanced/settings.md"),
    ("How do I keep a two-way connection open and exchange messages with the client?", "advanced/websockets.md"),
    ("How do I build a container image for my application with a Dockerfile?", "deployment/docker.md"),
    ("How do I set a cookie on the response?", "advanced/response-cookies.md"),
    ("How do I return a 404 error with a detail message when an item is missing?", "tutorial/handling-errors.md"),
    ("How do I make an endpoint answer with status code 201 Created?", "tutorial/response-status-code.md"),
    ("How do I receive form fields instead of JSON, for example a login form?", "tutorial/request-forms.md"),
    ("My app runs behind a proxy that strips a path prefix; how do I set root_path?", "advanced/behind-a-proxy.md"),
    ("How do I store heroes in a SQL database with SQLModel sessions?", "tutorial/sql-databases.md"),
    ("How do I add a header with the processing time to every response?", "tutorial/middleware.md"),
    ("How do I render HTML pages with Jinja2?", "advanced/templates.md"),
    ("How do I generate a TypeScript client SDK from the OpenAPI schema?", "advanced/generate-clients.md"),
    ("Should I declare my path operation functions with async def or normal def?", "async.md"),
    ("How do I write tests for my app with TestClient and pytest?", "tutorial/testing.md"),
    ("How do I mount a Flask application inside my app?", "advanced/wsgi.md"),
    ("How do I update only the fields that were sent, with PATCH?", "tutorial/body-updates.md"),
    ("How do I run several worker processes to use all CPU cores?", "deployment/server-workers.md"),
    ("How do I limit the length of a query string parameter?", "tutorial/query-params-str-validations.md"),
    ("How do I close a database session after the response with a dependency?",
     "tutorial/dependencies/dependencies-with-yield.md"),
    ("How do I convert a model with datetime fields into JSON compatible data?", "tutorial/encoder.md"),
    ("How do I protect an endpoint with HTTP Basic username and password?", "advanced/security/http-basic-auth.md"),
    ("How do I stream server-sent events to the browser?", "tutorial/server-sent-events.md"),
]

UNIQUE_PAGE = "tutorial/static-files.md"
UNIQUE_SENTENCE = (
    "The quokka-lantern setting makes the server hum a lullaby to each favicon before it is sent."
)
UNIQUE_QUESTION = "Which setting makes the server hum a lullaby to the favicon?"


def accuracy(corpus: Path, mode: str) -> tuple[int, int, list[str]]:
    from tasks.vectorstore import query_index

    top1 = top5 = 0
    misses = []
    for question, page in QUESTIONS:
        hits = query_index(question, k=5, mode=mode, store="")
        pages = [Path(h["path"]).relative_to(corpus).as_posix() for h in hits]
        top1 += bool(pages) and pages[0] == page
        top5 += page in pages
        if not pages or pages[0] != page:
            misses.append(f"    {question!r}: want {page}, got {pages[:3]}")
    return top1, top5, misses


def sync_and_score(docs: Path, pages: list[Path], corpus: Path, backend: str) -> dict[str, tuple[int, int]]:
    """A first sync of `docs` with `backend` into a fresh store, then the questions."""
    from flows.rag import rag_sync
    from tasks.embedding import get_embedder

    embedder = get_embedder(backend=backend)
    started = time.perf_counter()
    embedder.load()  # exports and prepares the ONNX graph on a fresh QAFLOW_HOME
    ready = time.perf_counter() - started
    print(f"corpus: {len(pages)} pages in {corpus}; model ready in {ready:.2f} s "
          f"({embedder.backend}, export and preparation {embedder.export_seconds:.1f} s); "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    counts = rag_sync(source_dir=str(docs), store="", embedding_backend=backend).model_dump()
    chunks = counts["chunks_written"]
    print(f"first sync ({backend}): {counts['added']} files, {chunks} chunks in {counts['seconds']:.1f} s "
          f"({chunks / counts['seconds']:.1f} chunks/s; embed {counts['embed_seconds']:.1f} s, "
          f"{counts['embedded']} embedded, {counts['reused']} reused); target <= 40 s; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    scores = {}
    for mode in ("hybrid", "vector"):
        started = time.perf_counter()
        top1, top5, misses = accuracy(docs, mode)
        each = (time.perf_counter() - started) / len(QUESTIONS)
        n = len(QUESTIONS)
        scores[mode] = (top1, top5)
        print(f"{backend} {mode:>6}: top-1 {top1}/{n} ({top1 / n:.0%}), top-5 {top5}/{n} ({top5 / n:.0%}); "
              f"{each * 1000:.0f} ms per query in-process", flush=True)
        for line in misses:
            print(line, flush=True)
    return scores


def cli_seconds(env: dict[str, str], args: list[str], runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--fastapi-repo", type=Path, help="FastAPI clone or bare mirror to copy the pages from")
    parser.add_argument("--no-cli", action="store_true", help="skip the console-script timing")
    parser.add_argument("--backends", default="onnx,onnx-float",
                        help="embedding backends, each synced into its own store; the first is the one the "
                             "unique-sentence check and the CLI timing use (default: onnx, then onnx-float)")
    parser.add_argument("--backend", default=None, help="only this backend (same as --backends NAME)")
    args = parser.parse_args()

    corpus = args.corpus.resolve()
    if args.fastapi_repo:
        from rag_corpus import prepare_fastapi_docs

        print(f"copied {prepare_fastapi_docs(args.fastapi_repo, corpus)} pages to {corpus}", flush=True)
    pages = sorted(corpus.rglob("*.md"))
    missing = [page for _, page in QUESTIONS if not (corpus / page).is_file()]
    if missing:
        raise SystemExit(f"{corpus}: not the FastAPI docs corpus (missing {missing[:3]})")

    work = Path(tempfile.mkdtemp(prefix="qaflow-quality-"))
    os.environ["QAFLOW_HOME"] = str(work / "home")
    os.environ.pop("QAFLOW_CHROMA_HOST", None)
    docs = work / "docs"
    subprocess.run(["cp", "-r", str(corpus), str(docs)], check=True)

    from tasks.embedding import resolve_backend

    backends = [resolve_backend(b) for b in (args.backend or args.backends).split(",") if b.strip()]
    scores = {}
    for backend in reversed(backends):  # the first backend last: its store stays for the checks below
        os.environ["QAFLOW_CHROMA_PATH"] = str(work / f"chroma-{backend}")
        scores[backend] = sync_and_score(docs, pages, corpus, backend)
    if len(backends) > 1:
        first = backends[0]
        for other in backends[1:]:
            kept = all(scores[first][mode] >= scores[other][mode] for mode in scores[first])
            print(f"gate: {first} against {other}: top-1/top-5 (hybrid, vector) "
                  f"{scores[first]} vs {scores[other]}: {'held' if kept else 'DROPPED'}", flush=True)
    backend = backends[0]

    page = docs / UNIQUE_PAGE
    text = page.read_text(encoding="utf-8")
    cut = text.index("\n## ") if "\n## " in text else len(text)
    page.write_text(text[:cut] + f"\n\n{UNIQUE_SENTENCE}\n" + text[cut:], encoding="utf-8")
    from flows.rag import rag_sync
    from tasks.vectorstore import query_index

    resync = rag_sync(source_dir=str(docs), store="", embedding_backend=backend).model_dump()
    firsts = {}
    for mode in ("hybrid", "vector"):
        firsts[mode] = [
            bool(hits) and hits[0]["path"] == page.as_posix() and UNIQUE_SENTENCE in hits[0]["text"]
            for hits in (query_index(UNIQUE_QUESTION, k=k, mode=mode, store="") for k in range(1, 11))
        ]
    print(f"unique sentence: re-sync embedded {resync['embedded']} chunk(s), reused {resync['reused']}; "
          f"first at k=1..10: hybrid {sum(firsts['hybrid'])}/10, vector {sum(firsts['vector'])}/10", flush=True)

    if args.no_cli:
        return
    env = {**os.environ, "PREFECT_API_URL": ""}
    env.pop("PREFECT_API_URL")
    qaflow = str(Path(sys.executable).with_name("qaflow"))
    question = QUESTIONS[0][0]
    new = cli_seconds(env, [qaflow, "rag", "query", question, "--store", "", "--json"])
    old_script = (
        "import sys; from flows.prefect_api import start_api; start_api(); "
        "from tasks.vectorstore import query_index; from flows.prefect_api import cli_flow_runs\n"
        "with cli_flow_runs(): query_index(sys.argv[1], k=5, mode='vector', store='', embedding_backend='torch')"
    )
    old = cli_seconds(env, [sys.executable, "-c", old_script, question])
    print(f"`qaflow rag query` end to end: median {statistics.median(new):.2f} s "
          f"({', '.join(f'{t:.2f}' for t in new)}); old path (Prefect API + sentence-transformers) "
          f"median {statistics.median(old):.2f} s; target <= 1.5 s", flush=True)


if __name__ == "__main__":
    main()
