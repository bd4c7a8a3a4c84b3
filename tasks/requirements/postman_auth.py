"""Credentials in a Postman collection -> named auth profiles and secret variables.

A collection carries credentials in its `auth` (basic, bearer, API key, at
collection, folder or request level), in credential headers, in secret-looking
variables, and in an environment file next to it. None of them may be written
into a .feature file, a report or a cached task result. So the reader writes
names only: `Given I am authenticated as "postman-basic"` and `${apiKey}`;
this module remembers what each name stands for (`AuthCatalogue`, values still
`{{var}}` references where the collection had them) and, at execution time,
`postman_credentials(collection, environment)` resolves them into SecretStr
auth profiles and secret variables of the TargetAPI block, as Newman resolves
a collection against `-e environment.json`.

Nothing here is a task result: the credentials are read again from the files
by the process that executes the scenarios.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from blocks.target_api import CREDENTIAL_HEADERS, AuthProfile, TargetAPI
from tasks.requirements.model import RequirementError

ProfileKind = Literal["bearer", "basic", "api_key"]
PREFIX = "postman-"
_SECRET_NAME = re.compile(
    r"token|secret|passw|pwd|api[-_ ]?key|auth|credential|session|cookie|private|jwt|bearer|signature"
    r"|access[-_]?key|(?:^|[-_.])key$",
    re.IGNORECASE,
)
_VAR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_ONE_VAR = re.compile(r"^\{\{\s*([^{}$][^{}]*?)\s*\}\}$")
_EXPORTED_PROFILE = re.compile(r"^Bearer \{\{\s*([^{}]+?)Token\s*\}\}$")  # postman_export's own convention
_FRAMING = re.compile(r"[\w.-]*=?[\s;]*(?:[\w.-]+=[\s;]*)*")  # what is left of `a={{x}}; b={{y}}` without the vars
_KIND_NAMES = {"bearer": "bearer", "basic": "basic", "api_key": "apikey"}


def is_secret_name(name: str) -> bool:
    """A variable, header or field name that says it holds a credential (token, password, api key...)."""
    return bool(_SECRET_NAME.search(name))


_SECRET_FIELD = re.compile(r"passw|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential",
                           re.IGNORECASE)


def is_secret_field(name: str) -> bool:
    """A body field that holds a credential (password, token, api_key...): narrower than
    `is_secret_name`, since a body's "key" or "session" is usually plain data."""
    return bool(_SECRET_FIELD.search(name))


def is_credential_header(name: str) -> bool:
    return name.lower() in CREDENTIAL_HEADERS or is_secret_name(name)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "x"


@dataclass(frozen=True)
class ProfileSpec:
    """One auth profile as the collection states it; values may hold `{{var}}`."""

    kind: ProfileKind
    values: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        return dict(self.values).get(name, "")


@dataclass
class AuthCatalogue:
    """What the names written into the features stand for, collected while reading.

    Holds the collection's own text (literals or `{{var}}` references): it is never
    returned by a Prefect task and never written anywhere."""

    profiles: dict[str, ProfileSpec] = field(default_factory=dict)
    literal_secrets: dict[str, str] = field(default_factory=dict)  # generated variable -> raw value
    secret_refs: set[str] = field(default_factory=set)  # {{var}} names used as credentials
    notes: list[str] = field(default_factory=list)

    def profile(self, spec: ProfileSpec, where: str, name: str | None = None) -> str:
        """The profile name for these credentials: `postman-<kind>` for the first, the
        place's name after it for different credentials of the same kind."""
        for existing, known in self.profiles.items():
            if known == spec and (name is None or existing == name):
                return existing
        for _, value in spec.values:
            self.secret_refs.update(_VAR.findall(value))
        base = name or PREFIX + _KIND_NAMES[spec.kind]
        candidate, n = base, 1
        if candidate in self.profiles and name is None:
            candidate = f"{base}-{_slug(where)}"
        while candidate in self.profiles:
            n += 1
            candidate = f"{base}-{n}"
        self.profiles[candidate] = spec
        return candidate

    def secret(self, value: str, hint: str) -> str:
        """A `${name}` reference for a credential value: a lone `{{var}}` keeps its name,
        a literal becomes a generated secret variable (`postman-<hint>`)."""
        one = _ONE_VAR.match(value.strip())
        if one:
            self.secret_refs.add(one.group(1))
            return "${" + one.group(1) + "}"
        self.secret_refs.update(_VAR.findall(value))
        if _VAR.search(value) and _FRAMING.fullmatch(_VAR.sub("", value)):
            # every credential in it is a {{var}} (`Cookie: token={{token}}`, which a script may set):
            # the text stays, each variable by its own name
            return _VAR.sub(lambda m: "${" + m.group(1) + "}", value)
        base = PREFIX + _slug(hint)
        candidate, n = base, 1
        while candidate in self.literal_secrets and self.literal_secrets[candidate] != value:
            n += 1
            candidate = f"{base}-{n}"
        self.literal_secrets[candidate] = value
        return "${" + candidate + "}"

    def named_secret(self, name: str, value: str) -> None:
        """A secret variable whose name the collection chose (`pm.environment.set("token", ...)`)."""
        if self.literal_secrets.get(name, value) != value:
            self.notes.append(f"secret variable {name!r} is set to different values; the first one is used")
            return
        self.literal_secrets[name] = value

    def known_secrets(self, collection_values: dict[str, str]) -> list[str]:
        """Every literal credential of the collection, for scrubbing kept comments."""
        values = [v for spec in self.profiles.values() for _, v in spec.values if not _VAR.search(v)]
        values += [v for v in self.literal_secrets.values() if not _VAR.search(v)]
        values += [collection_values[n] for n in self.secret_refs if collection_values.get(n)]
        for spec in self.profiles.values():
            if spec.kind == "basic" and not _VAR.search(spec.get("username") + spec.get("password")):
                values.append(base64.b64encode(f"{spec.get('username')}:{spec.get('password')}".encode()).decode())
        return [v for v in values if len(v) >= 3]


