"""The settings read from the environment: every QAFLOW_* variable is a field here.

One place to look up what a variable does, its default and its type (and the
table in docs/configuration.md, checked against this class by a test). Code
reads `settings().<field>`, never os.environ, with two stdlib-only exceptions
that must not import pydantic: the warm runner's client (flows/warm_client.py reads
QAFLOW_HOME through `tasks.paths` and QAFLOW_WARM itself) and the generated
mockdata modules (standalone files that read QAFLOW_POOL_CACHE).

Where state lives (QAFLOW_HOME and its sub-folders) is `tasks.paths`; `home`
and `state_dir` are re-exported here for the modules that already import them.

An empty variable counts as unset (`QAFLOW_RAG_PREFECT_LIMIT=` is the default,
not an error). A value that does not parse (`QAFLOW_CHROMA_PORT=abc`) is a
clear error naming the variable.
"""

from __future__ import annotations

import os
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tasks.paths import home, state_dir

__all__ = ["Settings", "home", "project_root", "settings", "state_dir"]


class Settings(BaseSettings):
    """Environment settings (prefix QAFLOW_); blocks and flags override them per run."""

    model_config = SettingsConfigDict(env_prefix="QAFLOW_", extra="ignore", env_ignore_empty=True, frozen=True)

    home: Path = Field(default=Path(".qaflow"), description="Root of all local state.")
    llm_model: str | None = Field(default=None, description="Model name for the LLM endpoint.")
    llm_provider: str | None = Field(default=None, description="offline or openai-compatible.")
    target_base_url: str | None = Field(default=None, description="Base URL of the API under test.")
    chroma_path: Path | None = Field(default=None, description="Embedded Chroma folder.")
    chroma_host: str | None = Field(default=None, description="Chroma server host.")
    chroma_port: int | None = Field(default=None, description="Chroma server port.")
    embedding_model: str | None = Field(default=None, description="Local sentence-transformers model path.")
    embedding_backend: str | None = Field(
        default=None, description="onnx (the default), onnx-float or torch; a VectorStore block's own wins."
    )
    model_cache: Path | None = Field(
        default=None, description="Where exported ONNX graphs live (default QAFLOW_HOME/models/onnx); "
                                  "lets several homes share one export."
    )
    rag_gitignore: bool = Field(default=True, description="Whether rag honours .gitignore files.")
    rag_prefect_limit: bool = Field(
        default=True,
        description="false: rag syncs skip the Prefect global concurrency limit per collection (the file lock "
                    "on this machine stays).",
    )
    pool_cache: Path | None = Field(
        default=None,
        description="Read by the generated mockdata modules themselves (stdlib only): where Faker value pools "
                    "are cached (default: the QAFLOW_HOME/pools of the run that rendered the module).",
    )
    faker_locale: str | None = Field(
        default=None, description="Locale of Postman dynamic variables when the collection sets none (en_US)."
    )
    project_dir: Path | None = Field(
        default=None, description="The checkout a deployment run works in (default: the one qaflow runs from)."
    )
    warm: bool = Field(
        default=True,
        description="false: this command bypasses the warm runner and does not start it. The warm client "
                    "(flows/warm_client.py) reads the variable itself, before pydantic loads.",
    )
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
    # Test hooks (tests/rag/test_crash_recovery.py and the rag soak): a sync stops at a named
    # point of tasks/changes/index.py as if killed there. Never set them in real use.
    rag_crash_at: str | None = Field(default=None, description="TEST HOOK: the crash point to stop at.")
    rag_crash_mode: Literal["raise", "pause"] = Field(
        default="raise", description="TEST HOOK: raise SimulatedCrash, or pause there (to be killed)."
    )
    rag_crash_marker: Path | None = Field(
        default=None, description="TEST HOOK: with pause, a file the sync writes its pid to when it pauses."
    )
    rag_crash_pause: float = Field(default=300.0, ge=0, description="TEST HOOK: seconds a pause lasts.")


def settings() -> Settings:
    """The settings of the environment as it is now: tests and the CLI change it between runs.

    Parsed once per distinct set of QAFLOW_* variables (a few microseconds to look up,
    ~0.7 ms to parse), so a hot path (a crash-point check per batch) may call it freely.
    The instance is frozen: it is shared."""
    environ = os.environ  # keys first: decoding every value costs twice as much (20 us) on a per-script path
    return _settings_for(frozenset((k, environ[k]) for k in environ if k.upper().startswith("QAFLOW_")))


@lru_cache(maxsize=32)
def _settings_for(_variables: frozenset[tuple[str, str]]) -> Settings:
    return Settings()


@cache
def project_root() -> Path:
    """The repository root when running from a checkout (examples/ and prefect.yaml live there)."""
    return Path(__file__).resolve().parent.parent
