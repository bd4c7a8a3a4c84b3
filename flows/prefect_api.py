"""Which Prefect API a qaflow process talks to, decided before Prefect is imported.

Order: PREFECT_API_URL when the user set it; else the local server that
`qaflow server up` started for this QAFLOW_HOME, when it answers; else
Prefect's ephemeral API (a temporary server per process, ~7-9 s to start).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from tasks.settings import home


@dataclass(frozen=True)
class LocalServer:
    """A `prefect server` started by `qaflow server up`, recorded in QAFLOW_HOME."""

    url: str
    pid: int
    port: int
    log: str

    @staticmethod
    def record_path() -> Path:
        return home() / "server" / "server.json"

    @classmethod
    def read(cls) -> LocalServer | None:
        path = cls.record_path()
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            return None

    def write(self) -> None:
        path = self.record_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__))
        tmp.replace(path)

    def alive(self, timeout: float = 0.5) -> bool:
        """True when the process exists and the API answers its health check."""
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return healthy(self.url, timeout)


def healthy(api_url: str, timeout: float = 0.5) -> bool:
    """True when `api_url` (ending in /api) answers /health."""
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def configure_api() -> str:
    """Point this process at the fastest honest Prefect API; returns which one it chose."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    server = LocalServer.read()
    if server is not None and server.alive():
        os.environ["PREFECT_API_URL"] = server.url
        return server.url
    return "ephemeral"
