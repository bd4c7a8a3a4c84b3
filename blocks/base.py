"""What the three qaflow blocks share: a saved block, else defaults from the
environment, with per-run overrides on top.

Every command has to work before `qaflow blocks init` has run, so a missing
block is never an error: the environment and the built-in defaults stand in.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from prefect.blocks.core import Block

log = logging.getLogger(__name__)

DEFAULT_NAME = "default"


class QaflowBlock(Block):
    """Base of qaflow's blocks; not registered itself."""

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
