"""Generated Markdown corpora for the rag benchmarks and the soak (deterministic)."""

from __future__ import annotations

import random
from pathlib import Path

TOPICS = [
    "authentication", "orders", "refunds", "shipping", "invoices", "customers", "inventory",
    "pagination", "rate limits", "webhooks", "errors", "search", "reports", "audit logs",
]
VERBS = ["creates", "updates", "validates", "rejects", "retries", "caches", "logs", "returns", "paginates"]
OBJECTS = ["the request", "a token", "the order", "each item", "the response", "a refund", "the cursor"]


def sentence(rng: random.Random, topic: str) -> str:
    return (
        f"The {topic} service {rng.choice(VERBS)} {rng.choice(OBJECTS)} within {rng.randint(1, 900)} ms "
        f"when the client sends header X-{topic.title().replace(' ', '')}-{rng.randint(1, 99)}."
    )


def markdown(rng: random.Random, title: str, sections: int, sentences: int) -> str:
    """A document of `sections` headed sections; ~45 tokens per sentence."""
    topic = rng.choice(TOPICS)
    parts = [f"# {title}\n"]
    for number in range(sections):
        parts.append(f"## {topic.title()} rule {number}\n")
        paragraph = []
        for i in range(sentences):
            paragraph.append(sentence(rng, topic))
            if i % 3 == 2:
                parts.append(" ".join(paragraph) + "\n")
                paragraph = []
        if paragraph:
            parts.append(" ".join(paragraph) + "\n")
    return "\n".join(parts)


def make_corpus(root: Path, files: int, sections: int = 3, sentences: int = 5, seed: int = 7) -> list[Path]:
    """`files` Markdown files of about `sections` chunks each."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(files):
        path = root / f"doc-{number:04d}.md"
        path.write_text(markdown(rng, f"Document {number}", sections, sentences), encoding="utf-8")
        paths.append(path)
    return paths


def edit(path: Path, rng: random.Random) -> None:
    """Change one sentence-sized piece of a file."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\nEdited: {sentence(rng, rng.choice(TOPICS))}\n", encoding="utf-8")


# -- a public corpus: the FastAPI documentation (MIT licence) ---------------------------

# pages left out: the changelog (one 400 kB page), API reference stubs (mkdocstrings
# directives, no prose), generated people/sponsor lists and translation helpers
FASTAPI_EXCLUDED = ("release-notes.md", "_llm-test.md", "translation-banner.md", "fastapi-people.md", "management")


def prepare_fastapi_docs(repo: Path, out: Path, commit: str = "HEAD") -> int:
    """Copy the English Markdown pages of a FastAPI checkout or bare mirror (`repo`) to `out`.

    Uses `git archive`, so a bare mirror (the `fetch` tool's) works; returns the page count.
    """
    import io
    import subprocess
    import tarfile

    data = subprocess.run(["git", "--git-dir", str(repo), "archive", commit, "docs/en/docs"], check=True,
                          capture_output=True).stdout
    prefix = "docs/en/docs/"
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            name = member.name[len(prefix):] if member.name.startswith(prefix) else ""
            if not member.isfile() or not name.endswith(".md") or name.startswith("reference/"):
                continue
            if any(part.startswith(FASTAPI_EXCLUDED) for part in name.split("/")):
                continue
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
            count += 1
    return count
