"""Money: Luhn-valid card numbers, IBANs with correct check digits, currencies,
prices, BICs.
"""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import (
    DIGITS,
    decimal_array,
    fixed_strings,
    float_exact,
    pattern_fill,
    str_array,
    take,
)
from tasks.generators.numeric import draw_numbers
from tasks.generators.registry import generator


def luhn_digit(digits):
    """Luhn check digit for an (n, k) matrix of digit values (k = length without the check)."""
    doubled = digits[:, ::-1].astype(np.int64)
    doubled[:, ::2] *= 2
    doubled[doubled > 9] -= 9
    return (10 - doubled.sum(axis=1) % 10) % 10


@generator("finance.credit_card", output="string", params={"brand": None}, helpers=(luhn_digit,))
def gen_credit_card(b, p):
    """Card number that passes the Luhn check (Visa 4..., Mastercard 51-55, 16 digits)."""
    brands = {"visa": [4], "mastercard": [51, 52, 53, 54, 55]}
    prefixes = brands.get(p.get("brand") or "", [4, 4, 51, 52, 53, 54, 55])
    pick = np.array(prefixes)[b.rng.integers(0, len(prefixes), b.n)]
    digits = b.rng.integers(0, 10, (b.n, 15)).astype(np.int64)
    two = pick >= 10
    digits[:, 0] = np.where(two, pick // 10, pick)
    digits[two, 1] = pick[two] % 10
    full = np.concatenate([digits, luhn_digit(digits)[:, None]], axis=1)
    return fixed_strings(DIGITS[full])


def iban_layout(country):
    """BBAN length (digits) per country; letters-free layouts only."""
    return {"DE": 18, "FR": 23, "ES": 20, "IT": 23, "NL": 14, "BE": 12, "AT": 16, "CH": 17,
            "PL": 24, "PT": 21, "GB": 18, "KR": 18, "JP": 18, "US": 18}.get(country, 18)


@generator("finance.iban", output="string", params={"country": None}, helpers=(iban_layout,))
def gen_iban(b, p):
    """IBAN with valid ISO 7064 mod-97 check digits (country from the locale unless set)."""
    country = (p.get("country") or b.pools.locale.split("_")[-1]).upper()
    length = iban_layout(country)
    bban = b.rng.integers(0, 10, (b.n, length)).astype(np.int64)
    # check digits: (BBAN + country as numbers + "00") mod 97, computed digit by digit
    tail = [int(ch) for ch in "".join(str(ord(c) - 55) for c in country) + "00"]
    rem = np.zeros(b.n, dtype=np.int64)
    for col in range(length):
        rem = (rem * 10 + bban[:, col]) % 97
    for digit in tail:
        rem = (rem * 10 + digit) % 97
    check = 98 - rem
    head = np.empty((b.n, 4), dtype=np.int64)
    head[:, 0] = ord(country[0])
    head[:, 1] = ord(country[1])
    head[:, 2] = ord("0") + check // 10
    head[:, 3] = ord("0") + check % 10
    chars = np.concatenate([head, DIGITS[bban].astype(np.int64)], axis=1).astype(np.uint8)
    return fixed_strings(chars)


@generator("finance.currency_code", output="string", pools=("currency_code",), low_cardinality=True,
           params={"values": None})
def gen_currency_code(b, p):
    """ISO 4217 currency code (from `values` when given)."""
    pool = str_array([str(v) for v in p["values"]]) if p.get("values") else b.pool("currency_code")
    return take(pool, b.rng.integers(0, len(pool), b.n))


def price_output(p):
    return f"decimal128({int(p.get('precision') or 12)},{int(p.get('scale') or 2)})"


@generator("finance.price", output=price_output, fits=("decimal", "float"),
           params={"min": 0.5, "max": 5000, "precision": 12, "scale": 2, "charm": True},
           helpers=(draw_numbers,))
def gen_price(b, p):
    """Price with a long tail (lognormal), often ending in .99 when `charm` is set."""
    q = {**p, "distribution": "lognormal", "mean": None, "sd": None}
    scale = int(p.get("scale") or 2)
    cents = np.round(draw_numbers(b.rng, b.n, q) * 10**scale).astype(np.int64)
    if p.get("charm") and scale == 2:
        charm = b.rng.random(b.n) < 0.6
        cents[charm] = np.maximum((cents[charm] // 100) * 100 + 99, int(float(p["min"]) * 100))
        cents = np.minimum(cents, int(float(p["max"]) * 100))
    cents = float_exact(cents, scale, np.ceil(float(p["min"]) * 10**scale), np.floor(float(p["max"]) * 10**scale))
    return decimal_array(cents, int(p.get("precision") or 12), scale)


@generator("finance.bic", output="string")
def gen_bic(b, p):
    """SWIFT/BIC code (bank, country, location)."""
    return pattern_fill(b.rng, b.n, "????DE**")


@generator("finance.account_number", output="string", params={"pattern": "##########"})
def gen_account_number(b, p):
    """Bank account number from a digit pattern."""
    return pattern_fill(b.rng, b.n, str(p["pattern"]))
