"""The lexical half of retrieval: SQLite FTS5 (BM25) over the same chunks as Chroma.

Embeddings find paraphrases but miss names, error codes and rare words (a
`HTTP_422` or a made-up product name ranks by its neighbours' meaning); BM25
finds exactly those. The index lives next to the manifest
(`<collection>.lexical.sqlite`) and holds chunk id, path, heading and text.
It is written in the same steps as the store (after the store write, before
the manifest commit), and `RagIndex.repair` rebuilds it from the store
whenever its chunk count disagrees with the manifest, so a killed sync never
leaves it serving chunks the store no longer has.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tasks.local_db import open_local_db

SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5(
    chunk_id UNINDEXED,
    path UNINDEXED,
    heading,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

# BM25 weights of the indexed columns (heading, text): a word in the heading path counts more
HEADING_WEIGHT = 2.0
TEXT_WEIGHT = 1.0
MAX_TERMS = 32
WORD = re.compile(r"\w+", re.UNICODE)
# a word in at most this share of the chunks (and at least RARE_MIN) is rare: a name, a code
RARE_SHARE = 0.002
RARE_MIN = 3
# question words that only add noise to an OR query (BM25 weighs them low, not zero)
_STOPWORDS = """a an and are as at be but by can could do does for from how i if in into is it its me my of on
or our should so that the their them then there these they this to use using was we what when where which who
why will with would you your"""
STOPWORDS = frozenset(_STOPWORDS.split())


def lexical_path(block: Any) -> Path:
    """The FTS5 index of a block's collection, next to its manifest."""
    from tasks.vectorstore.store import state_folder

    return state_folder(block) / f"{block.collection}.lexical.sqlite"


def query_terms(text: str) -> list[str]:
    """The words of a question, lower-case, once each, without stopwords (unless that
    leaves none)."""
    words = list(dict.fromkeys(WORD.findall(text.lower())))
    kept = [word for word in words if word not in STOPWORDS]
    return (kept or words)[:MAX_TERMS]


def match_expression(text: str) -> str | None:
    """A free-text question as an FTS5 query: every word quoted, OR-ed (BM25 ranks the
    chunks that hold more and rarer words first). None when there is no word."""
    terms = query_terms(text)
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)


class LexicalIndex:
    """FTS5 table of one collection's chunks; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = open_local_db(self.path, SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing ------------------------------------------------------------------
    def replace(self, paths: Iterable[str], rows: Iterable[tuple[str, str, str, str]]) -> None:
        """One transaction: drop every chunk of `paths`, add `rows` (chunk_id, path, heading, text)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM chunks WHERE path = ?", [(path,) for path in paths])
                self._db.executemany("INSERT INTO chunks (chunk_id, path, heading, text) VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def delete_paths(self, paths: Iterable[str]) -> None:
        self.replace(paths, [])

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM chunks")

    # -- reading ------------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def ids(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT chunk_id FROM chunks")}

    def has_rare_term(self, text: str) -> bool:
        """Whether a word of `text` is in only a few chunks (a name, an error code, a made-up
        word): then the lexical ranking knows better than the vectors."""
        terms = query_terms(text)
        if not terms:
            return False
        with self._lock:
            self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary USING fts5vocab(main, chunks, 'row')")
            rows = self._db.execute(
                f"SELECT doc FROM temp.vocabulary WHERE term IN ({','.join('?' * len(terms))})", terms
            ).fetchall()
            total = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        limit = max(RARE_MIN, RARE_SHARE * total)
        return any(0 < doc <= limit for (doc,) in rows)

    def search(self, text: str, limit: int = 20, paths: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score) of the best `limit` chunks, best first; higher is better.

        `paths` restricts the search to chunks of those files.
        """
        expression = match_expression(text)
        if expression is None:
            return []
        sql = (
            f"SELECT chunk_id, -bm25(chunks, 0.0, 0.0, {HEADING_WEIGHT}, {TEXT_WEIGHT}) AS score "
            "FROM chunks WHERE chunks MATCH ?"
        )
        params: list[object] = [expression]
        if paths is not None:
            if not paths:
                return []
            sql += f" AND path IN ({','.join('?' * len(paths))})"
            params.extend(paths)
        sql += " ORDER BY score DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            try:
                return [(row[0], float(row[1])) for row in self._db.execute(sql, params)]
            except sqlite3.OperationalError:  # an expression FTS5 refuses: no lexical hits
                return []
