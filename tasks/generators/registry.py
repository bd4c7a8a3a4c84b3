"""The generator registry: every column generator qaflow knows, keyed by name.

Like Faker's providers, each family lives in its own module and registers its
generators here. A generator is a vectorised function `fn(batch, params) ->
pyarrow.Array`; codegen copies its source into the rendered module, so the
LLM and the heuristics only ever choose names and parameters from this table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Unique = Literal["native", "suffix", "none"]

FAMILIES = (
    "person", "company", "internet", "address", "numeric", "temporal", "text",
    "identifiers", "finance", "choice", "nested", "media", "learned", "geometry", "binary", "document",
)


@dataclass(frozen=True)
class Generator:
    """One named generator and what codegen, mapping and the writer need to know about it."""

    name: str
    fn: Callable[..., Any]
    output: str | Callable[[dict], str]
    description: str
    params: dict[str, Any] = field(default_factory=dict)
    pools: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    fits: tuple[str, ...] = ("string",)
    unique: Unique = "none"
    keyed: bool = False
    low_cardinality: bool = False
    helpers: tuple[Callable[..., Any], ...] = ()

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    def arrow_type(self, params: dict) -> str:
        """The short Arrow type name this generator emits with `params`."""
        return self.output(params) if callable(self.output) else self.output

    def merged(self, params: dict | None) -> dict:
        """Defaults overlaid with the known keys of `params` (unknown keys dropped)."""
        merged = dict(self.params)
        for key, value in (params or {}).items():
            if key in self.params or key in self.depends:
                merged[key] = value
        return merged


REGISTRY: dict[str, Generator] = {}


def generator(name: str, *, output: str | Callable[[dict], str], params: dict | None = None,
              pools: tuple[str, ...] = (), depends: tuple[str, ...] = (),
              fits: tuple[str, ...] = ("string",), unique: Unique = "none", keyed: bool = False,
              low_cardinality: bool = False,
              helpers: tuple[Callable[..., Any], ...] = ()) -> Callable[[Callable], Callable]:
    """Register a vectorised generator function under `name` (its docstring is the description)."""

    def register(fn: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"generator {name!r} registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        REGISTRY[name] = Generator(
            name=name, fn=fn, output=output, description=doc[0] if doc else name,
            params=dict(params or {}), pools=pools, depends=depends, fits=fits, unique=unique,
            keyed=keyed, low_cardinality=low_cardinality, helpers=helpers,
        )
        return fn

    return register


def registry() -> dict[str, Generator]:
    """All generators, importing every family module once."""
    for family in FAMILIES:
        importlib.import_module(f"tasks.generators.{family}")
    return REGISTRY


def get(name: str) -> Generator:
    """One generator by name, with a clear error naming the nearest known ones."""
    gens = registry()
    if name not in gens:
        import difflib

        near = difflib.get_close_matches(name, list(gens), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise KeyError(f"unknown generator {name!r}{hint}")
    return gens[name]