def auth_spec(auth: dict[str, Any]) -> tuple[ProfileSpec | None, tuple[str, str] | None, str | None]:
    """A Postman `auth` object -> (profile, query parameter (key, raw value), note when untranslated)."""
    kind = auth.get("type")
    values = {str(i.get("key")): str(i.get("value", "") if i.get("value") is not None else "")
              for i in auth.get(kind, []) or [] if isinstance(i, dict)}
    if kind == "bearer":
        return ProfileSpec("bearer", (("token", values.get("token", "")),)), None, None
    if kind == "basic":
        return ProfileSpec("basic", (("username", values.get("username", "")),
                                     ("password", values.get("password", "")))), None, None
    if kind == "apikey":
        header, value = values.get("key", "X-API-Key") or "X-API-Key", values.get("value", "")
        if values.get("in", "header") == "query":
            return None, (header, value), None
        return ProfileSpec("api_key", (("header", header), ("key", value))), None, None
    if kind == "oauth2" and values.get("accessToken") and values.get("addTokenTo", "header") == "header":
        return ProfileSpec("bearer", (("token", values["accessToken"]),)), None, None
    return None, None, f"auth of type {kind} is not translated"


def header_profile(name: str, value: str) -> tuple[ProfileSpec, str | None] | None:
    """An `Authorization` header -> a profile (and the name qaflow's export gave it), else None."""
    if name.lower() != "authorization":
        return None
    exported = _EXPORTED_PROFILE.match(value.strip())
    if exported:
        return ProfileSpec("bearer", (("token", "{{" + exported.group(1) + "Token}}"),)), exported.group(1)
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return ProfileSpec("bearer", (("token", credentials.strip()),)), None
    if scheme.lower() == "basic" and credentials.strip() and "{{" not in credentials:
        try:
            user, sep, password = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if sep:
            return ProfileSpec("basic", (("username", user), ("password", password))), None
    return None


# ---------------------------------------------------------------- environment files


@dataclass(frozen=True)
class EnvValue:
    value: str
    secret: bool


