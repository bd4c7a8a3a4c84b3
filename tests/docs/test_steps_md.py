"""docs/steps.md is generated from the live step registry and must match it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_generator() -> ModuleType:
    """scripts/gen_steps_md.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_steps_md", ROOT / "scripts" / "gen_steps_md.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_steps_md_is_what_the_registry_generates() -> None:
    generated = load_generator().render()
    committed = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/steps.md is stale: run python scripts/gen_steps_md.py"


def test_every_registered_step_is_on_the_page() -> None:
    from tasks.execution.catalogue import CATALOGUE

    page = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    missing = [s.pattern for s in CATALOGUE.steps if f"### `{s.pattern}`" not in page]
    assert not missing, f"steps missing from docs/steps.md: {missing}"
    assert len(CATALOGUE.steps) >= 29


def test_check_mode_reports_a_stale_page(tmp_path: Path, monkeypatch) -> None:
    generator = load_generator()
    stale = tmp_path / "steps.md"
    stale.write_text(generator.render().replace("Response steps", "Answer steps"), encoding="utf-8")
    monkeypatch.setattr(generator, "TARGET", stale)
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0  # rewrites it
    assert generator.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == generator.render()
