"""The requirements of a run's documents, read together: what the bdd flow ingested.

`RequirementBatch` keeps each document's `ReadResult` in input order and answers what
the later stages ask of them all: the requirements, the input errors, the Postman
collections among the documents (their credentials and base URL), and the Postman
environment's and globals' non-secret values baked into the scenarios.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from tasks.requirements.model import ReadError, ReadResult, Requirement
from tasks.requirements.postman import collection_parts
from tasks.requirements.postman_vars import PostmanScopes, bake, base_url_from, load_scopes

__all__ = ["RequirementBatch"]


def _scopes(environment: str | None, globals_file: str | None, env_vars: dict[str, str] | None) -> PostmanScopes:
    return load_scopes(None, Path(environment) if environment else None,
                       Path(globals_file) if globals_file else None, env_vars)


class RequirementBatch(BaseModel):
    """Documents (as given to the readers) and what each one read, in the same order."""

    documents: list[str] = Field(default_factory=list)
    read: list[ReadResult] = Field(default_factory=list)

    @property
    def requirements(self) -> list[Requirement]:
        return [r for result in self.read for r in result.requirements]

    @property
    def read_errors(self) -> list[ReadError]:
        return [e for result in self.read for e in result.errors]

    def counts(self) -> tuple[int, int, int]:
        """Documents, requirements and input errors (for the run's log)."""
        return len(self.documents), len(self.requirements), len(self.read_errors)

    def needs_llm(self, offline: bool) -> bool:
        """Whether some requirement is prose that only an LLM can make scenarios of (never offline)."""
        return not offline and any(not r.executable for r in self.requirements)

    @property
    def postman(self) -> list[str]:
        """The documents that are Postman collections (their credentials are the run's)."""
        return [d for d, result in zip(self.documents, self.read, strict=True)
                if any(r.kind == "postman" for r in result.requirements)]

    def bake_postman_values(self, environment: str | None, globals_file: str | None,
                            env_vars: dict[str, str] | None) -> int:
        """Put the environment's and globals' non-secret values into the Postman requirements
        that use them (see tasks/requirements/postman_vars.py); how many were put."""
        requirements = self.requirements
        if not (environment or globals_file or env_vars) or not any(r.kind == "postman" for r in requirements):
            return 0
        return bake(requirements, _scopes(environment, globals_file, env_vars))

    def postman_base_url(self, environment: str | None, globals_file: str | None,
                         env_vars: dict[str, str] | None) -> str | None:
        """With no --base-url: the URL the Postman environment gives the collections' `{{baseUrl}}`."""
        postman = self.postman
        if not postman or not (environment or globals_file or env_vars):
            return None
        return base_url_from([Path(p) for p in postman], _scopes(environment, globals_file, env_vars))

    def postman_parts(self) -> dict[str, int] | None:
        """Translated, scripted and unsupported parts of the run's Postman collections (None without any)."""
        parts = collection_parts(self.requirements)
        return parts if parts["requests"] else None
