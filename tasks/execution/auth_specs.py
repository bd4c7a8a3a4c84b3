"""`--auth PROFILE=SPEC`: every kind of auth profile, its values named, never given.

    ENV | secret:BLOCK | bearer:SRC              a bearer token
    apikey:header|query|cookie:NAME:SRC          an API key (header, query parameter or cookie NAME)
    basic:USER_SRC:PASS_SRC                      HTTP basic
    oauth2:client:ID_SRC:SECRET_SRC[:/PATH]      OAuth2 client-credentials grant
    oauth2:password:USER_SRC:PASS_SRC[:ID_SRC[:SECRET_SRC]][:/PATH]   OAuth2 password grant

Each SRC is an environment variable, or `secret:BLOCK` (a Prefect Secret block), or
a variable name that is not set but names a Secret block. The OAuth2 token URL is
the OpenAPI security scheme's `tokenUrl`, or the optional `/PATH` under the base
URL. A spec holds names only, so it may travel as a flow parameter; the values are
read where the run happens (`build_profile`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import SecretStr

from blocks.target_api import AuthProfile

SECRET_PREFIX = "secret:"
FORMS = ("ENV", "secret:BLOCK", "bearer:SRC", "apikey:header|query|cookie:NAME:SRC", "basic:USER_SRC:PASS_SRC",
         "oauth2:client:ID_SRC:SECRET_SRC[:/TOKEN_PATH]",
         "oauth2:password:USER_SRC:PASS_SRC[:ID_SRC[:SECRET_SRC]][:/TOKEN_PATH]")


class AuthSpecError(ValueError):
    """An `--auth` value that names no kind of profile qaflow knows."""


@dataclass
class AuthSpec:
    """A parsed `--auth` value: the kind and the sources (names) of its values."""

    kind: str
    sources: dict[str, str] = field(default_factory=dict)  # field -> ENV or secret:BLOCK
    location: str = "header"
    name: str = ""  # the API key's header, query parameter or cookie
    grant: str = "client_credentials"
    token_path: str | None = None


def _tokens(spec: str) -> list[str]:
    """`a:secret:B:c` -> ["a", "secret:B", "c"]: `secret:` keeps its block name."""
    parts = spec.split(":")
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] == "secret" and i + 1 < len(parts):
            out.append(f"secret:{parts[i + 1]}")
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def parse_spec(profile: str, spec: str) -> AuthSpec:
    """The kind and value sources of `--auth PROFILE=SPEC`, or AuthSpecError naming the forms."""
    spec = spec.strip()
    tokens = _tokens(spec)
    if any(not t.strip() for t in tokens):
        raise _error(profile, spec, "an empty part")
    head = tokens[0].lower()
    if len(tokens) == 1:
        return AuthSpec("bearer", {"token": tokens[0]})
    if head == "bearer" and len(tokens) == 2:
        return AuthSpec("bearer", {"token": tokens[1]})
    if head in ("apikey", "api_key", "api-key") and len(tokens) == 4:
        location = tokens[1].lower()
        if location not in ("header", "query", "cookie"):
            raise _error(profile, spec, f"the API key goes in a header, query or cookie, not {tokens[1]!r}")
        return AuthSpec("api_key", {"key": tokens[3]}, location=location, name=tokens[2])
    if head == "basic" and len(tokens) == 3:
        return AuthSpec("basic", {"username": tokens[1], "password": tokens[2]})
    if head == "oauth2" and len(tokens) >= 4:
        grant = {"client": "client_credentials", "client_credentials": "client_credentials",
                 "clientcredentials": "client_credentials", "password": "password"}.get(tokens[1].lower())
        rest = tokens[2:]
        path = rest.pop() if rest and rest[-1].startswith("/") else None
        if grant == "client_credentials" and len(rest) == 2:
            return AuthSpec("oauth2", {"client_id": rest[0], "client_secret": rest[1]}, grant=grant, token_path=path)
        if grant == "password" and 2 <= len(rest) <= 4:
            names = ("username", "password", "client_id", "client_secret")
            return AuthSpec("oauth2", dict(zip(names, rest, strict=False)), grant="password", token_path=path)
    raise _error(profile, spec, "not one of the forms")


def _error(profile: str, spec: str, why: str) -> AuthSpecError:
    return AuthSpecError(f"--auth {profile}={spec}: {why}; expected PROFILE=" + " | PROFILE=".join(FORMS))


def build_profile(profile: str, spec: str, reveal: Callable[[str, str], str]) -> AuthProfile:
    """The AuthProfile `spec` describes, its values read through `reveal(profile, source)`
    (an environment variable or a Prefect Secret block; tasks/requirements/credentials.py `auth_token`)."""
    parsed = parse_spec(profile, spec)
    values = {key: reveal(profile, source) for key, source in parsed.sources.items()}
    if parsed.kind == "bearer":
        return AuthProfile(kind="bearer", token=SecretStr(values["token"]))
    if parsed.kind == "api_key":
        return AuthProfile(kind="api_key", key=SecretStr(values["key"]), header=parsed.name, location=parsed.location)
    if parsed.kind == "basic":
        return AuthProfile(kind="basic", username=values["username"], password=SecretStr(values["password"]))
    return AuthProfile(
        kind="oauth2", grant=parsed.grant, token_url=parsed.token_path,
        client_id=values.get("client_id"),
        client_secret=SecretStr(values["client_secret"]) if "client_secret" in values else None,
        username=values.get("username"),
        password=SecretStr(values["password"]) if "password" in values else None,
    )
