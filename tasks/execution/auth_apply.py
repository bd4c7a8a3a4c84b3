"""An auth profile applied to a scenario: headers, an API key in the query or a cookie,
or an OAuth2 access token fetched at run time.

OAuth2 (client-credentials and password grants): the token comes from the
profile's `token_url`, else from the `tokenUrl` of the OpenAPI security scheme of
the same name; it must be on the target's own origin (the client secret and the
user's password go nowhere else), it is fetched once per run and profile and
reused until it expires, and the redactor learns it before any result holds it.
"""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin

from tasks.execution.http import StepError, StepFailed
from tasks.execution.redaction import clip
from tasks.origins import OriginError, origin_of

if TYPE_CHECKING:
    from blocks.target_api import AuthProfile
    from tasks.execution.context import ScenarioContext

_FLOWS = {"client_credentials": "clientCredentials", "password": "password"}
EXPIRY_MARGIN_S = 5.0  # a token this close to its expiry is fetched again


def apply_profile(ctx: ScenarioContext, name: str, profile: AuthProfile, scheme: str | None = None) -> None:
    """Add `profile`'s credentials to every later request of the scenario."""
    if profile.kind == "oauth2":
        ctx.headers["Authorization"] = f"Bearer {oauth2_token(ctx, name, profile, scheme or name)}"
        return
    for key, value in profile.query():
        ctx.auth_query = [(k, v) for k, v in ctx.auth_query if k != key] + [(key, value)]
    if profile.kind == "api_key" and profile.location == "cookie" and profile.key is not None:
        ctx.auth_cookies[profile.header] = profile.key.get_secret_value()  # merged with the scenario's cookies
        return
    for header, value in profile.headers().items():
        for existing in [k for k in ctx.headers if k.lower() == header.lower()]:
            del ctx.headers[existing]
        ctx.headers[header] = value


def token_url(ctx: ScenarioContext, profile: AuthProfile, scheme: str) -> str:
    """The absolute token URL of an OAuth2 profile (its own, else the OpenAPI scheme's)."""
    url = profile.token_url
    if not url:
        schemes = (ctx.shared.openapi().get("components") or {}).get("securitySchemes") or {}
        flows = (schemes.get(scheme) or {}).get("flows") or {}
        url = (flows.get(_FLOWS[profile.grant]) or {}).get("tokenUrl")
        if not url:
            raise StepError(f"OAuth2 profile for {scheme!r}: no token URL (the profile has none and the OpenAPI "
                            f"security scheme {scheme!r} has no {_FLOWS[profile.grant]} flow with a tokenUrl)")
    return urljoin(ctx.base_url.rstrip("/") + "/", url)


def oauth2_token(ctx: ScenarioContext, name: str, profile: AuthProfile, scheme: str) -> str:
    """The access token of an OAuth2 profile: fetched once per run (and again once expired)."""
    url = token_url(ctx, profile, scheme)
    try:
        own = origin_of(url) == ctx.shared.session.origins.own
    except OriginError as exc:
        raise StepError(f"OAuth2 profile {name!r}: token URL {url!r}: {exc}") from None
    if not own:
        raise StepError(f"OAuth2 profile {name!r}: the token URL {url} is not on the target's own origin "
                        f"{ctx.shared.session.origins.own}: credentials are sent to that origin only")
    key = (name, url, profile.grant, tuple(profile.scopes))
    with ctx.shared.tokens_lock:  # one fetch per profile, however many scenarios ask at once
        cached = ctx.shared.tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        token, lifetime = _fetch(ctx, name, profile, url)
        ctx.shared.tokens[key] = (token, time.monotonic() + max(lifetime - EXPIRY_MARGIN_S, 0.0))
        return token


def _fetch(ctx: ScenarioContext, name: str, profile: AuthProfile, url: str) -> tuple[str, float]:
    form: dict[str, str] = {"grant_type": profile.grant}
    if profile.grant == "password":
        if not profile.username or profile.password is None:
            raise StepError(f"OAuth2 profile {name!r}: the password grant needs a username and a password")
        form["username"] = profile.username
        form["password"] = profile.password.get_secret_value()
    if profile.scopes:
        form["scope"] = " ".join(profile.scopes)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if profile.client_id:
        secret = profile.client_secret.get_secret_value() if profile.client_secret else ""
        raw = base64.b64encode(f"{profile.client_id}:{secret}".encode()).decode()
        headers["Authorization"] = f"Basic {raw}"  # client_secret_basic, RFC 6749 2.3.1
        ctx.shared.session.redactor.learn([raw])
    elif profile.grant == "client_credentials":
        raise StepError(f"OAuth2 profile {name!r}: the client-credentials grant needs a client id")
    response, exchange, _ = ctx.shared.session.send(
        "POST", url, headers=headers, params=[], content=urlencode(form).encode(), deadline=ctx.deadline)
    try:
        answer: Any = json.loads(response.content) if response.content else None
    except ValueError:
        answer = None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if response.status != 200 or not isinstance(token, str) or not token:
        ctx.exchanges.append(exchange)  # the failed fetch is shown (its body redacted) in the step's report
        raise StepFailed(f"OAuth2 profile {name!r}: POST {exchange.request['url']} answered {response.status} "
                         f"without an access_token: {clip(response.text, 300)}")
    ctx.shared.session.redactor.learn([token, *([answer["refresh_token"]] if isinstance(
        answer.get("refresh_token"), str) else [])])
    token_type = str(answer.get("token_type") or "bearer")
    if token_type.lower() != "bearer":
        raise StepError(f"OAuth2 profile {name!r}: token type {token_type!r} is not supported (bearer only)")
    try:
        lifetime = float(answer.get("expires_in") or 3600)
    except (TypeError, ValueError):
        lifetime = 3600.0
    return token, lifetime
