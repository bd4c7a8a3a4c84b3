"""The LLM answer cache on disk, so that a re-run makes no call.

Key: sha256 of the canonical JSON of what gives an answer its meaning: the
model, the endpoint kind (the provider), the prompt (the messages), the answer
schema (its JSON schema, plus `FORMAT`, bumped when an entry's meaning changes)
and the temperature. The endpoint's URL is deliberately not part of it: the same
model asked the same thing is the same answer whether vLLM or Ollama serves it.
Prompts never carry a local path, so the same document read from another folder
or by another spelling of its path has the same key. Only answers that validated
(schema and the caller's own checks) are written, so failures are never cached.
Entries are written whole (tasks.files.write_atomic), private to the user
(0600: answers quote the requirements), so a run killed mid-write leaves no
half-written entry. Entries live under
QAFLOW_HOME/llm-cache/<2 hex>/<key>.json; delete the folder to forget them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from tasks.files import write_atomic
from tasks.paths import LLM_CACHE, state_dir

log = logging.getLogger(__name__)


# The version of the entries' meaning: bump it to forget every cached answer at once.
FORMAT = 2


def cache_key(
    model: str,
    messages: list[dict],
    json_schema: dict,
    *,
    kind: str = "openai-compatible",
    temperature: float = 0.0,
) -> str:
    """sha256 hex of the canonical JSON of (model, endpoint kind, messages, schema, temperature)."""
    canonical = json.dumps(
        {"format": FORMAT, "model": model, "kind": kind, "messages": messages, "schema": json_schema,
         "temperature": float(temperature)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _path(key: str) -> Path:
    return state_dir(*LLM_CACHE) / key[:2] / f"{key}.json"


def load(key: str) -> Any | None:
    """The cached answer (parsed JSON), or None when absent or unreadable."""
    path = _path(key)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        return entry["answer"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable LLM cache entry %s (%s)", path, exc)
        return None


def store(key: str, answer: Any, *, model: str, schema_name: str) -> Path:
    """Write one validated answer atomically (temporary file, then rename)."""
    entry = {"model": model, "schema": schema_name, "created": time.time(), "answer": answer}
    return write_atomic(_path(key), json.dumps(entry, ensure_ascii=False), mode=0o600)
