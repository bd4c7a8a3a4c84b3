"""The HTTP API that BDD scenarios run against, with its credentials."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, SecretStr, field_validator

from blocks.base import QaflowBlock, refuse_url_credentials
from tasks.origins import OriginPolicy, check_entries
from tasks.settings import settings

# Headers that carry credentials; never a plain block header (see TargetAPI.headers).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"})


class AuthProfile(BaseModel):
    """One named way to authenticate: a bearer token, basic auth, an API key (in a header,
    a query parameter or a cookie) or an OAuth2 token fetched at run time (client-credentials
    or password grant, from a token URL on the target's own origin; see
    tasks/execution/auth_apply.py)."""

    kind: Literal["bearer", "basic", "api_key", "oauth2"] = "bearer"
    token: SecretStr | None = Field(default=None, description="Bearer token.")
    username: str | None = Field(default=None, description="Basic auth user, or the OAuth2 password grant's user.")
    password: SecretStr | None = Field(default=None, description="Basic auth password, or the OAuth2 password grant's.")
    header: str = Field(default="X-API-Key", description="Name of the API key: the header, query parameter or cookie.")
    key: SecretStr | None = Field(default=None, description="API key value.")
    location: Literal["header", "query", "cookie"] = Field(default="header", description="Where the API key goes.")
    token_url: str | None = Field(
        default=None, description="OAuth2 token URL (absolute, or a path under the base URL); default: the "
                                  "tokenUrl of the OpenAPI security scheme of the same name.")
    grant: Literal["client_credentials", "password"] = Field(default="client_credentials", description="OAuth2 grant.")
    client_id: str | None = Field(default=None, description="OAuth2 client id.")
    client_secret: SecretStr | None = Field(default=None, description="OAuth2 client secret.")
    scopes: list[str] = Field(default_factory=list, description="OAuth2 scopes asked for.")

    def headers(self) -> dict[str, str]:
        """The request headers this profile adds (secrets revealed only here). An API key in
        the query and an OAuth2 token (fetched at run time) add none here."""
        import base64

        if self.kind == "bearer" and self.token is not None:
            return {"Authorization": f"Bearer {self.token.get_secret_value()}"}
        if self.kind == "basic" and self.username is not None:
            secret = self.password.get_secret_value() if self.password else ""
            raw = base64.b64encode(f"{self.username}:{secret}".encode()).decode()
            return {"Authorization": f"Basic {raw}"}
        if self.kind == "api_key" and self.key is not None and self.location == "header":
            return {self.header: self.key.get_secret_value()}
        if self.kind == "api_key" and self.key is not None and self.location == "cookie":
            return {"Cookie": f"{self.header}={self.key.get_secret_value()}"}
        return {}

    def query(self) -> list[tuple[str, str]]:
        """The query parameters this profile adds (an API key in the query)."""
        if self.kind == "api_key" and self.key is not None and self.location == "query":
            return [(self.header, self.key.get_secret_value())]
        return []

    def secret_values(self) -> list[str]:
        """Every secret this profile holds, so reports can redact them."""
        values = [s.get_secret_value() for s in (self.token, self.password, self.key, self.client_secret) if s]
        if self.kind == "basic" and self.username is not None and self.password is not None:
            values += self.headers()["Authorization"].split(" ", 1)[1:]  # the base64 form travels too
        return [v for v in values if v]


class TargetAPI(QaflowBlock):
    """Base URL, default headers, named auth profiles, allowed hosts and timeout."""

    _block_type_name = "qaflow Target API"
    _block_type_slug = "qaflow-target-api"
    _description = "The REST API that qaflow BDD scenarios are executed against."

    base_url: str = Field(default="http://127.0.0.1:8000", description="Base URL of the API.")
    headers: dict[str, str] = Field(default_factory=dict, description="Headers sent on every request.")
    auth_profiles: dict[str, AuthProfile] = Field(
        default_factory=dict, description="Named credentials, used by 'I am authenticated as'."
    )
    secret_variables: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Variables whose values are secrets (e.g. a Postman {{apiKey}}), used as ${name}.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description=(
            "Origins (scheme, host, port) requests may go to besides the base URL's own: "
            "'api.example.com', 'api.example.com:8443', '[::1]:9000', 'https://api.example.com', "
            "'http://127.0.0.1:9000'. No scheme: the base URL's; no port: the scheme's default "
            "(80 for http, 443 for https). An https target never sends to http. Credentials "
            "go to the base URL's origin only. Empty: the base URL's origin only."
        ),
    )
    timeout: float = Field(default=10.0, gt=0, description="Per-request timeout in seconds.")

    @field_validator("allowed_hosts")
    @classmethod
    def _allowed_hosts_are_origins(cls, entries: list[str]) -> list[str]:
        """Each entry must name an origin (no path, user or query), so a typo fails when the block is made."""
        return check_entries(entries)

    @classmethod
    def from_env(cls) -> Self:
        s = settings()
        return cls(base_url=s.target_base_url) if s.target_base_url else cls()

    def origins(self) -> set[str]:
        """The origins (scheme://host[:port]) requests may reach: the base URL's and `allowed_hosts`."""
        return {str(o) for o in OriginPolicy.for_target(self.base_url, self.allowed_hosts).allowed}

    @field_validator("base_url")
    @classmethod
    def _no_credentials_in_base_url(cls, url: str) -> str:
        return refuse_url_credentials(url, "put them in an auth profile, where they are a masked secret") or url

    @field_validator("headers")
    @classmethod
    def _no_credentials_in_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        """Plain headers are shown in clear by the Prefect UI: a credential belongs in an
        auth profile (kind api_key takes any header name), where it is a masked secret."""
        for name in headers:
            if name.lower() in CREDENTIAL_HEADERS:
                raise ValueError(
                    f"header {name!r} holds a credential: put it in an auth profile "
                    f"(kind 'api_key', header {name!r}) so that it is stored as a secret"
                )
        return headers

    def secret_values(self) -> list[str]:
        """All secrets of all profiles and secret variables, for redaction in reports and logs."""
        values = [v for profile in self.auth_profiles.values() for v in profile.secret_values()]
        return values + [s.get_secret_value() for s in self.secret_variables.values() if s.get_secret_value()]

    def secret_variable_values(self) -> dict[str, str]:
        """The secret variables in clear, for the scenario's `${name}` lookups only."""
        return {name: value.get_secret_value() for name, value in self.secret_variables.items()}
