"""Secrets never reach a result, a report or a log: the redactor and the safe cut.

A secret can show up in more shapes than the one it was configured in: inside
`Basic base64(user:pass)`, base64-encoded somewhere in a body, URL-encoded in a
query string, JSON-escaped in a body. The redactor replaces every one of those
shapes it can compute in advance (and the user info of any URL, `https://***@host`),
and it always runs on the *whole* text before
anything is cut: cutting first could split a secret at the cut and leave half
of it, which no longer matches, in clear.

`clip()` is the one way code in this package shortens a text for a message: it
redacts with the redactor of the scenario running in this thread (set by the
runner), then cuts. As a last line of defence, for code that had to cut a text
before any redactor was known (an Outline row's name), a secret's first
characters standing right before a cut mark ("...", "…") are redacted too.
"""

from __future__ import annotations

import base64
import contextvars
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "***"
# Headers whose whole value is a credential, whatever it holds.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"}
)
MIN_SECRET = 3  # shorter "secrets" would redact ordinary text
MIN_DERIVED = 6  # base64 fragments and other derived shapes must be at least this long
MIN_EDGE = 4  # a secret's prefix this long before a cut mark is redacted
_CUT_MARK = re.compile(r"\.\.\.|…")
_MAX_CUT_MARKS = 32
_PERCENT = re.compile(r"%[0-9A-F]{2}")
# user info in a URL ("https://user:password@host") is a credential whoever wrote it
_URL_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#@\"'<>]+@")
_USERINFO_MARGIN = 256
_AUTH_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9._~+/-]*\s+(\S.*)$")


def _b64_forms(data: bytes) -> set[str]:
    """base64 shapes of `data`: whole (padded and not), and the part that is the same
    wherever `data` starts inside a longer encoded text (3 alignments), in both the
    standard and the URL-safe alphabet."""
    forms: set[str] = set()
    whole = base64.b64encode(data).decode()
    forms.update({whole, whole.rstrip("=")})
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        start = (0, 2, 3)[offset]  # the first characters mix in the bytes before the secret
        end = (8 * (offset + len(data))) // 6  # the last ones mix in the bytes after it
        core = encoded[start:end]
        if len(core) >= MIN_DERIVED:
            forms.add(core)
    return forms | {f.translate(str.maketrans("+/", "-_")) for f in forms}


