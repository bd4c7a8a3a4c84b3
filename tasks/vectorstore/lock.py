"""One writer per collection.

Two guards, taken in this order and released in reverse:

1. A Prefect global concurrency limit (`rag-sync-<collection key>`, 1 slot),
   so syncs of the same collection on different machines (a Chroma server,
   a Prefect server) queue. Only against a Prefect server that outlives the
   sync (PREFECT_API_URL, `qaflow server up`): an ephemeral API keeps leases
   in the memory of a server that dies with the process, so a killed holder
   would block every later sync for good. The lease is 60 s (the server's
   minimum), renewed while held, so a killed holder frees the slot within
   about a minute.
2. A file lock next to the store (filelock), which the OS releases when the
   holder dies: a SIGKILLed sync never blocks the next one on this machine.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from tasks.settings import settings
from tasks.vectorstore.store import location_key, state_folder

if TYPE_CHECKING:
    from blocks.vectorstore import VectorStore

log = logging.getLogger(__name__)

LEASE_SECONDS = 60


class SyncBusy(TimeoutError):
    """Another sync holds the collection and did not finish within the wait."""


def limit_name(block: VectorStore) -> str:
    """The Prefect concurrency limit for one collection at one location."""
    digest = hashlib.sha256(f"{location_key(block)}|{block.collection}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9-]+", "-", block.collection.lower()).strip("-")[:40]
    return f"rag-sync-{slug}-{digest}"


def lock_path(block: VectorStore) -> Path:
    return state_folder(block) / f"{block.collection}.lock"


def prefect_limits_enabled(own_api_url: str | None = None) -> bool:
    """A Prefect API that outlives this process is configured, and the limit is not off.

    Not with Prefect's ephemeral API nor the CLI's temporary server (`own_api_url`:
    the URL of the API this process started for itself, which the flow passes in):
    their leases live in the memory of a server that dies with this process,
    while the slot count lives in the shared database, so a killed sync would
    hold the slot for ever.
    """
    if not settings().rag_prefect_limit:  # QAFLOW_RAG_PREFECT_LIMIT
        return False
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        return False
    return not (own_api_url and own_api_url.rstrip("/") == str(url).rstrip("/"))


def _ensure_limit(name: str) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)


@contextmanager
def writer_lock(
    block: VectorStore, timeout: float | None = None, own_api_url: str | None = None
) -> Iterator[float]:
    """Hold the collection for writing; yields the seconds spent waiting.

    `timeout` None waits as long as it takes; on expiry SyncBusy is raised.
    `own_api_url`: see `prefect_limits_enabled`.
    """
    started = time.perf_counter()
    with ExitStack() as stack:
        if prefect_limits_enabled(own_api_url):
            from prefect.concurrency.sync import concurrency

            name = limit_name(block)
            _ensure_limit(name)
            try:
                stack.enter_context(
                    concurrency(name, occupy=1, timeout_seconds=timeout, lease_duration=LEASE_SECONDS, strict=True)
                )
            except TimeoutError as exc:
                raise SyncBusy(f"another sync holds {block.describe()} (Prefect limit {name})") from exc
        path = lock_path(block)
        lock = FileLock(str(path), timeout=-1 if timeout is None else max(0.0, timeout - (time.perf_counter() - started)))
        try:
            stack.enter_context(lock)
        except Timeout as exc:
            raise SyncBusy(f"another sync holds {block.describe()} (lock file {path})") from exc
        waited = time.perf_counter() - started
        if waited > 1:
            log.info("waited %.1f s for another sync of %s", waited, block.describe())
        yield waited
