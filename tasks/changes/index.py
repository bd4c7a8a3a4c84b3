"""Applying a ChangePlan to the store and the manifest, crash-safe.

Every store write follows the same three steps:

1. journal the paths in the manifest (`pending`, committed),
2. write the store (delete old ids, upsert new ones, in slices),
3. commit the rows and clear the journal in one transaction.

A run killed anywhere leaves either nothing, or a journal entry that
`repair()` turns into "delete every chunk with this path, forget the row",
after which the file is simply indexed again. `repair()` also compares
the store's count with the manifest's and, when they differ, reconciles
path by path, so even chunks written outside this protocol are found.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from blocks.vectorstore import VectorStore
from tasks.changes.detect import ChangePlan, FileState, Problem, detect_changes
from tasks.changes.manifest import FileRecord, Manifest
from tasks.changes.results import BatchResult
from tasks.chunking import (
    Chunk,
    ChunkerConfig,
    TokenCounter,
    chunk_document,
    chunk_id,
    content_hash,
    default_config,
    token_counter,
)
from tasks.embedding import ModelInfo, get_embedder, resolve_backend, resolve_model, vectors_model
from tasks.settings import settings
from tasks.vectorstore.lexical import LexicalIndex, lexical_path
from tasks.vectorstore.release import release
from tasks.vectorstore.store import ChromaStore, state_folder

log = logging.getLogger(__name__)

# Test hook for crash tests: QAFLOW_RAG_CRASH_AT=<point> with QAFLOW_RAG_CRASH_MODE
# "raise" (raise SimulatedCrash) or "pause" (touch QAFLOW_RAG_CRASH_MARKER and sleep,
# so a test can SIGKILL the process at exactly that point). Unset: no effect.
CRASH_POINTS = (
    "index:after-begin",
    "index:after-delete",
    "index:after-upsert",
    "delete:after-store",
    "rename:after-upsert",
)


class SimulatedCrash(RuntimeError):
    """Raised at a crash point by the test hook."""


def checkpoint(point: str) -> None:
    """The test hook (settings rag_crash_*): stop here as if killed, when told to."""
    hooks = settings()
    if hooks.rag_crash_at != point:
        return
    if hooks.rag_crash_mode == "pause":
        if hooks.rag_crash_marker:
            Path(hooks.rag_crash_marker).write_text(str(os.getpid()))
        time.sleep(hooks.rag_crash_pause)
        return
    raise SimulatedCrash(point)


def chunk_metadata(chunk: Chunk, root: str | None, digest: str = "", encoding: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "path": chunk.path,
        "heading": chunk.heading,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "tokens": chunk.tokens,
    }
    if digest:
        meta["content_hash"] = digest
    if encoding:
        meta["encoding"] = encoding
    if root and chunk.path.startswith(root.rstrip("/") + "/"):
        meta["relpath"] = chunk.path[len(root.rstrip("/")) + 1 :]
    return meta


def measure_drift(manifest: Manifest, store: ChromaStore) -> dict[str, Any]:
    """Manifest vs store, read only: files, chunks, and what disagrees."""
    files, chunks = manifest.count()
    stored = store.ids_by_path()
    missing = stale = 0
    bad_paths: list[str] = []
    for row in manifest.records():
        ids = stored.pop(row.path, set())
        want = set(row.chunk_ids)
        if ids != want:
            missing += len(want - ids)
            stale += len(ids - want)
            bad_paths.append(row.path)
    stale += sum(len(ids) for ids in stored.values())
    bad_paths.extend(stored)
    pending = len(manifest.pending())
    return {
        "files": files,
        "chunks": chunks,
        "store_chunks": store.count(),
        "missing_chunks": missing,
        "stale_chunks": stale,
        "pending": pending,
        "paths": sorted(bad_paths)[:20],
        "in_sync": not bad_paths and not pending,
    }


def manifest_path(block: VectorStore) -> Path:
    return state_folder(block) / f"{block.collection}.sqlite"


class RagIndex:
    """The store, the manifest, the model and the chunker of one collection, per process."""

    def __init__(
        self,
        block: VectorStore,
        model: str | None = None,
        chunk_tokens: int | None = None,
        overlap: int | None = None,
        backend: str | None = None,
    ) -> None:
        self.block = block
        self.backend = resolve_backend(backend or getattr(block, "embedding_backend", None))
        # version = the vectors' identity (int8 ones differ from float): a switch re-embeds
        self.info: ModelInfo = vectors_model(resolve_model(model), self.backend)
        self.counter: TokenCounter = token_counter(str(self.info.path))
        self.config: ChunkerConfig = default_config(
            self.info.max_seq_length, self.counter.special_tokens, chunk_tokens, overlap
        )
        self.store = ChromaStore(block, self.info)
        self.manifest = Manifest(manifest_path(block))
        self.lexical = LexicalIndex(lexical_path(block))

    @property
    def config_key(self) -> str:
        return self.config.key()

    def close(self) -> None:
        self.store.forget()
        self.manifest.close()
        self.lexical.close()

    # -- detection and repair ------------------------------------------------------
    def detect(self, source_dir: str | Path) -> ChangePlan:
        return detect_changes(source_dir, self.manifest, self.config_key, self.info.name, self.info.version)

    def repair(self) -> int:
        """Undo what a killed run left half-done; returns how many paths were repaired."""
        pending = [path for path, _ in self.manifest.pending()]
        if pending:
            log.warning("repairing %d path(s) a previous sync left half-written", len(pending))
            self.store.delete_paths(pending)
            self.lexical.delete_paths(pending)
            self.manifest.commit(removed=pending, done=pending)
        _, chunks = self.manifest.count()
        repaired = len(pending)
        if self.store.count() != chunks:
            repaired += self.reconcile()
        if self.lexical.count() != self.store.count():
            self.rebuild_lexical()
        return repaired

    def rebuild_lexical(self) -> int:
        """Refill the lexical index from the store (it lost step with it); returns the chunks."""
        log.info("rebuilding the lexical index of %s from the store", self.block.collection)
        self.lexical.clear()
        rows = [(cid, str(meta.get("path", "")), str(meta.get("heading", "")), text)
                for cid, text, meta in self.store.documents()]
        self.lexical.replace([], rows)
        return len(rows)

    def reconcile(self) -> int:
        """Make store and manifest agree path by path: a path whose chunk ids differ
        loses its chunks and its row (it is indexed again); chunks of unknown paths go."""
        stored = self.store.ids_by_path()
        repaired = 0
        drop_rows: list[str] = []
        for row in self.manifest.records():
            ids = stored.pop(row.path, set())
            if ids != set(row.chunk_ids):
                self.store.delete(sorted(ids))
                drop_rows.append(row.path)
        for path, ids in stored.items():
            log.warning("deleting %d chunk(s) of %s that the manifest does not know", len(ids), path)
            self.store.delete(sorted(ids))
            repaired += 1
        if drop_rows:
            self.manifest.commit(removed=drop_rows)
        return repaired + len(drop_rows)

    def drift(self) -> dict[str, Any]:
        return measure_drift(self.manifest, self.store)

    # -- applying ------------------------------------------------------------------
    def touch(self, states: Iterable[FileState]) -> int:
        count = 0
        for state in states:
            self.manifest.touch(state.path, state.size, state.mtime_ns)
            count += 1
        return count

    def delete(self, paths: list[str]) -> BatchResult:
        """Deleted files: their chunks go, then their rows."""
        result = BatchResult()
        if not paths:
            return result
        rows = [row for row in (self.manifest.get(path) for path in paths) if row is not None]
        self.manifest.begin(paths, "delete")
        ids = [chunk for row in rows for chunk in row.chunk_ids]
        result.chunks_deleted = self.store.delete(ids)
        checkpoint("delete:after-store")
        self.lexical.delete_paths(paths)
        self.manifest.commit(removed=paths, done=paths)
        return result

    def rename(self, pairs: list[tuple[str, FileState]], root: str | None = None) -> BatchResult:
        """Same content at a new path: the chunks are re-keyed with their vectors, not re-embedded.

        The ids hash the path, so the new path gets new ids (a later file at the
        old path can never collide with them); the vectors are copied as stored.
        """
        result = BatchResult()
        for old_path, state in pairs:
            row = self.manifest.get(old_path)
            if row is None:
                continue
            self.manifest.begin([old_path, state.path], "rename")
            got = self.store.records(row.chunk_ids, embeddings=True)
            if len(got["ids"]) != len(row.chunk_ids):
                # the store lost some of them: forget the old row, index the file afresh
                self.store.delete(got["ids"])
                self.manifest.commit(removed=[old_path], done=[old_path, state.path])
                result.failed.append(Problem(path=state.path, reason="rename source incomplete; re-indexed"))
                continue
            order = {chunk: i for i, chunk in enumerate(got["ids"])}
            positions = [order[chunk] for chunk in row.chunk_ids]
            new_ids, documents, metadatas = [], [], []
            for position in positions:
                meta = dict(got["metadatas"][position] or {})
                text = got["documents"][position] or ""
                meta["path"] = state.path
                meta.pop("relpath", None)
                if root and state.path.startswith(root.rstrip("/") + "/"):
                    meta["relpath"] = state.path[len(root.rstrip("/")) + 1 :]
                new_ids.append(chunk_id(state.path, int(meta.get("index", len(new_ids))), text))
                documents.append(text)
                metadatas.append(meta)
            import numpy as np

            vectors = np.asarray([got["embeddings"][p] for p in positions], dtype=np.float32).reshape(
                len(positions), -1
            )
            self.store.upsert(new_ids, vectors, documents, metadatas)
            checkpoint("rename:after-upsert")
            gone = [chunk for chunk in row.chunk_ids if chunk not in set(new_ids)]
            self.store.delete(gone)
            self.lexical.replace(
                [old_path, state.path],
                [(cid, state.path, str(meta.get("heading", "")), text)
                 for cid, text, meta in zip(new_ids, documents, metadatas, strict=True)],
            )
            result.chunks_written += len(set(new_ids) - set(row.chunk_ids))
            result.chunks_kept += len(set(new_ids) & set(row.chunk_ids))
            result.chunks_deleted += len(gone)
            result.reused += len(new_ids)
            record = FileRecord(
                path=state.path,
                size=state.size,
                mtime_ns=state.mtime_ns,
                sha256=state.sha256,
                chunk_ids=new_ids,
                config_key=row.config_key,
                model=row.model,
                model_version=row.model_version,
            )
            self.manifest.commit(records=[record], removed=[old_path], done=[old_path, state.path])
            result.indexed.append(state.path)
        return result

    def index(self, states: list[FileState], root: str | None = None) -> BatchResult:
        """Read, chunk, embed and write a batch of files (new or changed)."""
        from tasks.documents import DocumentError, UnsupportedDocument, extract_read

        result = BatchResult()
        chunks_of: dict[str, list[Chunk]] = {}
        encoding_of: dict[str, str | None] = {}
        ready: list[FileState] = []
        for state in states:
            try:
                # one O_NOFOLLOW descriptor under root: the row records what was read
                document, read = extract_read(state.path, root=root)
                state = state.model_copy(update={"size": read.size, "mtime_ns": read.mtime_ns, "sha256": read.sha256})
            except UnsupportedDocument as exc:
                result.skipped.append(Problem(path=state.path, reason=exc.reason))
                continue
            except DocumentError as exc:
                result.failed.append(Problem(path=state.path, reason=exc.reason))
                continue
            except Exception as exc:  # a reader bug must not stop the other files
                log.exception("reading %s failed", state.path)
                result.failed.append(Problem(path=state.path, reason=f"{type(exc).__name__}: {exc}"))
                continue
            result.warnings.extend(Problem(path=state.path, reason=w) for w in document.warnings)
            chunks_of[state.path] = chunk_document(document, state.path, self.config, self.counter)
            encoding_of[state.path] = getattr(document, "encoding", None)
            ready.append(state)
            del document
        # a file that turned into something we do not read: its old chunks are stale
        dropped = [p.path for p in result.skipped if self.manifest.get(p.path) is not None]
        if dropped:
            result.chunks_deleted += self.delete(dropped).chunks_deleted
        if not ready:
            return result
        chunks = [chunk for state in ready for chunk in chunks_of[state.path]]
        texts = [chunk.embed_text(self.config) for chunk in chunks]
        digests = [content_hash(text, self.config_key, self.info.version) for text in texts]
        vectors = self._vectors(texts, digests, result)

        old_rows = {state.path: self.manifest.get(state.path) for state in ready}
        paths = [state.path for state in ready]
        self.manifest.begin(paths, "index")
        checkpoint("index:after-begin")
        new_ids = {chunk.id for chunk in chunks}
        old_ids = {c for row in old_rows.values() if row for c in row.chunk_ids}
        stale = sorted(old_ids - new_ids)
        result.chunks_deleted += self.store.delete(stale)
        checkpoint("index:after-delete")
        self.store.upsert(
            [chunk.id for chunk in chunks],
            vectors,
            [chunk.text for chunk in chunks],
            [chunk_metadata(chunk, root, digest, encoding_of.get(chunk.path))
             for chunk, digest in zip(chunks, digests, strict=True)],
        )
        result.chunks_written = len(new_ids - old_ids)
        result.chunks_kept = len(new_ids & old_ids)
        checkpoint("index:after-upsert")
        self.lexical.replace(paths, [(c.id, c.path, c.heading, c.text) for c in chunks])
        records = [
            FileRecord(
                path=state.path,
                size=state.size,
                mtime_ns=state.mtime_ns,
                sha256=state.sha256,
                chunk_ids=[chunk.id for chunk in chunks_of[state.path]],
                config_key=self.config_key,
                model=self.info.name,
                model_version=self.info.version,
            )
            for state in ready
        ]
        self.manifest.commit(records=records, done=paths)
        result.indexed = paths
        del chunks, vectors, chunks_of, records, texts
        release()
        return result

    def _vectors(self, texts: list[str], digests: list[str], result: BatchResult) -> Any:
        """One vector per text: stored vectors for content hashes the store already
        holds (an unchanged chunk, a copied file), the model for the rest."""
        import numpy as np

        known = self.store.vectors_by_hash(digests) if texts else {}
        missing = [i for i, digest in enumerate(digests) if digest not in known]
        # the same new text twice in a batch is embedded once
        first_of: dict[str, int] = {}
        for i in missing:
            first_of.setdefault(digests[i], i)
        vectors = np.zeros((len(texts), 0), dtype=np.float32)
        if first_of:
            started = time.perf_counter()
            order = list(first_of.values())
            encoded = get_embedder(self.info.name, self.backend).encode([texts[i] for i in order])
            result.embed_seconds = time.perf_counter() - started
            fresh = {digests[i]: encoded[n] for n, i in enumerate(order)}
            vectors = np.zeros((len(texts), encoded.shape[1]), dtype=np.float32)
        else:
            fresh = {}
        result.embedded = len(first_of)
        result.reused = len(texts) - len(first_of)
        for i, digest in enumerate(digests):
            vector = fresh.get(digest)
            if vector is None:
                vector = np.asarray(known[digest], dtype=np.float32)
                if vectors.shape[1] == 0:
                    vectors = np.zeros((len(texts), vector.shape[0]), dtype=np.float32)
            vectors[i] = vector
        return vectors
