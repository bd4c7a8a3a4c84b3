"""The target of a bdd run and the credentials it uses, read where the run happens.

A run names its credentials and never carries them: `auth` maps a profile to the
*name* of an environment variable or Prefect Secret block (or a spec of them, see
tasks/execution/auth_specs.py), and Postman collections, environments, globals and
`--env-var`s name theirs (tasks/requirements/postman_auth.py). `TargetSpec` is that
list of names, small and safe to pass as a Prefect task input; `TargetSpec.resolve()`
reads the values inside the task that executes, so no credential is ever a task
input or result. It lives in the requirements stage because the Postman documents
the credentials come from are requirement inputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from blocks.target_api import TargetAPI
from tasks.execution.auth_specs import build_profile
from tasks.requirements.postman_auth import PostmanCredentials, credentials_for
from tasks.requirements.postman_vars import load_scopes

__all__ = ["SECRET_PREFIX", "TargetSpec", "auth_token", "run_target", "save_credentials", "target_api"]

SECRET_PREFIX = "secret:"


def auth_token(profile: str, source: str) -> str:
    """The bearer token an `auth` entry names: `secret:NAME` is a Prefect Secret block; any
    other value is an environment variable of the run's process, or, when no such variable
    is set, a Secret block of that name (what a UI user saves under Blocks)."""
    from prefect.blocks.system import Secret

    name = source.removeprefix(SECRET_PREFIX)
    if not source.startswith(SECRET_PREFIX) and os.environ.get(source):
        return os.environ[source]
    try:
        token = str(Secret.load(name).get())
    except (ValueError, KeyError) as exc:
        where = (f"no Secret block {name!r}" if source.startswith(SECRET_PREFIX)
                 else f"the environment variable {source} is not set and there is no Secret block {source!r}")
        raise ValueError(f"auth profile {profile!r}: {where}") from exc
    if not token:
        raise ValueError(f"auth profile {profile!r}: the Secret block {name!r} is empty")
    return token


def target_api(target: str, base_url: str | None, auth: dict[str, str] | None) -> TargetAPI:
    """The TargetAPI block, with base-URL override and bearer profiles whose tokens are read
    at run time from environment variables or Prefect Secret blocks (`auth` maps profile ->
    variable name, or `secret:BLOCK`), so no secret ever travels as a flow parameter."""
    block = TargetAPI.resolve(target or None, base_url=base_url)
    for profile, source in (auth or {}).items():  # every kind: tasks/execution/auth_specs.py
        block.auth_profiles[profile] = build_profile(profile, source, auth_token)
    return block


def run_target(
    target: str, base_url: str | None, auth: dict[str, str] | None,
    postman: list[str] | None = None, postman_environment: str | None = None,
    postman_globals: str | None = None, env_vars: dict[str, str] | None = None,
) -> tuple[TargetAPI, dict[str, Any], list[str]]:
    """The target of a run with the credentials of its Postman collections added (auth
    profiles and secret variables, SecretStr, resolved from the collection files, the
    environment and globals files and `--env-var`s right here), the plain variables the
    scenarios start with (with Postman's scopes, see postman_vars), and what is missing."""
    block = target_api(target, base_url, auth)
    if not postman and not postman_environment and not postman_globals and not env_vars:
        return block, {}, []
    credentials = credentials_for(postman or [], postman_environment, postman_globals, env_vars)
    scopes = load_scopes(Path(postman[0]) if postman else None,
                         Path(postman_environment) if postman_environment else None,
                         Path(postman_globals) if postman_globals else None, env_vars)
    variables = {**scopes.runtime_variables(), **credentials.variables}
    return credentials.apply(block), variables, credentials.missing


class TargetSpec(BaseModel):
    """The names a run's target and credentials are found by (no value of any secret):
    what the flow hands each execute task, which resolves it itself."""

    target: str = "default"
    base_url: str | None = None
    auth: dict[str, str] | None = None
    postman: list[str] | None = None
    postman_environment: str | None = None
    postman_globals: str | None = None
    env_vars: dict[str, str] | None = None

    def resolve(self) -> tuple[TargetAPI, dict[str, Any], list[str]]:
        """The block with its credentials, the scenarios' starting variables, and what is missing."""
        return run_target(self.target, self.base_url, self.auth, self.postman, self.postman_environment,
                          self.postman_globals, self.env_vars)


def save_credentials(target: str, credentials: PostmanCredentials) -> str:
    """Add a collection's profiles and secret variables to the TargetAPI block `target`
    (created if need be; the collection's values replace same-named ones); its name."""
    name = target or "default"
    block = TargetAPI.resolve(name)
    block = block.model_copy(update={
        "auth_profiles": {**block.auth_profiles, **credentials.profiles},
        "secret_variables": {**block.secret_variables, **credentials.secrets},
    })
    block.save(name, overwrite=True)
    return name