def load_environment(path: Path) -> dict[str, EnvValue]:
    """A Postman environment (or globals) export: `{"values": [{"key", "value", "type", "enabled"}]}`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequirementError(f"{path}: not a Postman environment file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        raise RequirementError(f"{path}: not a Postman environment file (no 'values' list)")
    values: dict[str, EnvValue] = {}
    for index, entry in enumerate(data["values"], start=1):
        if not isinstance(entry, dict) or not entry.get("key"):
            raise RequirementError(f"{path}: values[{index}] has no key")
        if entry.get("enabled") is False:
            continue
        key = str(entry["key"])
        raw = entry.get("value")
        value = "" if raw is None else raw if isinstance(raw, str) else json.dumps(raw)
        values[key] = EnvValue(value, entry.get("type") == "secret" or is_secret_name(key))
    return values


# ---------------------------------------------------------------- resolution


@dataclass
class PostmanCredentials:
    """Auth profiles and variables for a run, resolved from collections and an environment."""

    profiles: dict[str, AuthProfile] = field(default_factory=dict)
    secrets: dict[str, SecretStr] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # plain environment values
    missing: list[str] = field(default_factory=list)

    def apply(self, target: TargetAPI) -> TargetAPI:
        """The target with these profiles and secret variables added; what the block
        already has (saved or given with --auth) wins over the collection."""
        return target.model_copy(update={
            "auth_profiles": {**self.profiles, **target.auth_profiles},
            "secret_variables": {**self.secrets, **target.secret_variables},
        })

    def merge(self, other: PostmanCredentials) -> PostmanCredentials:
        return PostmanCredentials({**other.profiles, **self.profiles}, {**other.secrets, **self.secrets},
                                  {**other.variables, **self.variables}, self.missing + other.missing)


def _resolver(lookup: dict[str, str], missing: set[str]) -> Callable[[str], str]:
    """`{{name}}` -> its value; names with no value are added to `missing`."""
    def resolve(raw: str) -> str:
        def one(m: re.Match) -> str:
            name = m.group(1)
            if name in lookup:
                return lookup[name]
            missing.add(name)
            return ""
        return _VAR.sub(one, raw)
    return resolve


def postman_credentials(collection: Path, environment: Path | None = None,
                        globals_values: dict[str, EnvValue] | None = None,
                        overrides: dict[str, EnvValue] | None = None) -> PostmanCredentials:
    """Resolve the names a collection's features use into SecretStr profiles and secret
    variables: `overrides` (`--env-var`) first, then environment values, then the
    collection's own variables, then globals (Postman's order). A name that stays
    unresolved is listed in `missing`, never guessed."""
    from tasks.requirements.postman import read_postman_auth

    catalogue, collection_values, collection_secret = read_postman_auth(collection)
    env = {**(load_environment(environment) if environment else {}), **(overrides or {})}
    glob = globals_values or {}
    lookup = {**{k: v.value for k, v in glob.items()}, **collection_values, **{k: v.value for k, v in env.items()}}
    env = {**{k: v for k, v in glob.items() if k not in collection_values}, **env}
    credentials = PostmanCredentials()
    for profile, spec in catalogue.profiles.items():
        unresolved: set[str] = set()
        resolve = _resolver(lookup, unresolved)
        values = {key: resolve(value) for key, value in spec.values}
        if unresolved or not any(values.get(k) for k in ("token", "password", "key", "username")):
            names = ", ".join(sorted(unresolved)) or "no value"
            credentials.missing.append(f"auth profile {profile!r}: {names} not set in the collection or environment")
            continue
        if spec.kind == "bearer":
            credentials.profiles[profile] = AuthProfile(kind="bearer", token=SecretStr(values["token"]))
        elif spec.kind == "basic":
            credentials.profiles[profile] = AuthProfile(kind="basic", username=values["username"],
                                                        password=SecretStr(values["password"]))
        else:
            credentials.profiles[profile] = AuthProfile(kind="api_key", header=values["header"],
                                                        key=SecretStr(values["key"]))
    secret_names = catalogue.secret_refs | collection_secret | {k for k, v in env.items() if v.secret}
    for name in sorted(secret_names):
        if name in lookup:
            credentials.secrets[name] = SecretStr(lookup[name])
        elif name in catalogue.secret_refs:
            credentials.missing.append(f"secret variable {name!r} not set in the collection or environment")
    for name, raw in catalogue.literal_secrets.items():  # a pre-request script's value wins, as in Postman
        unresolved: set[str] = set()
        credentials.secrets[name] = SecretStr(_resolver(lookup, unresolved)(raw))
        if unresolved:
            credentials.missing.append(f"secret variable {name!r}: {', '.join(sorted(unresolved))} not set")
    credentials.missing += catalogue.notes
    credentials.variables = {k: v.value for k, v in env.items() if not v.secret and k not in secret_names}
    return credentials


def credentials_for(collections: list[str] | list[Path], environment: str | Path | None = None,
                    globals_file: str | Path | None = None,
                    env_vars: dict[str, str] | None = None) -> PostmanCredentials:
    """`postman_credentials` over several collections (the first to name a profile wins),
    with Newman's globals (`-g`) and `--env-var NAME=VALUE` overrides."""
    merged = PostmanCredentials()
    env = Path(environment) if environment else None
    glob = load_environment(Path(globals_file)) if globals_file else {}
    from tasks.requirements.postman_vars import env_var_values

    overrides = env_var_values(env_vars)
    for path in collections:
        merged = merged.merge(postman_credentials(Path(path), env, glob, overrides))
    if not collections and (env is not None or glob or overrides):
        values = {**glob, **(load_environment(env) if env else {}), **overrides}
        merged.secrets = {k: SecretStr(v.value) for k, v in values.items() if v.secret}
        merged.variables = {k: v.value for k, v in values.items() if not v.secret}
    return merged
