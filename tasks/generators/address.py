"""Addresses in the locale's own style, plus country codes and coordinates."""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import constant, join, num_array, pick_formats, take
from tasks.generators.registry import generator


def pooled(b, name):
    """Values of the pool `name`, drawn uniformly."""
    pool = b.pool(name)
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("address.street", output="string", pools=("street_address",), low_cardinality=True, helpers=(pooled,))
def gen_street(b, p):
    """Street address line (house number and street, in the locale's order)."""
    return pooled(b, "street_address")


@generator("address.city", output="string", pools=("city",), low_cardinality=True, helpers=(pooled,))
def gen_city(b, p):
    """City or town name."""
    return pooled(b, "city")


@generator("address.state", output="string", pools=("state",), low_cardinality=True, helpers=(pooled,))
def gen_state(b, p):
    """State, province or prefecture."""
    return pooled(b, "state")


@generator("address.postcode", output="string", pools=("postcode_format",))
def gen_postcode(b, p):
    """Postal code in the locale's format (##### or ###-####)."""
    return pick_formats(b.rng, b.n, b.pools.values("postcode_format"))


@generator("address.country", output="string", pools=("country",), low_cardinality=True, helpers=(pooled,))
def gen_country(b, p):
    """Country name in the locale's language."""
    return pooled(b, "country")


@generator("address.country_code", output="string", pools=("country_code",), low_cardinality=True,
           params={"value": None}, helpers=(pooled,))
def gen_country_code(b, p):
    """ISO 3166 alpha-2 country code (a fixed one when `value` is set)."""
    if p.get("value"):
        return constant(str(p["value"]), b.n)
    return pooled(b, "country_code")


@generator("address.full", output="string", pools=("street_address", "city", "postcode_format"),
           helpers=(pooled,))
def gen_full_address(b, p):
    """Street, postcode and city on one line."""
    code = pick_formats(b.rng, b.n, b.pools.values("postcode_format"))
    return join([pooled(b, "street_address"), join([code, pooled(b, "city")], " ")], ", ")


@generator("address.latitude", output="float64", fits=("float", "decimal"), params={"min": -90.0, "max": 90.0})
def gen_latitude(b, p):
    """Latitude in degrees, 6 decimals."""
    return num_array(np.round(b.rng.uniform(float(p["min"]), float(p["max"]), b.n), 6), "float64")


@generator("address.longitude", output="float64", fits=("float", "decimal"),
           params={"min": -180.0, "max": 180.0})
def gen_longitude(b, p):
    """Longitude in degrees, 6 decimals."""
    return num_array(np.round(b.rng.uniform(float(p["min"]), float(p["max"]), b.n), 6), "float64")


def secondary_formats(locale):
    """Second address lines (flat, suite, floor) of a locale, as qaflow patterns."""
    tables = {
        "en": ["Apt. ###", "Apt. ###", "Suite ###", "Unit ##", "Floor ##", "Apt. #?"],
        "ko": ["###호", "####호", "#층", "###동 ####호", "##동 ###호"],
        "de": ["Wohnung ##", "#. OG", "Hinterhaus", "App. ###"],
        "ja": ["###号室", "####号室", "#階"],
        "fr": ["Appartement ###", "Bâtiment ?", "Étage #"],
    }
    return tables.get(str(locale or "en").split("_")[0].lower()) or tables["en"]


@generator("address.secondary", output="string", params={"max_length": None}, helpers=(secondary_formats,))
def gen_secondary(b, p):
    """Second address line (Apt. 402, Suite 12 / 1203호) in the locale's style."""
    out = pick_formats(b.rng, b.n, secondary_formats(b.pools.locale))
    if p.get("max_length"):
        import pyarrow.compute as pc

        out = pc.utf8_slice_codeunits(out, 0, int(p["max_length"]))
    return out
