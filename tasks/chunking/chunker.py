"""Token-aware chunks of a Document: split on headings, then paragraphs, then
sentences, then (for a run-on line) token windows.

A chunk never crosses a heading, so its heading path is exact; it is a slice
of `Document.text` (`text[start:end]`), so offsets point back into the source;
its id hashes (path, index, text), so an unchanged chunk keeps its id and the
store can tell new chunks from old ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, model_validator

from tasks.chunking.tokens import TokenCounter

# /2: Markdown markup (attribute lists, HTML, admonition markers) stripped before chunking
SPLITTER_VERSION = "headings>paragraphs>sentences>tokens/2"
DEFAULT_OVERLAP_RATIO = 0.125  # 10-15% of the chunk size

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n+")
HEADING_SEPARATOR = " > "


class ChunkerConfig(BaseModel):
    """What decides the chunks; stored in the manifest, a change re-indexes everything."""

    chunk_tokens: int = Field(ge=16, description="Most tokens per chunk, without special tokens.")
    overlap: int = Field(ge=0, description="Tokens repeated from the end of the previous chunk.")
    splitter: str = SPLITTER_VERSION
    heading_prefix: bool = Field(
        default=True, description="Embed 'heading path' + text, so a chunk knows its section."
    )

    @model_validator(mode="after")
    def _overlap_smaller_than_half(self) -> ChunkerConfig:
        if self.overlap * 2 > self.chunk_tokens:
            raise ValueError(f"overlap {self.overlap} must be at most half of chunk_tokens {self.chunk_tokens}")
        return self

    def key(self) -> str:
        """A stable string for the manifest."""
        return json.dumps(self.model_dump(), sort_keys=True)


def default_config(
    max_seq_length: int,
    special_tokens: int,
    chunk_tokens: int | None = None,
    overlap: int | None = None,
) -> ChunkerConfig:
    """Chunk size = the model's window minus its special tokens; overlap ~12.5% of it.

    A larger size than the model's window would be truncated silently by the
    model, so it is refused.
    """
    window = max_seq_length - special_tokens
    size = chunk_tokens or window
    if size > window:
        raise ValueError(
            f"chunk_tokens {size} exceeds the model's window of {window} tokens "
            f"(max_seq_length {max_seq_length} minus {special_tokens} special tokens)"
        )
    return ChunkerConfig(chunk_tokens=size, overlap=round(size * DEFAULT_OVERLAP_RATIO) if overlap is None else overlap)


@dataclass(slots=True)
class Chunk:
    """One piece of one file, as stored: text, where it came from, and its id."""

    id: str
    path: str
    index: int
    text: str
    start: int
    end: int
    heading_path: list[str] = field(default_factory=list)
    tokens: int = 0

    @property
    def heading(self) -> str:
        return HEADING_SEPARATOR.join(self.heading_path)

    def embed_text(self, config: ChunkerConfig) -> str:
        """What the model sees: the heading path first, when configured."""
        if config.heading_prefix and self.heading_path:
            return f"{self.heading}\n{self.text}"
        return self.text


def content_hash(embed_text: str, config_key: str, model_version: str) -> str:
    """What decides a chunk's vector: the text the model sees, the chunker settings and
    the model. Equal hashes -> equal vectors, so a stored vector can be reused."""
    return hashlib.sha256(f"{model_version}\0{config_key}\0{embed_text}".encode()).hexdigest()[:32]


def chunk_id(path: str, index: int, text: str) -> str:
    """Stable id of a chunk: same file, place and text -> same id."""
    return hashlib.sha256(f"{path}\0{index}\0{text}".encode()).hexdigest()[:32]


@dataclass(slots=True)
class _Unit:
    start: int
    end: int
    tokens: int
    paragraph_start: bool


def _spans(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank pieces of text[start:end] between matches of `pattern`, trimmed."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = []
    for a, b in spans:
        piece = text[a:b]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            trimmed.append((a + lead, a + lead + len(stripped)))
    return trimmed


def _units(text: str, start: int, end: int, size: int, overlap: int, counter: TokenCounter) -> list[_Unit]:
    """Sentences (flagged when they open a paragraph); an over-long sentence becomes token windows."""
    sentences: list[tuple[int, int, bool]] = []
    for p_start, p_end in _spans(text, PARAGRAPH_BREAK, start, end):
        for number, (s_start, s_end) in enumerate(_spans(text, SENTENCE_BREAK, p_start, p_end)):
            sentences.append((s_start, s_end, number == 0))
    counts = counter.counts([text[a:b] for a, b, _ in sentences])
    units: list[_Unit] = []
    for (a, b, first), tokens in zip(sentences, counts, strict=True):
        if tokens <= size:
            units.append(_Unit(a, b, tokens, first))
            continue
        offsets = counter.offsets(text[a:b])
        step = max(1, size - overlap)
        for i in range(0, len(offsets), step):
            window = offsets[i : i + size]
            units.append(_Unit(a + window[0][0], a + window[-1][1], len(window), first and i == 0))
            if i + size >= len(offsets):
                break
    return units


def _pack(units: list[_Unit], size: int, overlap: int) -> list[list[_Unit]]:
    """Greedy packing up to `size` tokens, cutting at a paragraph start when the
    chunk is at least half full, and starting each chunk with up to `overlap`
    tokens of whole sentences from the end of the previous one."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    tokens = 0
    for unit in units:
        while current and tokens + unit.tokens > size:
            cut = len(current)
            for j in range(len(current) - 1, 0, -1):
                if current[j].paragraph_start:
                    if sum(u.tokens for u in current[:j]) >= size // 2:
                        cut = j
                    break
            emitted, rest = current[:cut], current[cut:]
            chunks.append(emitted)
            rest_tokens = sum(u.tokens for u in rest)
            carried: list[_Unit] = []
            carried_tokens = 0
            for previous in reversed(emitted):
                grown = carried_tokens + previous.tokens
                if grown > overlap or grown + rest_tokens + unit.tokens > size:
                    break
                carried.insert(0, previous)
                carried_tokens = grown
            if not rest and carried and carried[0] is emitted[0]:
                carried = []  # never repeat a whole chunk
                carried_tokens = 0
            current = carried + rest
            tokens = carried_tokens + rest_tokens
        current.append(unit)
        tokens += unit.tokens
    if current:
        chunks.append(current)
    return chunks


