"""Where qaflow keeps its state: QAFLOW_HOME and the folders under it.

Everything kept between runs lives under one folder, QAFLOW_HOME (default
`.qaflow/` in the working directory), so two projects on one machine, or a
test and a user, never share a Chroma store, a manifest or an LLM cache by
accident.

Standard library only and cheap to import: the warm runner's client
(flows/warm_client.py) reads it on every command before anything heavy loads, and
`tasks.settings` (pydantic) builds on it, so there is one reading of
QAFLOW_HOME in the project.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

HOME_VARIABLE = "QAFLOW_HOME"
DEFAULT_HOME = ".qaflow"

# The sub-folders of QAFLOW_HOME, by what keeps them (state_dir(*PART) creates one).
CHROMA = ("chroma",)  # the embedded Chroma store and the rag manifest beside it
RAG = ("rag",)  # rag manifests of Chroma servers: state_dir(*RAG, f"{host}-{port}")
POOLS = ("pools",)  # mockdata: pickled value pools of generated modules
CHECKED_MODULES = ("codegen", "checked")  # mockdata: markers of rendered modules that passed their check
LLM_CACHE = ("llm-cache",)  # validated LLM answers, one JSON file each (tasks/llm/cache.py)
MODELS_ONNX = ("models", "onnx")  # exported embedding graphs (tasks/embedding/onnx_export.py)
SERVER = ("server",)  # the local Prefect server: server.json, logs, start.lock, last-used
SERVER_LEASES = ("server", "leases")  # one file per process that uses the local server
WARM = ("server", "warm")  # the warm runner's private folder (0700): socket, pid, lock


def home_path(environ: Mapping[str, str] | None = None) -> Path:
    """QAFLOW_HOME as an absolute path, not created.

    The variable's name is matched in any letter case, as pydantic-settings
    reads it (`qaflow_home=... qaflow` works); unset or empty means `.qaflow`
    in the working directory. `environ` defaults to os.environ.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(HOME_VARIABLE)
    if raw is None:
        raw = next((value for name, value in environ.items() if name.upper() == HOME_VARIABLE), None)
    return Path(os.path.realpath(os.path.expanduser(raw or DEFAULT_HOME)))


def home() -> Path:
    """The QAFLOW_HOME folder, created on first use, as an absolute path."""
    path = home_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir(*parts: str) -> Path:
    """A sub-folder of QAFLOW_HOME (e.g. state_dir(*CHROMA)), created on first use."""
    path = home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
