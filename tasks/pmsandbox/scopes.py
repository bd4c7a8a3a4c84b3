"""A scenario's Postman variable scopes, and how a script's changes reach `${name}`.

Postman keeps variables in scopes (globals, collection, environment, local) and
resolves `{{name}}` local-first. A qaflow scenario has one namespace,
`ScenarioContext.variables`, that every step reads (`${name}`). `PostmanScopes`
keeps what scripts set, by scope; after each script the names it touched are
resolved in Postman's order and written into (or removed from) the scenario's
variables, so request 2 sees what request 1's test script set, as in Newman.

The run's globals, collection variables and environment start in their scopes when
the run passes them (`__postman_scopes__`, from `-g`/`-e` and the collection). A run
variable that is in no scope (a value a catalogue step saved, a
`Given the variable` of its own, a run without Postman files) is unscoped: a script reads it
through any scope's `get`/`has`, and `pm.variables.get` resolves it after every
scope. That is the one place qaflow is looser than Postman, which would answer
`undefined` to `pm.globals.get` of an environment variable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tasks.pmsandbox.engine import ScriptOutcome

_SANDBOX_KEYS = itertools.count(1)
BASE_URL_NAMES = ("baseUrl", "base_url", "baseURL", "url", "host")  # tasks/requirements/postman.py _base_var

SCOPES = ("environment", "collection", "globals", "local")
RUN_SCOPES = "__postman_scopes__"  # the run's globals/collection/environment (flows.bdd, see coord.md)
RESOLUTION = ("local", "data", "environment", "collection", "globals")


@dataclass
class PostmanScopes:
    """The values scripts set, per scope, for one scenario."""

    environment: dict[str, Any] = field(default_factory=dict)
    collection: dict[str, Any] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=dict)
    local: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # whose globals the thread's sandbox keeps between this scenario's scripts (Sandbox.run keep_globals)
    sandbox_key: int = field(default_factory=lambda: next(_SANDBOX_KEYS), compare=False, repr=False)

    @classmethod
    def for_run(cls, variables: dict[str, Any]) -> PostmanScopes:
        """A scenario's scopes, starting from the run's Postman files (`-e`, `-g`, the collection's
        variables) where the run passed them as `__postman_scopes__`."""
        state = cls()
        seed = variables.get(RUN_SCOPES)
        if isinstance(seed, dict):
            for scope in ("globals", "collection", "environment"):
                values = seed.get(scope)
                if isinstance(values, dict):
                    setattr(state, scope, dict(values))
        return state

    def as_payload(self) -> dict[str, dict[str, Any]]:
        return {name: dict(getattr(self, name)) for name in (*SCOPES, "data")}

    def scoped(self, name: str) -> bool:
        return any(name in getattr(self, scope) for scope in RESOLUTION)

    def fallback(self, variables: dict[str, Any], base_url: str = "") -> dict[str, Any]:
        """The scenario's variables that no script has put in a scope; with `base_url`, the
        names a collection keeps its base URL in (BASE_URL_NAMES: the importer takes them out
        of the requests) read as the run's base URL where nothing else sets them, as
        `newman run --env-var baseUrl=...` makes them (a login by `pm.sendRequest(
        pm.environment.get('baseUrl') + '/auth', ...)`)."""
        out = {k: v for k, v in variables.items() if k != RUN_SCOPES and not self.scoped(k)}
        if base_url:
            for name in BASE_URL_NAMES:
                if name not in out and not self.scoped(name):
                    out[name] = base_url.rstrip("/")
        return out

    def resolve(self, name: str) -> tuple[bool, Any]:
        for scope in RESOLUTION:
            values = getattr(self, scope)
            if name in values:
                return True, values[name]
        return False, None

    def apply(self, outcome: ScriptOutcome, variables: dict[str, Any]) -> None:
        """Take the scopes a script left and bring the scenario's variables in line."""
        if outcome.scopes:
            for scope in SCOPES:
                if scope in outcome.scopes and isinstance(outcome.scopes[scope], dict):
                    setattr(self, scope, dict(outcome.scopes[scope]))
        for name in outcome.touched:
            found, value = self.resolve(name)
            if found and value is not None:
                variables[name] = value
            else:
                variables.pop(name, None)
