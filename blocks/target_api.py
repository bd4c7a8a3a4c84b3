"""The HTTP API that BDD scenarios run against, with its credentials."""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr

from blocks.base import QaflowBlock
from tasks.settings import settings


class AuthProfile(BaseModel):
    """One named way to authenticate: a bearer token, basic auth or an API-key header."""

    kind: Literal["bearer", "basic", "api_key"] = "bearer"
    token: SecretStr | None = Field(default=None, description="Bearer token.")
    username: str | None = Field(default=None, description="Basic auth user.")
    password: SecretStr | None = Field(default=None, description="Basic auth password.")
    header: str = Field(default="X-API-Key", description="Header name for an API key.")
    key: SecretStr | None = Field(default=None, description="API key value.")

    def headers(self) -> dict[str, str]:
        """The request headers this profile adds (secrets revealed only here)."""
        import base64

        if self.kind == "bearer" and self.token is not None:
            return {"Authorization": f"Bearer {self.token.get_secret_value()}"}
        if self.kind == "basic" and self.username is not None:
            secret = self.password.get_secret_value() if self.password else ""
            raw = base64.b64encode(f"{self.username}:{secret}".encode()).decode()
            return {"Authorization": f"Basic {raw}"}
        if self.kind == "api_key" and self.key is not None:
            return {self.header: self.key.get_secret_value()}
        return {}

    def secret_values(self) -> list[str]:
        """Every secret this profile holds, so reports can redact them."""
        values = [s.get_secret_value() for s in (self.token, self.password, self.key) if s]
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
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts requests may go to; empty means the base URL's host only.",
    )
    timeout: float = Field(default=10.0, gt=0, description="Per-request timeout in seconds.")

    @classmethod
    def from_env(cls) -> Self:
        s = settings()
        return cls(base_url=s.target_base_url) if s.target_base_url else cls()

    def hosts(self) -> set[str]:
        """The host names (with port when given) requests may reach."""
        allowed = set(self.allowed_hosts)
        parts = urlsplit(self.base_url)
        if parts.hostname:
            allowed.add(parts.hostname)
            if parts.port:
                allowed.add(f"{parts.hostname}:{parts.port}")
        return allowed

    def secret_values(self) -> list[str]:
        """All secrets of all profiles, for redaction in reports and logs."""
        return [v for profile in self.auth_profiles.values() for v in profile.secret_values()]
