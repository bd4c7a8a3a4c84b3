"""Process-wide defaults that must be in place before Prefect, Chroma or
Hugging Face libraries are imported.

They live in the project, not on the machine: a fresh clone behaves the same
everywhere. Each is a default only; a value the user exported wins.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, str] = {
    # Prefect: no telemetry heartbeat (it logs "database is locked" under the
    # ephemeral API), and room for a slow first start in CI (migrations).
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # Chroma: no product telemetry.
    "ANONYMIZED_TELEMETRY": "False",
    # Hugging Face: models load from local files only, never from a hub.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_defaults() -> None:
    """Set each default unless the environment already has the variable."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
