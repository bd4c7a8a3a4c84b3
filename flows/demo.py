"""`qaflow demo` / `make demo`: each pipeline's demo on the bundled examples.

Each pipeline's flow module has `demo(out_dir: Path) -> dict`, which runs that
pipeline offline and returns where its outputs are. They are imported here by name,
one at a time, so `--only mockdata` does not load the other pipelines' libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PIPELINES", "run_demos"]

PIPELINES = ("bdd", "mockdata", "rag")


def _demo(name: str) -> Callable[[Path], dict[str, Any]]:
    """The demo function of pipeline `name` (imported on demand)."""
    if name == "bdd":
        from flows.bdd import demo
    elif name == "mockdata":
        from flows.mockdata import demo
    elif name == "rag":
        from flows.rag import demo
    else:
        raise ValueError(f"no demo named {name!r}; known: {', '.join(PIPELINES)}")
    return demo


def run_demos(out_dir: Path, only: list[str] | None = None) -> dict[str, Any]:
    """Run every demo (or those named in `only`) and collect their results."""
    unknown = sorted(set(only or ()) - set(PIPELINES))
    if unknown:
        raise ValueError(f"no demo named {', '.join(unknown)}; known: {', '.join(PIPELINES)}")
    results: dict[str, Any] = {}
    for name in PIPELINES:
        if only and name not in only:
            continue
        target = out_dir / name
        target.mkdir(parents=True, exist_ok=True)
        results[name] = _demo(name)(target)
    return results
