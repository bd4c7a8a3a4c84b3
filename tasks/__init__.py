"""qaflow tasks: one sub-package per pipeline stage."""

from tasks.environment import apply_defaults

apply_defaults()
