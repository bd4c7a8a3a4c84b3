"""Where a store is, for a read-only query, found without importing Prefect.

`qaflow rag query` is interactive: importing Prefect (~1.4 s here) and
starting its ephemeral API (~7 s) only to learn where the store is would cost
more than the query itself. So a query looks the VectorStore block up as
cheaply as the situation allows:

- a running Prefect server (PREFECT_API_URL, or `qaflow server up`): one
  HTTP GET of the block document, no Prefect import;
- no server: Prefect's SQLite database is asked read-only whether such a block
  was ever saved; when none was, the environment's defaults are the answer,
  exactly what `VectorStore.resolve` would have returned;
- otherwise (a saved block behind an API we cannot read cheaply, an API that
  needs credentials, another database): None, and the caller falls back to
  `VectorStore.resolve` with the API started, as before.

`StoreLocation` has the attributes ChromaStore reads from a block.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.settings import settings, state_dir

BLOCK_TYPE_SLUG = "qaflow-vector-store"


class _Secret:
    """Enough of pydantic's SecretStr for `client_for`."""

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "_Secret('**********')"


@dataclass
class StoreLocation:
    """The fields of a VectorStore block a query needs (see blocks/vectorstore.py)."""

    mode: str = "embedded"
    path: str | None = None
    host: str | None = None
    port: int = 8000
    ssl: bool = False
    headers: dict[str, Any] = field(default_factory=dict)
    collection: str = "qaflow-docs"
    embedding_backend: str | None = None

    @classmethod
    def from_env(cls) -> StoreLocation:
        s = settings()
        if s.chroma_host:
            return cls(mode="server", host=s.chroma_host, port=s.chroma_port or 8000)
        return cls(path=str(s.chroma_path) if s.chroma_path else None)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StoreLocation:
        known = {k: data[k] for k in ("mode", "path", "host", "port", "ssl", "collection", "embedding_backend")
                 if data.get(k) is not None}
        headers = {str(k): _Secret(str(v)) for k, v in (data.get("headers") or {}).items()}
        return cls(headers=headers, **known)

    def local_path(self) -> Path:
        if self.path:
            path = Path(os.path.expanduser(self.path)).resolve()
            path.mkdir(parents=True, exist_ok=True)
            return path
        return state_dir("chroma")

    def describe(self) -> str:
        if self.mode == "server":
            return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port} [{self.collection}]"
        return f"{self.local_path()} [{self.collection}]"


def _from_api(api_url: str, name: str) -> StoreLocation | None:
    import httpx

    url = f"{api_url.rstrip('/')}/block_types/slug/{BLOCK_TYPE_SLUG}/block_documents/name/{name}"
    try:
        response = httpx.get(url, params={"include_secrets": "true"}, timeout=5)
    except httpx.HTTPError:
        return None
    if response.status_code == 404:
        return StoreLocation.from_env()  # not saved: the defaults, as VectorStore.resolve does
    if response.status_code != 200:
        return None
    return StoreLocation.from_data(response.json().get("data") or {})


def _prefect_database() -> Path | None:
    """The SQLite file of Prefect's default database, when that is what is configured."""
    url = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") or os.environ.get(
        "PREFECT_SERVER_DATABASE_CONNECTION_URL"
    )
    if url:
        return None  # a database of the user's choosing: let Prefect read it
    prefect_home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    return prefect_home / "prefect.db"


def _saved_in_database(database: Path, name: str) -> bool | None:
    """Whether a VectorStore block `name` is saved; None when that cannot be told."""
    if not database.exists():
        return False
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2)
        try:
            row = db.execute(
                "SELECT 1 FROM block_document d JOIN block_type t ON d.block_type_id = t.id "
                "WHERE t.slug = ? AND d.name = ? LIMIT 1",
                (BLOCK_TYPE_SLUG, name),
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return row is not None


def query_location(name: str | None, api_url: str | None) -> StoreLocation | None:
    """The store `name` names, found without Prefect, or None (ask Prefect; see module doc).

    `api_url`: the Prefect server the process would use, or None for none running.
    """
    if not name:
        return StoreLocation.from_env()
    if os.environ.get("PREFECT_API_KEY") or os.environ.get("PREFECT_API_AUTH_STRING"):
        return None  # an API that wants credentials: Prefect's client knows how
    if api_url:
        return _from_api(api_url, name)
    database = _prefect_database()
    if database is None:
        return None
    saved = _saved_in_database(database, name)
    if saved is False:
        return StoreLocation.from_env()
    return None