def secret_forms(secret: str) -> set[str]:
    """Every shape of `secret` that the redactor looks for."""
    if len(secret) < MIN_SECRET:
        return set()
    forms = {secret}
    for escaped in (json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
        forms.add(escaped)
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.add(encoded)
        forms.add(_PERCENT.sub(lambda m: m.group(0).lower(), encoded))
    if len(secret) >= MIN_DERIVED:
        forms |= _b64_forms(secret.encode())
    return {f for f in forms if len(f) >= MIN_SECRET and (f == secret or len(f) >= min(MIN_DERIVED, len(secret)))}


def credential_of(header_value: str) -> str:
    """The credential in an Authorization-style value: `Bearer abc` -> `abc`; a bare value as it is."""
    match = _AUTH_SCHEME.match(header_value)
    return match.group(1).strip() if match else header_value.strip()


class Redactor:
    """Hides secret values (in all their shapes), credential headers and the user info of
    URLs in everything kept for reports."""

    def __init__(self, secrets: Iterable[str], header_names: Iterable[str] = ()) -> None:
        raw = {s for s in secrets if s and len(s) >= MIN_SECRET}
        self.raw = sorted(raw, key=len, reverse=True)
        forms: set[str] = set()
        for secret in raw:
            forms |= secret_forms(secret)
        self.secrets = sorted(forms, key=len, reverse=True)  # longest first: a shape never half-replaces another
        # heads of the secrets by length, longest first, for the cut-edge check
        heads: dict[int, set[str]] = {}
        for form in forms:
            for size in range(MIN_EDGE, len(form)):
                heads.setdefault(size, set()).add(form[:size])
        self._heads = sorted(heads.items(), reverse=True)
        self.sensitive_headers = SENSITIVE_HEADERS | {h.lower() for h in header_names if h}

    def learn(self, secrets: Iterable[str]) -> None:
        """Redact these secrets too from now on: a credential obtained during the run (an
        OAuth2 access token), unknown when the redactor was made."""
        new = {s for s in secrets if s and len(s) >= MIN_SECRET} - set(self.raw)
        if new:
            grown = Redactor([*self.raw, *new])
            self.raw, self.secrets, self._heads = grown.raw, grown.secrets, grown._heads

    def text(self, value: str) -> str:
        """`value` with every shape of every secret replaced, and any secret's head standing
        right before a cut mark."""
        if not value:
            return value
        value = self._replace(value)
        return self._edges(value) if self.secrets else value

    def _edges(self, value: str) -> str:
        """Redact a secret's first characters standing right before '...'/'…': what is left
        where some code cut a text without the redactor."""
        if "..." not in value and "…" not in value:
            return value
        ends = []
        for count, match in enumerate(_CUT_MARK.finditer(value)):
            if count >= _MAX_CUT_MARKS:
                break
            ends.append(match.start())
        for end in sorted(set(ends), reverse=True):  # from the back, so earlier positions stay valid
            for size, heads in self._heads:
                if size <= end and value[end - size : end] in heads:
                    value = value[: end - size] + REDACTED + value[end:]
                    break
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers:
            out[name] = REDACTED if name.lower() in self.sensitive_headers else self.text(value)
        return out

    def is_credential(self, name: str, value: str) -> bool:
        """Is this header a credential (by its name, or because it carries a secret)?"""
        return name.lower() in self.sensitive_headers or any(s in value for s in self.secrets)

    def _replace(self, value: str) -> str:
        if "@" in value and "://" in value:
            value = _URL_USERINFO.sub(rf"\1{REDACTED}@", value)
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def head(self, text: str, limit: int) -> tuple[str, bool]:
        """The first `limit` characters of the *redacted* text, and whether it was cut.

        The same as redacting the whole text, then cutting, without reading a
        10 MB body to keep 16 KB of it: a window a bit longer than `limit` is
        redacted, and only the part of it that no secret crossing the window's
        end could reach is kept (the window grows when redactions shrank it).
        """
        if len(text) <= limit:
            return self.text(text), False
        # the longest shape (or a URL's user info, up to this long) may cross the window's end
        margin = max(len(self.secrets[0]) if self.secrets else 0, _USERINFO_MARGIN)
        end = limit + margin
        while end < len(text):
            redacted = self._replace(text[:end])
            safe = redacted[: max(len(redacted) - margin, 0)]
            if len(safe) >= limit:
                return safe[:limit], True
            end += limit - len(safe) + margin
        redacted = self.text(text)
        return (redacted[:limit], True) if len(redacted) > limit else (redacted, False)

    def cut(self, text: str, limit: int, mark: str = "...") -> str:
        """Redact the whole text, then keep its first `limit` characters."""
        kept, was_cut = self.head(text, limit)
        return kept + mark if was_cut else kept

    def body(self, content: bytes | str | None, cap: int) -> str | None:
        """A request or response body for a report: redacted whole, then cut to `cap` characters."""
        if content is None or content == b"" or content == "":
            return None
        text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        kept, was_cut = self.head(text, cap)
        return kept + f"\n... [truncated: {len(text)} characters in all]" if was_cut else kept

    def value(self, value: Any) -> Any:
        """Strings anywhere in a JSON-like value, redacted (dict keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


_NO_SECRETS = Redactor(())
_current: contextvars.ContextVar[Redactor] = contextvars.ContextVar("qaflow_redactor", default=_NO_SECRETS)


@contextmanager
def redacting(redactor: Redactor) -> Iterator[Redactor]:
    """Make `redactor` the one `clip()` and `current()` use in this thread, for the block."""
    token = _current.set(redactor)
    try:
        yield redactor
    finally:
        _current.reset(token)


def current() -> Redactor:
    return _current.get()


def clip(text: str, limit: int, mark: str = "...") -> str:
    """A text shortened for a message: redacted whole with this scenario's redactor, then cut."""
    return _current.get().cut(text, limit, mark)


def _plain(value: Any) -> str:
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else value)


def target_redactor(target: Any) -> Redactor:
    """The redactor of a run against `target`: every secret of its auth profiles, the exact
    credentials those profiles send (so `Basic base64(user:pass)` is known whole), the
    credentials among the block's default headers, and the profiles' API-key header names."""
    secrets: list[str] = list(target.secret_values())
    names: set[str] = set()
    for profile in (getattr(target, "auth_profiles", None) or {}).values():
        for name, value in profile.headers().items():
            names.add(name)
            secrets.append(credential_of(_plain(value)))
    sensitive = SENSITIVE_HEADERS | {n.lower() for n in names}
    for name, value in (getattr(target, "headers", None) or {}).items():
        if name.lower() in sensitive:
            secrets.append(credential_of(_plain(value)))
    return Redactor(secrets, names)
