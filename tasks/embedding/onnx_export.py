"""The bundled model as an ONNX graph, exported once and cached by fingerprint.

ONNX Runtime runs all-MiniLM-L6-v2 about twice as fast as torch on a small
CPU, and is ready in a fraction of a second where sentence-transformers needs
~4.5 s. The graph is exported from the model's own weights with the torch that
is installed anyway (no download, no extra tool), once per weights
fingerprint, into QAFLOW_HOME/models/onnx. The file is written to a temporary
path and renamed, under a file lock, so two processes never see half a graph.

Only the export imports torch; running the graph does not.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

from tasks.embedding.model import ModelInfo
from tasks.settings import state_dir

log = logging.getLogger(__name__)

OPSET = 17
# bump when the export changes (inputs, outputs, opset): old cache files are then ignored
EXPORT_VERSION = f"bert-last-hidden-state-opset{OPSET}-1"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"


def cache_folder() -> Path:
    """Where exported graphs live (created): QAFLOW_MODEL_CACHE, else QAFLOW_HOME/models/onnx.

    QAFLOW_MODEL_CACHE lets several homes (test runs, CI jobs) share one export.
    """
    override = os.environ.get("QAFLOW_MODEL_CACHE")
    if override:
        folder = Path(override).expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return state_dir("models", "onnx")


def onnx_path(info: ModelInfo) -> Path:
    """The cached graph of `info`: its name and weights fingerprint in the file name."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(info.name).name or info.name).strip("-")[:60] or "model"
    tag = re.sub(r"[^A-Za-z0-9]+", "", EXPORT_VERSION)[-24:]
    return cache_folder() / f"{slug}-{info.version}-{tag}.onnx"


def ensure_onnx(info: ModelInfo) -> tuple[Path, float]:
    """The graph's path, exporting it first when no cached file exists.

    Returns (path, seconds spent exporting; 0.0 when the cache had it).
    """
    target = onnx_path(info)
    if target.is_file():
        return target, 0.0
    from filelock import FileLock

    with FileLock(str(target) + ".lock"):
        if target.is_file():  # another process exported it while we waited
            return target, 0.0
        started = time.perf_counter()
        export(info.path, target)
        seconds = time.perf_counter() - started
    log.info("exported %s to ONNX in %.1f s (%s)", info.name, seconds, target)
    return target, seconds


def export(model_folder: Path, target: Path) -> None:
    """Export the transformer of a sentence-transformers folder to `target` (atomic).

    The graph outputs the token embeddings (last_hidden_state); pooling and
    normalisation run in numpy next to it, as sentence-transformers does them.
    torch's legacy exporter (dynamo=False) with keyword inputs: positional
    inputs collide with BertModel's `use_cache` argument.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # eager attention: the SDPA path decides at trace time whether a mask is needed at all
    model = AutoModel.from_pretrained(str(model_folder), local_files_only=True, attn_implementation="eager")
    model.eval()

    class _Transformer(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    wrapper = _Transformer(model).eval()
    # a padded second row, so the traced graph keeps the attention mask's data path
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0
    sample = {
        "input_ids": torch.full((2, 8), 1000, dtype=torch.long),
        "attention_mask": mask,
        "token_type_ids": torch.zeros((2, 8), dtype=torch.long),
    }
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    axes[OUTPUT_NAME] = {0: "batch", 1: "sequence"}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shapes the dynamic axes cover
            torch.onnx.export(
                wrapper,
                tuple(sample[name] for name in INPUT_NAMES),
                str(tmp),
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        _check_graph(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache is a plain model file
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _check_graph(path: Path) -> None:
    """Refuse to cache a graph ONNX Runtime cannot load or that lacks our inputs."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    if not set(INPUT_NAMES) <= names:
        raise RuntimeError(f"exported graph {path} has inputs {sorted(names)}, expected {list(INPUT_NAMES)}")
