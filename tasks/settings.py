"""Where qaflow keeps its state, and the settings read from the environment.

Everything kept between runs lives under one folder, QAFLOW_HOME (default
`.qaflow/` in the working directory), so two projects on one machine, or a
test and a user, never share a Chroma store, a manifest or an LLM cache by
accident.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment settings (prefix QAFLOW_); blocks and flags override them per run."""

    model_config = SettingsConfigDict(env_prefix="QAFLOW_", extra="ignore")

    home: Path = Field(default=Path(".qaflow"), description="Root of all local state.")
    llm_model: str | None = Field(default=None, description="Model name for the LLM endpoint.")
    llm_provider: str | None = Field(default=None, description="offline or openai-compatible.")
    target_base_url: str | None = Field(default=None, description="Base URL of the API under test.")
    chroma_path: Path | None = Field(default=None, description="Embedded Chroma folder.")
    chroma_host: str | None = Field(default=None, description="Chroma server host.")
    chroma_port: int | None = Field(default=None, description="Chroma server port.")
    embedding_model: str | None = Field(default=None, description="Local sentence-transformers model path.")
    server: str | None = Field(
        default=None,
        description="auto: the first command starts a local Prefect server in the background; never: a "
                    "temporary API per process (the default when CI is set).",
    )
    early_ephemeral: bool = Field(
        default=True,
        description="With QAFLOW_SERVER=never: start the per-process API at the top of the command (0: leave "
                    "it to Prefect, e.g. a test harness).",
    )
    server_idle_minutes: float = Field(
        default=30.0, ge=0, description="A server started by a command stops after this long unused (0 = never)."
    )
    # What a document may cost to read (tasks/documents/limits.py): files come from other people.
    documents_max_file_bytes: int = Field(default=50 * 1024 * 1024, description="Largest file read, on disk.")
    documents_max_unpacked_bytes: int = Field(
        default=100 * 1024 * 1024, description="Office files (ZIP): all members together, uncompressed."
    )
    documents_max_ratio: int = Field(default=100, description="Office files: largest compression ratio of a member.")
    documents_max_members: int = Field(default=10_000, description="Office files: most members in the package.")
    documents_max_pdf_pages: int = Field(default=2_000, description="Most pages of a PDF.")
    documents_max_pdf_decoded_bytes: int = Field(
        default=100 * 1024 * 1024, description="PDF: decoded page content of the whole file."
    )


def settings() -> Settings:
    """Read the settings afresh: tests and the CLI change the environment between runs."""
    return Settings()


def home() -> Path:
    """The QAFLOW_HOME folder, created on first use, as an absolute path."""
    path = settings().home.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir(*parts: str) -> Path:
    """A sub-folder of QAFLOW_HOME (e.g. state_dir("chroma")), created on first use."""
    path = home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


@cache
def project_root() -> Path:
    """The repository root when running from a checkout (examples/ and prefect.yaml live there)."""
    return Path(__file__).resolve().parent.parent
