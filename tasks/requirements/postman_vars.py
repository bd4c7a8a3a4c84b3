"""Postman's variable scopes for a run: globals, collection variables, environment.

Newman resolves `{{name}}` from the narrowest scope that has it: local (set by a
script), data, environment, collection, globals; `--env-var NAME=VALUE` sets an
environment value over the file's. qaflow does the same:

- at import (`bdd import-postman -e ENV`, and `bdd run COLLECTION -e ENV`), the
  non-secret values a request uses are baked into its requirement's `variables`
  (rendered as `Given the variable "x" is "v"`), the environment's over the
  collection's over the globals';
- at run time, `runtime_variables` gives the runner the flat non-secret merge and,
  under one reserved name (`SCOPES_KEY`), the scopes themselves, which the
  Postman-script step reads for `pm.environment` / `pm.globals` /
  `pm.collectionVariables`.

Secret values (`type: secret`, or a credential-looking name) never go into a
feature or a task result: they reach the run as SecretStr secret variables
(tasks/requirements/postman_auth.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.requirements.model import Requirement, RequirementError
from tasks.requirements.postman_auth import EnvValue, is_secret_name, load_environment

SCOPES_KEY = "__postman_scopes__"


ENV_REF = "env:"  # an --env-var value kept in the process environment, read at run time


def parse_env_vars(values: list[str] | None, environ: dict[str, str] | None = None) -> dict[str, str]:
    """`--env-var NAME=VALUE` (Newman's flag, repeatable) -> {NAME: VALUE}.

    With `environ` (the CLI passes os.environ), a credential-looking NAME's value is put
    there under QAFLOW_ENV_VAR_<NAME> and the pair holds only `env:QAFLOW_ENV_VAR_<NAME>`,
    so that no secret becomes a flow parameter (which Prefect stores and shows)."""
    pairs: dict[str, str] = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise RequirementError(f"--env-var {value!r}: expected NAME=VALUE")
        name = name.strip()
        if environ is not None and is_secret_name(name) and not text.startswith(ENV_REF):
            variable = "QAFLOW_ENV_VAR_" + "".join(c if c.isalnum() else "_" for c in name).upper()
            environ[variable] = text
            text = ENV_REF + variable
        pairs[name] = text
    return pairs


def env_var_values(env_vars: dict[str, str] | None) -> dict[str, EnvValue]:
    """--env-var pairs as values: an `env:NAME` reference is read from the process
    environment now (and is a secret); a credential-looking name is a secret too."""
    import os

    values: dict[str, EnvValue] = {}
    for name, text in (env_vars or {}).items():
        if text.startswith(ENV_REF):
            variable = text.removeprefix(ENV_REF)
            if variable not in os.environ:
                raise RequirementError(f"--env-var {name}: the environment variable {variable} is not set")
            values[name] = EnvValue(os.environ[variable], True)
        else:
            values[name] = EnvValue(text, is_secret_name(name))
    return values


@dataclass
class PostmanScopes:
    """The values of a run's scopes, with which names are secrets."""

    globals: dict[str, EnvValue] = field(default_factory=dict)
    collection: dict[str, EnvValue] = field(default_factory=dict)
    environment: dict[str, EnvValue] = field(default_factory=dict)

    def merged(self) -> dict[str, EnvValue]:
        """Postman's order: globals < collection < environment."""
        return {**self.globals, **self.collection, **self.environment}

    def plain(self) -> dict[str, str]:
        """The non-secret values, merged."""
        return {k: v.value for k, v in self.merged().items() if not v.secret}

    def secret_names(self) -> set[str]:
        return {k for k, v in self.merged().items() if v.secret}

    def runtime_variables(self) -> dict[str, Any]:
        """What the runner starts every scenario with: the non-secret merge, plus the scopes
        (non-secret values) under `SCOPES_KEY` for the Postman-script step."""
        def plain(scope: dict[str, EnvValue]) -> dict[str, str]:
            return {k: v.value for k, v in scope.items() if not v.secret}

        return {**self.plain(), SCOPES_KEY: {"globals": plain(self.globals), "collection": plain(self.collection),
                                             "environment": plain(self.environment)}}


def _collection_values(path: Path) -> dict[str, EnvValue]:
    from tasks.requirements.postman import load_collection

    data = load_collection(path)
    values: dict[str, EnvValue] = {}
    for var in data.get("variable", []) or []:
        if isinstance(var, dict) and var.get("key") and not var.get("disabled"):
            key, raw = str(var["key"]), var.get("value")
            values[key] = EnvValue("" if raw is None else str(raw), var.get("type") == "secret" or is_secret_name(key))
    return values


def load_scopes(collection: Path | None = None, environment: Path | None = None, globals_file: Path | None = None,
                env_vars: dict[str, str] | None = None) -> PostmanScopes:
    """The scopes of a run from its files (each optional) and `--env-var` overrides, which
    join the environment (a credential-looking name stays a secret)."""
    scopes = PostmanScopes(
        globals=load_environment(globals_file) if globals_file else {},
        collection=_collection_values(collection) if collection else {},
        environment=load_environment(environment) if environment else {},
    )
    for name, value in env_var_values(env_vars).items():
        known = scopes.merged().get(name)
        scopes.environment[name] = EnvValue(value.value, value.secret or (known.secret if known else False))
    return scopes


def bake(requirements: list[Requirement], scopes: PostmanScopes) -> int:
    """Put the non-secret environment and globals values each Postman requirement uses
    (or its collection declares) into its `variables`, over the collection's own values,
    as Postman resolves them. Returns how many values were baked."""
    from tasks.requirements.postman import used_vars, vars_to_gherkin

    outer = {**scopes.globals, **scopes.environment}
    baked = 0
    for requirement in requirements:
        if requirement.kind != "postman":
            continue
        wanted = set(requirement.variables) | used_vars(
            [[row.path, row.headers, row.query, row.body, row.given, row.then] for row in requirement.rows])
        for name in sorted(wanted):
            value = outer.get(name)
            if value is None or value.secret or (name in scopes.collection and scopes.collection[name].secret):
                continue
            text = vars_to_gherkin(value.value)
            if requirement.variables.get(name) != text:
                requirement.variables[name] = text
                baked += 1
    return baked


def base_url_from(collections: list[Path], scopes: PostmanScopes) -> str | None:
    """The base URL an environment (or globals, or --env-var) gives a collection's base
    variable (`{{baseUrl}}` and the like), as Newman would send it; None when none does."""
    import re

    from tasks.requirements.postman import _base_var, load_collection

    outer = {**scopes.globals, **scopes.environment}
    for collection in collections:
        for name in sorted(_base_var(load_collection(collection))):
            value = outer.get(name)
            if value is not None and re.match(r"^https?://", value.value):
                return value.value.rstrip("/")
    return None
