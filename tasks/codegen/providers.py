"""The generator registry as rows: what `qaflow mockdata providers` lists.

A read-only view of tasks/generators/registry.py: name, family, the column types
each generator fits, what it emits, its parameters (those a user sets; the ones
it reads from other columns are listed apart) and whether it yields unique values.
"""

from __future__ import annotations

from typing import Any

from tasks.generators.registry import registry

__all__ = ["list_providers"]


def list_providers(family: str | None = None) -> list[dict[str, Any]]:
    """Every registered generator (or those of one family), sorted by name."""
    return [
        {"name": g.name, "family": g.family, "types": list(g.fits),
         "output": g.output if isinstance(g.output, str) else "depends on params",
         "params": {k: v for k, v in g.params.items() if k not in g.depends},
         "reads": list(g.depends), "unique": g.unique, "description": g.description}
        for g in sorted(registry().values(), key=lambda g: g.name) if family in (None, g.family)
    ]
