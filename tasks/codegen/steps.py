"""The thin Prefect tasks of the codegen stage: columns -> generators -> rendered modules.

The work lives in tasks/codegen/mapping.py (map_schema, ask_llm) and
tasks/codegen/render.py (write_generators); these wrappers only give it task
runs, names and cache policies.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.codegen.mapping import ask_llm, map_schema
from tasks.codegen.plan import Plan
from tasks.codegen.render import DEFAULT_BATCH_SIZE, write_generators
from tasks.schema.spec import SchemaSpec

__all__ = ["llm_choices", "map_columns", "render_generators"]


@task(name="map-columns-llm", cache_policy=NO_CACHE)
def llm_choices(messages: list[dict], model: str, base_url: str | None, endpoint: Any) -> dict:
    """One LLM call per schema, shown as its own task run. Not cached by Prefect (the LLM
    client caches accepted answers by meaning; a failed or partial answer is never kept) and
    not retried by Prefect (the client retries; its circuit breaker stops an outage)."""
    return ask_llm(messages, endpoint)


def _ask_as_task(messages: list[dict], endpoint: Any) -> dict:
    return llm_choices(messages, endpoint.model, endpoint.base_url, endpoint)


@task(name="map-columns")
def map_columns(schema: SchemaSpec, rows: int | dict[str, int], locale: str = "en_US",
                endpoint: Any = None, null_rate: float | None = None) -> Plan:
    """Map every column to a generator (the LLM call, if any, is its own task run)."""
    return map_schema(schema, rows, locale, endpoint, ask=_ask_as_task, null_rate=null_rate)


@task(name="render-generators")
def render_generators(plan: Plan, schema: SchemaSpec, out_dir: str, batch_size: int = DEFAULT_BATCH_SIZE,
                      pool_cache: str | None = None) -> dict[str, str]:
    """Write `<table>_generator.py` for every table and `mapping.yaml` beside them."""
    return write_generators(plan, schema, out_dir, batch_size, pool_cache)
