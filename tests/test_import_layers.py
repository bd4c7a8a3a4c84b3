"""Imports only point down: the import-linter contracts of .importlinter hold, every module
has its place in them, and the `qaflow` client imports nothing but the standard library
before it decides where a command runs."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser[f"importlinter:contract:{name}"]


def _layer_modules(name: str) -> set[str]:
    """Every module named in a layers contract, optional ones without their parentheses."""
    names: set[str] = set()
    for line in _contract(name)["layers"].strip().splitlines():
        for part in line.replace("|", ":").split(":"):
            names.add(part.strip().strip("()"))
    return names


def _children(package: str) -> set[str]:
    """The sub-packages and modules directly under `package` in this checkout."""
    folder = ROOT / package
    found = {f"{package}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__"}
    found |= {f"{package}.{p.parent.name}" for p in folder.glob("*/__init__.py")}
    return found


def test_the_contracts_hold() -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), str(CONFIG), "--no-logo",
                           "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in done.stdout


def test_every_stage_and_base_module_has_a_layer() -> None:
    """A new package or module under tasks/ must be placed (stage or base), or the contract misses it."""
    placed = _layer_modules("layers")
    assert {"flows", "blocks", "tasks.settings", "tasks.paths"} <= placed
    assert _children("tasks") - placed == set()


def test_every_flows_module_has_a_layer() -> None:
    placed = _layer_modules("flows-layers")
    assert _children("flows") - placed == set()


def test_the_qaflow_client_imports_only_the_standard_library() -> None:
    """What every `qaflow` call runs before it hands the command to the warm runner (or not)."""
    probe = (
        "import sys; before = set(sys.modules); "
        "from flows import launch, warm_client; "
        "warm_client.wanted(['mockdata', 'generate', 'x.sql']); warm_client.running_pid(); "
        "import json; print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "QAFLOW_HOME": str(ROOT / ".qaflow-probe-absent")})
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    ours = {m for m in loaded if m.split(".")[0] in ("flows", "tasks", "blocks")}
    assert ours == {"flows", "flows.launch", "flows.warm_client", "flows.warm_socket", "flows.processes",
                    "tasks", "tasks.paths"}
    others = {m.split(".")[0] for m in loaded} - {"flows", "tasks", "blocks"}
    assert others <= set(sys.stdlib_module_names), sorted(others - set(sys.stdlib_module_names))
