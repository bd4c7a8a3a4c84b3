"""qaflow flows: one module per pipeline, the CLI and the task runners."""

from tasks.environment import apply_defaults

apply_defaults()
