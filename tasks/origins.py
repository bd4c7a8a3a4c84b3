"""Where a run's requests may go: origins (scheme, host, port), never host names alone.

A host name alone lets a request reach another service on the same machine
(another port) or the same service in clear (http instead of https), with the
target's token. So the allowlist holds origins, as browsers compare them:

- the target API's base URL gives its own origin;
- `allowed_hosts` entries add more: `api.example.com`, `api.example.com:8443`,
  `[::1]:9000`, `https://api.example.com`, `http://127.0.0.1:9000`. An entry
  without a scheme takes the base URL's; one without a port means the scheme's
  default port (80 for http, 443 for https), so `http://h:80` and `http://h` are
  the same origin;
- an https target never sends to plain http: an `http://` entry with an https
  base URL is an error, and `http://same-host` is refused like any other origin.

URLs are parsed with httpx's own parser, the one that sends the request, so
the origin checked is the origin connected to (`http://target@evil:9/` goes to
`evil`; host names are compared lower-case, without a trailing dot, and IP
literals in their canonical form).

A base module (standard library and httpx only): the TargetAPI block checks
its `allowed_hosts` with it when the block is made, and the bdd runner
(tasks/execution) enforces the same policy on every request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import httpx

__all__ = ["DEFAULT_PORTS", "Origin", "OriginError", "OriginPolicy", "check_entries", "origin_of", "parse_entry"]

DEFAULT_PORTS = {"http": 80, "https": 443}
ENTRY_FORMS = "host, host:port, [IPv6]:port, scheme://host or scheme://host:port"


class OriginError(ValueError):
    """A URL or allowlist entry that does not give an http(s) origin."""


class Origin(NamedTuple):
    scheme: str
    host: str  # lower-case, no trailing dot, IP literals canonical, IPv6 without brackets
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS.get(self.scheme) == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"


@lru_cache(maxsize=512)
def _canonical_host(raw: str) -> str:
    host = raw.strip().lower()
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]  # "example.com." is the fully qualified "example.com"
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return host


def origin_of(url: str | httpx.URL) -> Origin:
    """The origin a request to `url` connects to; OriginError if it is not an absolute http(s) URL."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError) as exc:
        raise OriginError(f"not a valid URL: {str(url)!r} ({exc})") from None
    scheme = parsed.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise OriginError(f"not an absolute http(s) URL: {str(url)!r}")
    host = _canonical_host(parsed.raw_host.decode("ascii", errors="replace"))
    if not host:
        raise OriginError(f"not an absolute http(s) URL (no host): {str(url)!r}")
    return Origin(scheme, host, parsed.port or DEFAULT_PORTS[scheme])


def parse_entry(entry: str, default_scheme: str = "https") -> Origin:
    """One `allowed_hosts` entry as an origin (see the module docstring for the forms)."""
    text = str(entry).strip()
    if not text:
        raise OriginError("an empty allowed_hosts entry")
    if "://" not in text:
        if text.count(":") > 1 and not text.startswith("["):
            text = f"[{text}]"  # a bare IPv6 address
        if any(c in text for c in "/?#@\\ "):
            raise OriginError(f"allowed_hosts entry {entry!r} is not one of: {ENTRY_FORMS}")
        text = f"{default_scheme}://{text}"
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise OriginError(f"allowed_hosts entry {entry!r} is not one of: {ENTRY_FORMS} ({exc})") from None
    if parsed.userinfo or parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        raise OriginError(
            f"allowed_hosts entry {entry!r} is a URL, not an origin: give {ENTRY_FORMS} "
            "(no user, path or query)"
        )
    try:
        return origin_of(parsed)
    except OriginError as exc:
        raise OriginError(f"allowed_hosts entry {entry!r}: {exc}") from None


def check_entries(entries: Iterable[str]) -> list[str]:
    """The entries, unchanged, if every one gives an origin; else a ValueError naming each bad one."""
    entries = list(entries)
    problems = []
    for entry in entries:
        try:
            parse_entry(entry)
        except OriginError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("; ".join(problems))
    return entries


@dataclass(frozen=True)
class OriginPolicy:
    """The target's own origin (the only one credentials go to) and every origin requests may reach."""

    own: Origin
    allowed: frozenset[Origin]

    @classmethod
    def for_target(cls, base_url: str, allowed_hosts: Iterable[str] = ()) -> OriginPolicy:
        """The policy of a TargetAPI: its base URL's origin plus its `allowed_hosts`."""
        try:
            own = origin_of(base_url)
        except OriginError as exc:
            raise OriginError(f"the target API's base URL: {exc}") from None
        allowed = {own}
        for entry in allowed_hosts:
            origin = parse_entry(entry, own.scheme)
            if own.scheme == "https" and origin.scheme == "http":
                raise OriginError(
                    f"allowed_hosts entry {entry!r} is plain http, but the target {own} is https: "
                    "an https target never sends to http"
                )
            allowed.add(origin)
        return cls(own, frozenset(allowed))

    def allows(self, origin: Origin) -> bool:
        return origin in self.allowed

    def describe(self) -> str:
        return ", ".join(sorted(str(o) for o in self.allowed))

    def refusal(self, origin: Origin) -> str:
        """Why a request to `origin` is refused, naming it and the allowed origins."""
        why = ""
        if origin.scheme == "http" and self.own.scheme == "https":
            why = " (an https target never sends to plain http)"
        return f"request to {origin} refused{why}: not one of the target API's allowed origins ({self.describe()})"
