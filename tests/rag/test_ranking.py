"""Only touched chunks are embedded, counters add up, the right page comes
first (HNSW search width, hybrid ranking, markup stripped), encodings in metadata,
and a query that loads neither Prefect nor torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flows.rag import rag_sync
from tasks.changes import RagSyncSummary, index_status
from tasks.vectorstore import query_index
from tests.rag.conftest import assert_in_step, write

REPO = Path(__file__).resolve().parents[2]

TOPICS = ["invoices", "refunds", "shipping", "returns", "payments", "discounts", "coupons", "taxes", "accounts",
          "passwords", "sessions", "webhooks", "exports", "imports", "reports", "alerts", "quotas", "limits",
          "regions", "backups"]


def _page(topic: str, sections: int = 12) -> str:
    """A long page: sections of three paragraphs of distinct sentences each."""
    parts = [f"# {topic.title()}\n"]
    for s in range(sections):
        parts.append(f"## {topic.title()} part {s}\n")
        for p in range(3):
            parts.append(" ".join(
                f"The {topic} service handles case {s}-{p}-{i} by checking the {topic} ledger entry {i * 7 + s}."
                for i in range(5)) + "\n")
    return "\n".join(parts)


def _add_up(counts: RagSyncSummary) -> None:
    assert counts.embedded + counts.reused == counts.chunks_written + counts.chunks_kept, counts


def test_a_one_paragraph_edit_embeds_only_the_chunks_it_touched(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root, "long.md", _page("invoices", 16))
    write(root, "other.md", _page("refunds", 2))
    first = rag_sync(source_dir=str(root))
    _add_up(first)
    chunks = index_status().chunks
    assert chunks >= 10

    text = (root / "long.md").read_text()
    paragraph = next(line for line in text.splitlines() if "case 7-1-0" in line)
    write(root, "long.md", text.replace(paragraph, paragraph.replace("ledger entry", "journal record")))
    edited = rag_sync(source_dir=str(root))
    assert edited.changed == 1
    assert 1 <= edited.embedded <= 2, edited
    assert edited.reused >= chunks - 12
    _add_up(edited)
    assert index_status().chunks == chunks + edited.chunks_written - edited.chunks_deleted
    assert_in_step(root)

    # delete a whole section: nothing to embed, the store shrinks by exactly chunks_deleted
    before = index_status().chunks
    cut = (root / "long.md").read_text().split("## Invoices part 9\n")
    write(root, "long.md", cut[0] + "## Invoices part 10\n" + cut[1].split("## Invoices part 10\n")[1])
    shrunk = rag_sync(source_dir=str(root))
    _add_up(shrunk)
    assert shrunk.embedded <= 2 and shrunk.chunks_deleted >= 1
    assert index_status().chunks == before + shrunk.chunks_written - shrunk.chunks_deleted

    # a rename counts its chunks too: written (new ids), deleted (old ids), reused (vectors)
    (root / "other.md").rename(root / "moved.md")
    moved = rag_sync(source_dir=str(root))
    assert moved.renamed == 1 and moved.embedded == 0
    assert moved.chunks_written == moved.chunks_deleted == moved.reused > 0
    _add_up(moved)
    assert_in_step(root)


def test_a_unique_sentence_added_to_one_page_comes_first(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    for topic in TOPICS:
        write(root, f"{topic}.md", _page(topic, 4))
    rag_sync(source_dir=str(root))
    page = root / "webhooks.md"
    sentence = "The quokka-lantern protocol retries every webhook delivery at dawn over carrier pigeon."
    text = page.read_text().replace("## Webhooks part 2\n", f"## Webhooks part 2\n\n{sentence}\n")
    write(root, "webhooks.md", text)
    rag_sync(source_dir=str(root))
    for mode in ("hybrid", "vector"):
        for k in (1, 5):
            hits = query_index("Which protocol retries deliveries by carrier pigeon at dawn?", k=k, mode=mode)
            assert hits[0]["path"] == page.as_posix(), (mode, k, hits[0])
            assert sentence in hits[0]["text"]


def test_names_and_error_codes_are_found_by_the_lexical_ranking(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    for topic in TOPICS[:8]:
        write(root, f"{topic}.md", _page(topic, 3))
    write(root, "errors.md", "# Errors\n\n## Upstream failures\n\nWhen the upstream times out the gateway "
          "answers with QXF-4711 and the client should retry later.\n")
    rag_sync(source_dir=str(root))
    hits = query_index("QXF-4711", k=3)
    assert hits[0]["path"] == (root / "errors.md").as_posix()
    assert hits[0]["lexical_rank"] == 1 and hits[0]["lexical_score"] > 0 and hits[0]["vector_score"] is not None
    # a where filter applies to the lexical hits as well
    only = query_index("QXF-4711", k=3, where={"relpath": "taxes.md"})
    assert only and all(h["path"].endswith("taxes.md") for h in only)


def test_markup_is_stripped_and_headings_stay_as_the_heading_path(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root, "files.md", '# Request Files { #request-files }\n\n!!! note "Technical Details"\n'
          "    You can declare &amp; upload files.\n\n<div class=\"termy\">\n\n```console\n"
          '$ <font color="#4E9A06">fastapi</font> dev main.py\n```\n\n</div>\n\n## Size limits {: .limits }\n\n'
          "Uploads <b>larger</b> than 10 MB are refused.\n")
    rag_sync(source_dir=str(root))
    hits = query_index("upload size limit", k=5, mode="vector")
    headings = {h["heading"] for h in hits}
    assert headings <= {"Request Files", "Request Files > Size limits"} and "Request Files > Size limits" in headings
    text = "\n".join(h["text"] for h in hits)
    for markup in ("{", "<", "&amp;", "!!!", "#request-files"):
        assert markup not in text, markup
    assert "Technical Details" in text and "You can declare & upload files." in text
    assert "$ fastapi dev main.py" in text and "Uploads larger than 10 MB are refused." in text


def test_the_encoding_of_a_text_file_is_in_its_chunks_metadata(rag_home: Path, tmp_path: Path) -> None:
    from blocks.vectorstore import VectorStore
    from tasks.vectorstore import ChromaStore, close_clients

    root = tmp_path / "docs"
    (root).mkdir()
    (root / "회의록.txt").write_bytes("배포 회의록\n\n이번 주 배포는 목요일입니다. 토큰은 한 시간 후에 만료됩니다.\n".encode("cp949"))
    write(root, "plain.md", "# Plain\n\nASCII only.\n")
    rag_sync(source_dir=str(root))
    store = ChromaStore.existing(VectorStore.resolve(None))
    try:
        got = store.collection.get(include=["metadatas", "documents"])
    finally:
        close_clients()
    by_name = {Path(m["path"]).name: (m, d) for m, d in zip(got["metadatas"], got["documents"], strict=True)}
    assert by_name["회의록.txt"][0]["encoding"] == "cp949" and "목요일" in by_name["회의록.txt"][1]
    assert by_name["plain.md"][0]["encoding"] == "utf-8"
    assert query_index("배포는 언제입니까 목요일", k=1)[0]["path"].endswith("회의록.txt")


def test_the_query_command_loads_neither_prefect_nor_torch(rag_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root, "auth.md", "# Auth\n\n## Tokens\n\nAccess tokens expire after one hour.\n")
    rag_sync(source_dir=str(root))
    script = (
        "import json, sys\n"
        "from flows.cli import run_app\n"
        "assert run_app(['rag', 'query', 'when do tokens expire', '--json']) == 0\n"
        "heavy = sorted(m for m in ('prefect', 'torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print('MODULES', json.dumps(heavy))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=180,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    hits = json.loads(lines[-2])
    assert hits[0]["heading"] == "Auth > Tokens"
    assert lines[-1] == "MODULES []"
