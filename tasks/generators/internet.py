"""Internet values: e-mail addresses derived from the row's names, domains, URLs,
IP and MAC addresses, user agents.
"""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import (
    HEX,
    constant,
    fixed_strings,
    int_strings,
    join,
    num_array,
    str_array,
    take,
    unique_suffix,
)
from tasks.generators.person import name_index
from tasks.generators.registry import generator


@generator("internet.email", output="string",
           pools=("first_name_slug", "last_name_slug", "free_email_domain"),
           params={"first_name": None, "last_name": None, "domain": None},
           depends=("first_name", "last_name"), unique="native", helpers=(name_index,))
def gen_email(b, p):
    """E-mail built from the row's first and last names (romanized), e.g. jane.doe7@gmail.com."""
    first = take(b.pool("first_name_slug"), name_index(b, p["first_name"], "first", "first_name"))
    last = take(b.pool("last_name_slug"), name_index(b, p["last_name"], "last", "last_name"))
    seps = take(str_array([".", "_", "", "."]), b.rng.integers(0, 4, b.n))
    if p.get("unique"):
        tail = unique_suffix(b.rows, b.key, 6)
    else:
        numbers = str_array([str(i) for i in range(100)] + [""] * 150)
        tail = take(numbers, b.rng.integers(0, 250, b.n))
    domains = [str(p["domain"])] if p.get("domain") else b.pools.values("free_email_domain")
    at_domain = take(str_array(["@" + d for d in domains]), b.rng.integers(0, len(domains), b.n))
    return join([first, seps, last, tail, at_domain])  # one pass over the bytes


@generator("internet.domain", output="string", pools=("domain_name",), low_cardinality=True)
def gen_domain(b, p):
    """Domain name (example.com style) from the locale's pool."""
    pool = b.pool("domain_name")
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("internet.url", output="string", pools=("domain_name", "uri_page"))
def gen_url(b, p):
    """https URL on a pooled domain with a page path."""
    domains = b.pool("domain_name")
    pages = b.pool("uri_page")
    host = join([constant("https://www.", b.n), take(domains, b.rng.integers(0, len(domains), b.n))])
    return join([host, take(pages, b.rng.integers(0, len(pages), b.n))], "/")


@generator("internet.ipv4", output="string", params={"private": False})
def gen_ipv4(b, p):
    """Dotted IPv4 address (public-looking, or 10.x.x.x when private)."""
    octets = [int_strings(b.rng.integers(1 if i in (0, 3) else 0, 255, b.n)) for i in range(4)]
    if p.get("private"):
        octets[0] = constant("10", b.n)
    return join(octets, ".")


@generator("internet.ipv6", output="string")
def gen_ipv6(b, p):
    """Full-form IPv6 address (8 groups of 4 hex digits)."""
    mat = np.empty((b.n, 39), dtype=np.uint8)
    mat[:, 4::5] = ord(":")
    digits = HEX[b.rng.integers(0, 16, (b.n, 32))]
    for g in range(8):
        mat[:, g * 5:g * 5 + 4] = digits[:, g * 4:g * 4 + 4]
    return fixed_strings(mat)


@generator("internet.mac_address", output="string")
def gen_mac(b, p):
    """MAC address aa:bb:cc:dd:ee:ff."""
    mat = np.empty((b.n, 17), dtype=np.uint8)
    mat[:, 2::3] = ord(":")
    digits = HEX[b.rng.integers(0, 16, (b.n, 12))]
    for g in range(6):
        mat[:, g * 3:g * 3 + 2] = digits[:, g * 2:g * 2 + 2]
    return fixed_strings(mat)


@generator("internet.user_agent", output="string", pools=("user_agent",), low_cardinality=True)
def gen_user_agent(b, p):
    """Browser user-agent string."""
    pool = b.pool("user_agent")
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("internet.port", output="int64", fits=("integer",), params={"min": 1024, "max": 65535})
def gen_port(b, p):
    """TCP port number."""
    return num_array(b.rng.integers(int(p["min"]), int(p["max"]) + 1, b.n), "int64")


@generator("internet.http_status", output="int64", fits=("integer",), low_cardinality=True)
def gen_http_status(b, p):
    """HTTP status code, mostly 200."""
    codes = np.array([200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 503])
    return num_array(codes[b.rng.integers(0, len(codes), b.n)], "int64")



@generator("internet.password_hash", output="string", params={"length": None, "cost": 12})
def gen_password_hash(b, p):
    """Password hash, never a password: bcrypt ($2b$12$...) or, with `length` (a column too short
    for bcrypt's 60 characters), a hex digest of that length (sha1: 40)."""
    if p.get("length") and int(p["length"]) < 60:
        return fixed_strings(HEX[b.rng.integers(0, 16, (b.n, int(p["length"])))])
    alphabet = np.frombuffer(b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    head = f"$2b${int(p.get('cost') or 12):02d}$"
    body = fixed_strings(alphabet[b.rng.integers(0, len(alphabet), (b.n, 53))])
    return join([constant(head, b.n), body])
