"""Retrieval quality and speed on a public documentation corpus.

    .venv/bin/python profiling/bench_rag_quality.py --corpus DIR [--fastapi-repo GITDIR] [--no-cli]

The corpus is the English FastAPI documentation (MIT licence, 126 pages,
~1,300 chunks), not kept in this repository: pass `--fastapi-repo` with a
FastAPI clone or bare mirror and the pages are copied into `--corpus` first
(profiling/rag_corpus.py: prepare_fastapi_docs), or point `--corpus` at a
folder made before. Prints:

- the first sync of the corpus (a flow run, as `qaflow rag sync` does it):
  seconds, chunks, chunks/s (target: ~1,300 chunks <= 40 s on 2 cores);
- top-1 and top-5 page accuracy of QUESTIONS (questions whose answer page is
  known), hybrid and vector-only (targets: top-1 >= 85%, top-5 100%);
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
    from flows.rag import rag_query

    top1 = top5 = 0
    misses = []
    for question, page in QUESTIONS:
        hits = rag_query(question, k=5, mode=mode, store="")
        pages = [Path(h["path"]).relative_to(corpus).as_posix() for h in hits]
        top1 += bool(pages) and pages[0] == page
        top5 += page in pages
        if not pages or pages[0] != page:
            misses.append(f"    {question!r}: want {page}, got {pages[:3]}")
    return top1, top5, misses


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
    parser.add_argument("--backend", default=None, help="embedding backend of the sync (default: onnx)")
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
    os.environ["QAFLOW_CHROMA_PATH"] = str(work / "chroma")
    os.environ.pop("QAFLOW_CHROMA_HOST", None)
    docs = work / "docs"
    subprocess.run(["cp", "-r", str(corpus), str(docs)], check=True)

    from flows.rag import rag_query, rag_sync
    from tasks.embedding import get_embedder

    embedder = get_embedder(backend=args.backend)
    started = time.perf_counter()
    embedder.load()  # exports the ONNX graph on a fresh QAFLOW_HOME
    ready = time.perf_counter() - started
    print(f"corpus: {len(pages)} pages in {corpus}; model ready in {ready:.2f} s "
          f"({embedder.backend}, export {embedder.export_seconds:.1f} s); machine shared and loaded", flush=True)

    counts = rag_sync(source_dir=str(docs), store="", embedding_backend=args.backend)
    chunks = counts["chunks_written"]
    print(f"first sync: {counts['added']} files, {chunks} chunks in {counts['seconds']:.1f} s "
          f"({chunks / counts['seconds']:.1f} chunks/s; embed {counts['embed_seconds']:.1f} s, "
          f"{counts['embedded']} embedded, {counts['reused']} reused); target <= 40 s", flush=True)

    for mode in ("hybrid", "vector"):
        started = time.perf_counter()
        top1, top5, misses = accuracy(docs, mode)
        each = (time.perf_counter() - started) / len(QUESTIONS)
        n = len(QUESTIONS)
        print(f"{mode:>6}: top-1 {top1}/{n} ({top1 / n:.0%}), top-5 {top5}/{n} ({top5 / n:.0%}); "
              f"{each * 1000:.0f} ms per query in-process", flush=True)
        for line in misses:
            print(line, flush=True)

    page = docs / UNIQUE_PAGE
    text = page.read_text(encoding="utf-8")
    cut = text.index("\n## ") if "\n## " in text else len(text)
    page.write_text(text[:cut] + f"\n\n{UNIQUE_SENTENCE}\n" + text[cut:], encoding="utf-8")
    resync = rag_sync(source_dir=str(docs), store="")
    firsts = {}
    for mode in ("hybrid", "vector"):
        firsts[mode] = [
            bool(hits) and hits[0]["path"] == page.as_posix() and UNIQUE_SENTENCE in hits[0]["text"]
            for hits in (rag_query(UNIQUE_QUESTION, k=k, mode=mode, store="") for k in range(1, 11))
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
        "from flows.rag import rag_query; from flows.prefect_api import cli_flow_runs\n"
        "with cli_flow_runs(): rag_query(sys.argv[1], k=5, mode='vector', store='', embedding_backend='torch')"
    )
    old = cli_seconds(env, [sys.executable, "-c", old_script, question])
    print(f"`qaflow rag query` end to end: median {statistics.median(new):.2f} s "
          f"({', '.join(f'{t:.2f}' for t in new)}); old path (Prefect API + sentence-transformers) "
          f"median {statistics.median(old):.2f} s; target <= 1.5 s", flush=True)


if __name__ == "__main__":
    main()
