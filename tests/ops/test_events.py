"""The files-changed event's shape (what the rag-sync trigger matches and reads);
its round trip through a server is in test_deployments.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.events import MAX_PATHS, emit_files_changed, files_changed_payload, folder_resource


def test_the_resource_names_the_absolute_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    resource = folder_resource(Path("docs"))
    assert resource["prefect.resource.id"] == f"qaflow.folder.{tmp_path.resolve() / 'docs'}"
    assert resource["qaflow.folder.path"] == str(tmp_path.resolve() / "docs")


def test_the_payload_carries_the_folder_and_at_most_max_paths(tmp_path: Path) -> None:
    paths = [f"f{i}.md" for i in range(MAX_PATHS + 5)]
    payload = files_changed_payload(tmp_path, paths)
    assert payload["folder"] == str(tmp_path.resolve())
    assert payload["paths"] == paths[:MAX_PATHS]
    assert payload["count"] == MAX_PATHS + 5 and payload["truncated"] is True
    assert files_changed_payload(tmp_path, ["a.md"])["truncated"] is False


def test_emitting_without_a_server_says_so(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(RuntimeError, match="qaflow server up"):
        emit_files_changed(tmp_path, ["a.md"])
