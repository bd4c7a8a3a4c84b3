"""What the three qaflow blocks share: a saved block, else defaults from the
environment, with per-run overrides on top.

Every command has to work before `qaflow blocks init` has run, so a missing
block is never an error: the environment and the built-in defaults stand in.
"""

from __future__ import annotations

import logging
import re
import types
import typing
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

from prefect.blocks.core import Block, schema_extra
from prefect.types import SecretDict
from pydantic import BaseModel, ConfigDict, Secret, SecretBytes, SecretStr

log = logging.getLogger(__name__)

DEFAULT_NAME = "default"


def _is_secret(annotation: Any) -> bool:
    """SecretStr, SecretBytes, Secret[T] (SecretDict included)."""
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, Secret | SecretStr | SecretBytes)


def _holds_secret(annotation: Any) -> bool:
    """True when a value of this type has a secret somewhere inside it."""
    if _is_secret(annotation):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_holds_secret(f.annotation) for f in annotation.model_fields.values())
    return any(_holds_secret(arg) for arg in typing.get_args(annotation))


def _secret_paths(name: str, annotation: Any) -> list[str]:
    """The `secret_fields` entries for one field, in the form Prefect's server masks.

    The server obfuscates a flattened path that equals an entry, or everything
    under the part of an entry before a `*`. Prefect's own walk names a secret
    inside `dict[str, Model]` as `field.secret` (no key), a path no saved data
    has, so a nested profile's token came back in clear. Here a secret under a
    dict or a list, whose keys are data, masks the whole container (`field.*`).
    """
    if not _holds_secret(annotation):
        return []
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return sorted({p for arg in typing.get_args(annotation) for p in _secret_paths(name, arg)})
    if annotation is SecretDict:
        return [f"{name}.*"]
    if _is_secret(annotation):
        return [name]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [p for field, info in annotation.model_fields.items()
                for p in _secret_paths(f"{name}.{field}", info.annotation)]
    return [f"{name}.*"]  # a container (dict, list, tuple): its keys are data


def qaflow_schema_extra(schema: dict[str, Any], model: type[Block]) -> None:
    """Prefect's block schema, with `secret_fields` that mask secrets at any depth."""
    schema_extra(schema, model)
    schema["secret_fields"] = [
        path for name, field in model.model_fields.items() for path in _secret_paths(name, field.annotation)
    ]


_SECRET_QUERY = re.compile(r"token|secret|passw|pwd|api[-_]?key|^key$|^sig$|signature|credential", re.IGNORECASE)


def refuse_url_credentials(url: str | None, put_it: str) -> str | None:
    """A URL field is shown in clear by the Prefect UI, in logs and in summaries: one
    that carries `user:password@` or a credential query parameter is refused, naming
    the field where the secret belongs (`put_it`)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"the URL carries credentials (user:password@): {put_it}")
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if _SECRET_QUERY.search(name):
            raise ValueError(f"the URL carries a credential in its query ({name}=...): {put_it}")
    return url


class QaflowBlock(Block):
    """Base of qaflow's blocks; not registered itself.

    Secret fields (SecretStr) may sit at any depth, e.g. inside a dict of
    profiles: the block schema's `secret_fields` list them so that the Prefect
    UI and the block documents API (`include_secrets=false`) mask them.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="allow", json_schema_extra=qaflow_schema_extra)

    @classmethod
    def from_env(cls) -> Self:
        """The block built from environment variables and defaults alone."""
        return cls()

    @classmethod
    def resolve(cls, name: str | None = DEFAULT_NAME, **overrides: Any) -> Self:
        """Load the saved block `name` (or fall back to `from_env`) and apply overrides.

        Overrides whose value is None are ignored, so CLI flags can be passed through
        unconditionally.
        """
        block: Self | None = None
        if name:
            try:
                block = cls.load(name)
            except ValueError:
                block = None  # not saved yet: defaults apply
            except Exception as exc:  # the API is unreachable: say so, go on with defaults
                log.warning("could not load %s block %r (%s); using defaults", cls.__name__, name, exc)
        if block is None:
            block = cls.from_env()
        changes = {key: value for key, value in overrides.items() if value is not None}
        if not changes:
            return block
        data = block.model_dump()
        data.update(changes)
        data.pop("block_type_slug", None)
        return cls.model_validate(data)
