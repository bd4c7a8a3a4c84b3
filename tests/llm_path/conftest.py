"""Shared set-up for the LLM authoring path: an empty answer cache per test, tiny
backoff, every circuit closed, and prose requirement documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.llm import client as llm_client

ANSWER = {"scenarios": [{"name": "The service is up", "tags": ["smoke"], "steps": [
    {"keyword": "When", "text": 'I send a GET request to "/health"'},
    {"keyword": "Then", "text": "the response status should be 200"}]}]}
UNBINDABLE = {"scenarios": [{"name": "Up", "steps": [{"keyword": "When", "text": "the service is asked"}]}]}


def prose_document(folder: Path, n: int, name: str = "srs.md") -> Path:
    """A Markdown SRS with `n` prose requirements (no executable criteria: each needs the LLM)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# Service", ""]
    for i in range(1, n + 1):
        lines += [f"## REQ-{i} Health check {i}", "", f"The service reports that it is up (variant {i}).", ""]
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def llm_path(qaflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(llm_client, "BACKOFF", llm_client.Backoff(base=0.001, cap=0.01))
    monkeypatch.setattr(llm_client, "sleep", lambda seconds: None)
    llm_client.reset_circuits()
    yield qaflow_home
    llm_client.reset_circuits()
