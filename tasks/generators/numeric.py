"""Numbers: integers, floats and decimals in a range with a uniform, normal or
lognormal shape, and booleans with a probability.
"""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import bool_array, decimal_array, float_exact, num_array
from tasks.generators.registry import generator

SHAPE = {"min": 0, "max": 1000, "distribution": "uniform", "mean": None, "sd": None}


def draw_numbers(rng, n, p):
    """Floats in [min, max] shaped by p["distribution"]: uniform, normal or lognormal."""
    lo, hi = float(p["min"]), float(p["max"])
    kind = p.get("distribution") or "uniform"
    if kind == "normal":
        mean = (lo + hi) / 2 if p.get("mean") is None else float(p["mean"])
        sd = (hi - lo) / 6 if p.get("sd") is None else float(p["sd"])
        return np.clip(rng.normal(mean, sd, n), lo, hi)
    if kind == "lognormal":
        # median near a fifth of the range, long right tail, clipped into range
        median = (lo + (hi - lo) / 5) if p.get("mean") is None else float(p["mean"])
        sigma = 0.8 if p.get("sd") is None else float(p["sd"])
        values = lo + rng.lognormal(np.log(max(median - lo, 1e-9)), sigma, n)
        return np.clip(values, lo, hi)
    return rng.uniform(lo, hi, n)


def int_output(p):
    return "int64"


@generator("numeric.integer", output="int64", fits=("integer",), params=dict(SHAPE), helpers=(draw_numbers,))
def gen_integer(b, p):
    """Integer in [min, max], uniform, normal or lognormal."""
    if (p.get("distribution") or "uniform") == "uniform":
        return num_array(b.rng.integers(int(p["min"]), int(p["max"]) + 1, b.n), "int64")
    return num_array(np.round(draw_numbers(b.rng, b.n, p)).astype(np.int64), "int64")


@generator("numeric.float", output="float64", fits=("float", "decimal"),
           params={**SHAPE, "decimals": 2}, helpers=(draw_numbers,))
def gen_float(b, p):
    """Float in [min, max] rounded to `decimals` places."""
    values = draw_numbers(b.rng, b.n, p)
    if p.get("decimals") is not None:
        values = np.round(values, int(p["decimals"]))
    return num_array(values, "float64")


def decimal_output(p):
    return f"decimal128({int(p.get('precision') or 18)},{int(p.get('scale') or 0)})"


@generator("numeric.decimal", output=decimal_output, fits=("decimal", "float"),
           params={**SHAPE, "precision": 12, "scale": 2}, helpers=(draw_numbers,))
def gen_decimal(b, p):
    """Exact decimal with `scale` digits after the point (DECIMAL(p,s) columns)."""
    scale = int(p.get("scale") or 0)
    precision = int(p.get("precision") or 18)
    limit = 10 ** min(precision, 18) - 1
    unscaled = np.round(draw_numbers(b.rng, b.n, p) * 10**scale).astype(np.int64)
    unscaled = np.clip(unscaled, -limit, limit)
    low, high = max(-limit, np.ceil(float(p["min"]) * 10**scale)), min(limit, np.floor(float(p["max"]) * 10**scale))
    return decimal_array(float_exact(unscaled, scale, low, high), precision, scale)  # JSON-safe multipleOf


@generator("numeric.boolean", output="bool", fits=("boolean",), params={"probability": 0.5},
           low_cardinality=True)
def gen_boolean(b, p):
    """True with the given probability."""
    return bool_array(b.rng.random(b.n) < float(p["probability"]))


@generator("numeric.quantity", output="int64", fits=("integer",), params={"min": 1, "max": 20})
def gen_quantity(b, p):
    """Small positive count (items in a basket): mostly 1-3, a long tail."""
    lo, hi = int(p["min"]), int(p["max"])
    return num_array(np.clip(lo + b.rng.geometric(0.45, b.n) - 1, lo, hi), "int64")


@generator("numeric.percentage", output="float64", fits=("float", "decimal"))
def gen_percentage(b, p):
    """Percentage 0-100 with one decimal."""
    return num_array(np.round(b.rng.uniform(0, 100, b.n), 1), "float64")
