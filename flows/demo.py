"""`qaflow demo` / `make demo`: each pipeline's demo on the bundled examples.

Each entry names a module whose `demo(out_dir: Path) -> dict` runs that
pipeline offline and returns where its outputs are.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

DEMOS: list[str] = [
    "flows.bdd",
    "flows.mockdata",
    "flows.rag",
]


def run_demos(out_dir: Path, only: list[str] | None = None) -> dict[str, Any]:
    """Run every demo (or those named in `only`) and collect their results."""
    results: dict[str, Any] = {}
    for module_name in DEMOS:
        short = module_name.rsplit(".", 1)[-1]
        if only and short not in only:
            continue
        module = importlib.import_module(module_name)
        target = out_dir / short
        target.mkdir(parents=True, exist_ok=True)
        results[short] = module.demo(target)
    return results
