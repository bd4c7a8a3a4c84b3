"""Companies and jobs from the locale's Faker pools."""

from __future__ import annotations

from tasks.codegen.kernel import str_array, take, weighted_draw, weighted_table
from tasks.codegen.registry import generator


@generator("company.name", output="string", pools=("company",), low_cardinality=True)
def gen_company(b, p):
    """Company name in the locale's style (GmbH, 주식회사, 株式会社 ...)."""
    pool = b.pool("company")
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("company.job", output="string", pools=("job",), low_cardinality=True)
def gen_job(b, p):
    """Job title in the locale's language."""
    pool = b.pool("job")
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("company.department", output="string", low_cardinality=True, params={"values": [
    "Engineering", "Sales", "Marketing", "Finance", "Operations", "Support", "HR", "Legal"],
    "weights": [0.3, 0.18, 0.12, 0.08, 0.12, 0.12, 0.05, 0.03]})
def gen_department(b, p):
    """Department from a weighted list."""
    table = weighted_table(p["weights"] or [1.0] * len(p["values"]))
    return take(str_array([str(v) for v in p["values"]]), weighted_draw(b.rng, b.n, table))
