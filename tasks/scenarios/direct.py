"""The scenarios stage without a flow: what `qaflow bdd generate`, `import-postman` and
`export-postman` run, in a second and without a Prefect API (unless a block is loaded).

Each is one public function returning a small pydantic model that the CLI prints
(`--json`: the model's JSON). The bdd flow runs the same stage functions as tasks.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from blocks.llm import LLMEndpoint
from tasks.files import write_atomic
from tasks.llm import usage_totals
from tasks.requirements import expand_inputs, read_requirements
from tasks.requirements.credentials import save_credentials
from tasks.requirements.postman import collection_parts, read_postman
from tasks.requirements.postman_auth import credentials_for
from tasks.requirements.postman_vars import bake, load_scopes
from tasks.scenarios.contract import load_contract
from tasks.scenarios.generate import generate_features
from tasks.scenarios.llm import ContextProvider, start_llm_run
from tasks.scenarios.model import GenerationResult
from tasks.scenarios.postman_export import export_features

__all__ = ["GenerateSummary", "PostmanExport", "PostmanImport", "export_postman", "generate_documents",
           "import_postman"]


class GenerateSummary(GenerationResult):
    """`bdd generate`: the features written, what was not generated and why, and the LLM's cost."""

    read_errors: list[str] = Field(default_factory=list)
    out: str = ""
    llm_usage: dict[str, int] = Field(default_factory=dict)


def generate_documents(inputs: list[Path], out: Path, endpoint: LLMEndpoint, *,
                       context: ContextProvider | None = None, refresh: bool = False) -> GenerateSummary:
    """Requirement files or folders -> validated .feature files in `out` (no execution).
    `context`: the rag index's retriever, for the LLM's prompts (the caller finds it)."""
    before = start_llm_run()
    documents = expand_inputs(list(inputs))
    contract = None if endpoint.offline else load_contract(documents)
    read = [read_requirements(p) for p in documents]
    result = generate_features([r for one in read for r in one.requirements], out, endpoint,
                               context=None if endpoint.offline else context, contract=contract, refresh=refresh)
    usage = usage_totals() - before
    return GenerateSummary(**(result.model_dump() | {"llm_calls": usage.calls, "llm_repairs": usage.repairs}),
                           read_errors=[str(e) for one in read for e in one.errors], out=str(out),
                           llm_usage=usage.numbers())


class PostmanImport(BaseModel):
    """`bdd import-postman`: the features written and the credentials they name (never their values)."""

    features: list[str]
    scenarios: int
    untranslated: list[str]
    errors: list[str]
    auth_profiles: list[str]
    secret_variables: list[str]
    missing_credentials: list[str]
    credentials_saved_to: str | None = None
    baked_values: int = 0
    postman_parts: dict[str, int]


def import_postman(collection: Path, out: Path, environment: Path | None = None, globals_file: Path | None = None,
                   env_vars: dict[str, str] | None = None, save_to: str | None = None) -> PostmanImport:
    """A Postman collection -> .feature files (folders -> features, requests -> scenarios), the
    environment's (and globals', and --env-var's) non-secret values baked in. Credentials are
    never written: the features name them; with `save_to`, they are saved in that TargetAPI block."""
    read = read_postman(collection)
    baked = bake(read.requirements, load_scopes(None, environment, globals_file, env_vars))
    result = generate_features(read.requirements, out)
    credentials = credentials_for([collection], environment, globals_file, env_vars)
    return PostmanImport(
        features=[f.path for f in result.files],
        scenarios=sum(f.scenarios for f in result.files),
        untranslated=result.untranslated_lines,
        errors=[str(e) for e in read.errors] + [f"{u.requirement_id}: {u.reason}" for u in result.ungenerated],
        auth_profiles=sorted(credentials.profiles),
        secret_variables=sorted(credentials.secrets),
        missing_credentials=credentials.missing,
        credentials_saved_to=save_credentials(save_to, credentials) if save_to is not None else None,
        baked_values=baked,
        postman_parts=collection_parts(read.requirements),
    )


class PostmanExport(BaseModel):
    """`bdd export-postman`: where the collection went, and what it could not hold."""

    collection: str
    requests: int
    not_exported: list[str]


def export_postman(paths: list[Path], out: Path, name: str, base_url: str) -> PostmanExport:
    """.feature files -> a Postman collection v2.1 file with pm.test scripts for the response steps."""
    result = export_features(paths, name=name, base_url=base_url)
    write_atomic(out, json.dumps(result.collection, indent=2, ensure_ascii=False) + "\n")
    return PostmanExport(collection=str(out), requests=result.requests, not_exported=result.not_exported)
