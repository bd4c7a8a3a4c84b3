"""Every QAFLOW_* variable is a settings field, documented, and read through the settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from tasks.settings import Settings, settings

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for folder in ("flows", "tasks", "blocks") for p in (ROOT / folder).rglob("*")
        if p.suffix in {".py", ".j2"} and "__pycache__" not in p.parts]
NAME = re.compile(r"QAFLOW_[A-Z0-9_]+")
# Variables qaflow sets itself and reads only through an `env:NAME` reference (docs/configuration.md).
SET_BY_QAFLOW = ("QAFLOW_ENV_VAR_", "QAFLOW_BDD_DEMO_TOKEN")
# Readers that must not import pydantic: the generated modules (standalone) and the warm client (fast path).
DIRECT_READERS = {"tasks/codegen/templates/generator.py.j2", "flows/warm_client.py"}
DIRECT_READ = re.compile(
    r"""os\.(?:environ\.get|getenv)\(\s*["'](QAFLOW_[A-Z0-9_]+)|os\.environ\[\s*["'](QAFLOW_[A-Z0-9_]+)["']\s*\](?!\s*=[^=])""")


def variables_in_code() -> dict[str, str]:
    """QAFLOW_* name -> a file that names it (prefixes in prose, e.g. QAFLOW_DOCUMENTS_MAX_*, left out)."""
    found: dict[str, str] = {}
    for path in CODE:
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            if not name.endswith("_") and not name.startswith(SET_BY_QAFLOW):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_every_variable_in_the_code_is_a_settings_field() -> None:
    found = variables_in_code()
    assert len(found) >= 20  # the scan sees the code
    fields = {f"QAFLOW_{name.upper()}" for name in Settings.model_fields}
    missing = {name: where for name, where in found.items() if name not in fields}
    assert not missing, f"QAFLOW_* variables that are not fields of tasks.settings.Settings: {missing}"


def test_every_field_is_documented_in_configuration_md() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    undocumented = [name for name in Settings.model_fields if f"`QAFLOW_{name.upper()}`" not in text]
    assert not undocumented, f"settings fields missing from docs/configuration.md: {undocumented}"
    hooks = [name for name, field in Settings.model_fields.items() if "TEST HOOK" in (field.description or "")]
    assert set(hooks) == {"rag_crash_at", "rag_crash_mode", "rag_crash_marker", "rag_crash_pause"}


def test_no_module_reads_a_qaflow_variable_around_the_settings() -> None:
    direct = []
    for path in CODE:
        if str(path.relative_to(ROOT)) in DIRECT_READERS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = DIRECT_READ.search(line)
            if (match and "#" not in line[: match.start()]  # a comment that quotes a read is no read
                    and not (match.group(1) or match.group(2)).startswith(SET_BY_QAFLOW)):
                direct.append(f"{path.relative_to(ROOT)}:{number}")
    assert not direct, f"read QAFLOW_* through tasks.settings.settings(), not os.environ: {direct}"


def test_settings_follow_the_environment_as_it_changes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QAFLOW_RAG_PREFECT_LIMIT", "off")
    monkeypatch.setenv("qaflow_faker_locale", "de_DE")
    assert settings().rag_prefect_limit is False and settings().faker_locale == "de_DE"
    assert settings() is settings()  # parsed once per set of values
    monkeypatch.setenv("QAFLOW_RAG_PREFECT_LIMIT", "")  # empty: unset, the default
    monkeypatch.setenv("QAFLOW_MODEL_CACHE", str(tmp_path))
    assert settings().rag_prefect_limit is True and settings().model_cache == tmp_path
    with pytest.raises(ValidationError):
        settings().warm = False  # shared: frozen
    monkeypatch.setenv("QAFLOW_CHROMA_PORT", "abc")
    with pytest.raises(ValidationError, match="chroma_port"):
        settings()


def test_the_crash_hook_reads_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tasks.changes.index import SimulatedCrash, checkpoint

    checkpoint("index:after-upsert")  # not asked: nothing happens
    monkeypatch.setenv("QAFLOW_RAG_CRASH_AT", "index:after-upsert")
    with pytest.raises(SimulatedCrash):
        checkpoint("index:after-upsert")
    checkpoint("index:before-upsert")  # another point goes on
    marker = tmp_path / "paused"
    monkeypatch.setenv("QAFLOW_RAG_CRASH_MODE", "pause")
    monkeypatch.setenv("QAFLOW_RAG_CRASH_MARKER", str(marker))
    monkeypatch.setenv("QAFLOW_RAG_CRASH_PAUSE", "0")
    checkpoint("index:after-upsert")
    assert marker.read_text().isdigit()
