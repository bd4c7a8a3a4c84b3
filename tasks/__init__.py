"""qaflow tasks: one sub-package per pipeline stage, over a small base.

Base modules (standard library or pydantic only; anything may import them):
`settings` (every QAFLOW_* variable), `environment` (process defaults, applied
by the entry points, never on import), `paths` (QAFLOW_HOME), `files` (the
atomic write), `memory` (RSS in MiB), `progress` (the progress interface).
Stage packages (`tasks.schema`, `tasks.rows`, `tasks.scenarios`, ...) import
base modules and `blocks`, never `flows`.

Importing this package defines names only: it sets no environment variable.
"""

__all__ = ["environment", "files", "memory", "paths", "progress", "settings"]
