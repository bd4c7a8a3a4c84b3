"""Shared helpers: run registry generators through the same batch loop the rendered modules use."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa
import pytest

from tasks.generator_runtime.kernel import generate_table
from tasks.generator_runtime.pools import Pools
from tasks.generators.registry import get, registry

# One pool cache for the whole test session: Faker fills each locale's pools once.
POOL_CACHE = Path(tempfile.mkdtemp(prefix="qaflow-pools-"))


def column(name: str, generator: str, params: dict | None = None, **extra) -> dict:
    gen = get(generator)
    merged = gen.merged(params or {})
    merged.update({k: v for k, v in (params or {}).items() if k == "unique"})
    return {"name": name, "generator": generator, "params": merged, "type": gen.arrow_type(merged),
            "null_rate": 0.0, "nullable": True, **extra}


def make_table(columns: list[dict], n: int, *, seed: int = 7, locale: str = "en_US", start: int = 0,
               total: int | None = None, batch_size: int = 131_072, table: str = "t") -> pa.Table:
    batches = list(generate_table(
        table=table, columns=columns, order=list(range(len(columns))), n_rows=n, seed=seed,
        start_row=start, total_rows=total, batch_size=batch_size, pools=Pools(locale, POOL_CACHE),
        registry={name: g.fn for name, g in registry().items()},
    ))
    schema = batches[0].schema if batches else None
    return pa.Table.from_batches(batches, schema=schema)


def values(generator: str, params: dict | None = None, n: int = 2000, locale: str = "en_US") -> pa.ChunkedArray:
    return make_table([column("c", generator, params)], n, locale=locale).column("c")


@pytest.fixture(scope="session")
def pool_cache() -> Path:
    return POOL_CACHE
