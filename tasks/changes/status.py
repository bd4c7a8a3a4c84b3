"""Read-only views of a rag index for other commands and pipelines.

`index_status` compares the manifest with the store (what `qaflow rag status`
prints); `context_retriever` is what another pipeline is handed to put
retrieved document text into its prompts (the bdd flow passes it to scenario
generation): neither runs a flow nor takes the writer lock. Chroma, the model
and Prefect are imported when a function runs, not when this module is
imported: the bdd flow imports it, and most bdd runs never ask for context.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

__all__ = ["IndexStatus", "Retriever", "context_retriever", "index_status"]

Retriever = Callable[[str, int], list[str]]


class IndexStatus(BaseModel):
    """Files and chunks the manifest records, and the drift: chunks missing from the store +
    chunks the manifest does not know + journal entries of a killed run. 0 drift means the
    store serves exactly the manifest."""

    files: int
    chunks: int
    drift: int

    def console_line(self) -> str:
        """What `qaflow rag status` prints."""
        hint = "" if self.drift == 0 else "  (run `qaflow rag sync DIR` to repair)"
        return f"files {self.files}  chunks {self.chunks}  drift {self.drift}{hint}"


def index_status(store: str = "default") -> IndexStatus:
    """Manifest vs store for the VectorStore block `store` (the default when unsaved)."""
    from blocks.vectorstore import VectorStore
    from tasks.changes.index import manifest_path, measure_drift
    from tasks.changes.manifest import Manifest
    from tasks.vectorstore.store import ChromaStore, close_clients

    block = VectorStore.resolve(store)
    manifest = Manifest(manifest_path(block))
    try:
        files, chunks = manifest.count()
        chroma = ChromaStore.existing(block)
        if chroma is None:
            return IndexStatus(files=files, chunks=chunks, drift=chunks + len(manifest.pending()))
        report = measure_drift(manifest, chroma)
        drift = report["missing_chunks"] + report["stale_chunks"] + report["pending"]
        return IndexStatus(files=files, chunks=chunks, drift=drift)
    finally:
        manifest.close()
        close_clients(keep_http=True)


def context_retriever(store: str = "default") -> Retriever | None:
    """`retrieve(text, k)` -> the texts of the k best chunks of the index `store`;
    None when that index holds no chunks (the caller says so: its prompts go without context)."""
    if not index_status(store).chunks:
        return None
    from tasks.vectorstore.query import query_index

    def retrieve(text: str, k: int) -> list[str]:
        return [hit["text"] for hit in query_index(text, k=k, store=store) if hit.get("text")]

    return retrieve
