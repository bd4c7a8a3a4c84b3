"""Hybrid retrieval: vector hits and lexical (BM25) hits fused by reciprocal rank.

Reciprocal rank fusion (Cormack et al., SIGIR 2009): each list votes
weight / (RRF_K + rank) for its chunks, and the sums rank the union. It needs
no score calibration between a cosine and a BM25 score. Each hit keeps both
scores and both ranks, so `rag query --json` shows why it is where it is.

The lexical list's weight depends on the question. A question with a rare
word (a name, an error code, a made-up word: in at most ~0.2% of the chunks)
gets the lexical list at full weight, so the chunk that holds the word comes
first. A question in plain words gets it at LEXICAL_WEIGHT_COMMON: on the
FastAPI documentation benchmark (profiling/bench_rag_quality.py, 30 questions)
equal weights cost 3 of 27 top-1 answers that the vectors had right (BM25
favours pages that repeat the question's common words), while 0.2 keeps them
and still breaks ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.vectorstore.lexical import LexicalIndex
from tasks.vectorstore.store import ChromaStore, Hit

RRF_K = 60
CANDIDATES = 30  # hits taken from each list before fusing (at least k)
LEXICAL_WEIGHT_RARE = 1.0
LEXICAL_WEIGHT_COMMON = 0.2


def _allowed_paths(where: dict[str, Any] | None) -> list[str] | None:
    """Paths a simple `{"path": ...}` filter allows, for pre-filtering the lexical search."""
    if not where or set(where) != {"path"}:
        return None
    value = where["path"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"$in"}:
        return [str(v) for v in value["$in"]]
    return None


def hybrid_search(
    store: ChromaStore,
    lexical: LexicalIndex | None,
    embedding: Sequence[float],
    text: str,
    k: int = 5,
    where: dict[str, Any] | None = None,
    candidates: int = CANDIDATES,
) -> list[Hit]:
    """The `k` best chunks for `text` (embedded as `embedding`), fused from both lists.

    Without a lexical index (an older store) it is the vector search alone, with
    `score` the cosine. A `where` filter applies to both lists.
    """
    count = store.count()
    if count == 0:
        return []
    depth = min(max(k, candidates), count)
    vector_hits = store.query(embedding, k=depth, where=where)
    if lexical is None:
        return vector_hits[:k]
    lexical_hits = lexical.search(text, limit=depth, paths=_allowed_paths(where))
    weight = LEXICAL_WEIGHT_RARE if lexical_hits and lexical.has_rare_term(text) else LEXICAL_WEIGHT_COMMON
    by_id: dict[str, Hit] = {hit.chunk_id: hit for hit in vector_hits}
    missing = [chunk_id for chunk_id, _ in lexical_hits if chunk_id not in by_id]
    for hit in store.hits_for(missing, embedding, where=where):
        by_id[hit.chunk_id] = hit
    fused: dict[str, float] = {}
    for rank, hit in enumerate(vector_hits, 1):
        fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    for rank, (chunk_id, score) in enumerate(lexical_hits, 1):
        hit = by_id.get(chunk_id)
        if hit is None:  # filtered out by `where`, or gone from the store
            continue
        hit.lexical_score = score
        hit.lexical_rank = rank
        fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank)
    ranked = sorted(fused, key=lambda chunk_id: -fused[chunk_id])[:k]
    out = []
    for chunk_id in ranked:
        hit = by_id[chunk_id]
        hit.score = fused[chunk_id]
        out.append(hit)
    return out
