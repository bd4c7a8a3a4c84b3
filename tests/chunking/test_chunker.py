"""The chunker on real Markdown with the model's own tokenizer (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.chunking import ChunkerConfig, chunk_document, chunk_id, default_config, token_counter
from tasks.documents import extract
from tasks.embedding import resolve_model


@pytest.fixture(scope="module")
def counter():
    return token_counter(str(resolve_model().path))


def _doc(tmp_path: Path, text: str, name: str = "doc.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(path), path.as_posix()


LONG = "\n\n".join(
    f"Paragraph {p}. " + " ".join(f"Sentence {p}.{s} says the order service keeps item {s} for a while." for s in range(8))
    for p in range(12)
)


def test_default_size_is_model_window_minus_special_tokens(counter) -> None:
    info = resolve_model()
    config = default_config(info.max_seq_length, counter.special_tokens)
    assert counter.special_tokens == 2
    assert config.chunk_tokens == 254
    assert 0.10 <= config.overlap / config.chunk_tokens <= 0.15
    with pytest.raises(ValueError, match="exceeds the model's window"):
        default_config(info.max_seq_length, counter.special_tokens, chunk_tokens=400)


def test_chunks_fit_the_window_keep_offsets_and_headings(tmp_path: Path, counter) -> None:
    text = f"# Orders\n\nShort intro.\n\n## Keeping items\n\n{LONG}\n\n## Refunds\n\nRefunds take five days.\n"
    document, path = _doc(tmp_path, text)
    config = ChunkerConfig(chunk_tokens=120, overlap=15)
    chunks = chunk_document(document, path, config, counter)
    assert len(chunks) > 5
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
        heading_room = counter.count(chunk.heading) + 1
        assert counter.count(chunk.text) + heading_room <= 120 + 1
        assert chunk.path == path
        assert chunk.id == chunk_id(path, chunk.index, chunk.text)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[0].heading_path == ["Orders"]
    assert {tuple(c.heading_path) for c in chunks} == {
        ("Orders",),
        ("Orders", "Keeping items"),
        ("Orders", "Refunds"),
    }
    # a chunk never crosses a heading
    refunds = [c for c in chunks if c.heading_path[-1] == "Refunds"]
    assert refunds[0].text == "Refunds take five days."


def test_overlap_repeats_the_end_of_the_previous_chunk(tmp_path: Path, counter) -> None:
    document, path = _doc(tmp_path, "# Keep\n\n" + LONG)
    chunks = chunk_document(document, path, ChunkerConfig(chunk_tokens=100, overlap=25), counter)
    overlapping = [b for a, b in zip(chunks, chunks[1:], strict=False) if b.start < a.end]
    assert overlapping, "some consecutive chunks share text"
    for a, b in zip(chunks, chunks[1:], strict=False):
        if b.start < a.end:
            assert counter.count(document.text[b.start : a.end]) <= 25
        assert b.start > a.start  # always progresses


def test_paragraph_boundaries_are_preferred(tmp_path: Path, counter) -> None:
    paragraphs = [" ".join(f"Word{p}x{i} is here." for i in range(12)) for p in range(6)]
    document, path = _doc(tmp_path, "\n\n".join(paragraphs))
    chunks = chunk_document(document, path, ChunkerConfig(chunk_tokens=150, overlap=0), counter)
    for chunk in chunks:
        assert chunk.text.startswith("Word"), chunk.text[:30]
        assert chunk.text.split()[0].endswith("x0"), "a chunk starts at a paragraph start"


def test_run_on_text_without_sentences_is_cut_by_tokens(tmp_path: Path, counter) -> None:
    blob = "x" * 5 + "-".join(f"tok{i}" for i in range(600))
    document, path = _doc(tmp_path, blob, "blob.txt")
    chunks = chunk_document(document, path, ChunkerConfig(chunk_tokens=64, overlap=8), counter)
    assert len(chunks) > 3
    assert all(counter.count(c.text) <= 64 + 2 for c in chunks)  # cut at token offsets
    assert chunks[0].start == 0 and chunks[-1].end == len(document.text)


def test_ids_are_stable_and_change_with_text(tmp_path: Path, counter) -> None:
    config = ChunkerConfig(chunk_tokens=100, overlap=10)
    first, path = _doc(tmp_path, "# A\n\nalpha beta.\n\n# B\n\ngamma delta.\n")
    again, _ = _doc(tmp_path, "# A\n\nalpha beta.\n\n# B\n\ngamma delta.\n")
    edited, _ = _doc(tmp_path, "# A\n\nalpha beta.\n\n# B\n\ngamma EPSILON.\n")
    ids = [c.id for c in chunk_document(first, path, config, counter)]
    assert ids == [c.id for c in chunk_document(again, path, config, counter)]
    changed = [c.id for c in chunk_document(edited, path, config, counter)]
    assert changed[0] == ids[0] and changed[1] != ids[1]
    assert chunk_id("a.md", 0, "x") != chunk_id("b.md", 0, "x")


def test_empty_document_has_no_chunks(tmp_path: Path, counter) -> None:
    document, path = _doc(tmp_path, "\n\n  \n")
    assert chunk_document(document, path, ChunkerConfig(chunk_tokens=100, overlap=10), counter) == []


def test_config_key_changes_with_settings() -> None:
    assert ChunkerConfig(chunk_tokens=100, overlap=10).key() != ChunkerConfig(chunk_tokens=120, overlap=10).key()
    with pytest.raises(ValueError):
        ChunkerConfig(chunk_tokens=100, overlap=60)