def _regions(document: object) -> list[tuple[list[str], int, int]]:
    """Consecutive sections under the same heading path, as (heading path, start, end)."""
    sections = getattr(document, "sections", None) or []
    text: str = document.text  # type: ignore[attr-defined]
    if not sections:
        return [([], 0, len(text))] if text.strip() else []
    regions: list[tuple[list[str], int, int]] = []
    for section in sections:
        if regions and regions[-1][0] == list(section.heading_path) and section.start >= regions[-1][2]:
            regions[-1] = (regions[-1][0], regions[-1][1], section.end)
        else:
            regions.append((list(section.heading_path), section.start, section.end))
    return regions


def chunk_document(document: object, path: str, config: ChunkerConfig, counter: TokenCounter) -> list[Chunk]:
    """The chunks of an extracted Document (tasks.documents.Document) stored under `path`."""
    text: str = document.text  # type: ignore[attr-defined]
    chunks: list[Chunk] = []
    for heading_path, start, end in _regions(document):
        size = config.chunk_tokens
        if config.heading_prefix and heading_path:
            # the heading is embedded with every chunk of the section: leave it room
            size = max(config.chunk_tokens // 2, config.chunk_tokens - counter.count(HEADING_SEPARATOR.join(heading_path)) - 1)
        overlap = min(config.overlap, size // 2)
        for group in _pack(_units(text, start, end, size, overlap, counter), size, overlap):
            a, b = group[0].start, group[-1].end
            piece = text[a:b]
            index = len(chunks)
            chunks.append(
                Chunk(
                    id=chunk_id(path, index, piece),
                    path=path,
                    index=index,
                    text=piece,
                    start=a,
                    end=b,
                    heading_path=heading_path,
                    tokens=sum(u.tokens for u in group),
                )
            )
    return chunks
