"""The two ways to compute the same vectors: ONNX Runtime (default) and torch.

`onnx`: the model's graph (exported once, see onnx_export) run by
onnxruntime, tokenised by the model's own tokenizer.json with `tokenizers`,
then mean pooling over the attention mask and L2 normalisation in numpy,
exactly what sentence-transformers' Pooling + Normalize modules do. Neither
torch nor sentence-transformers is imported on this path (unless the graph
has to be exported first, once per model).

`torch`: sentence-transformers itself, the reference the tests compare with.

Both take texts and return float32 rows of unit length.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tasks.embedding.model import ModelInfo

if TYPE_CHECKING:
    import numpy as np

Backend = Literal["onnx", "torch"]
BACKENDS: tuple[str, ...] = ("onnx", "torch")
DEFAULT_BACKEND: Backend = "onnx"


class UnknownBackend(ValueError):
    """An embedding backend other than onnx or torch was asked for."""


def resolve_backend(backend: str | None = None) -> Backend:
    """`backend`, else QAFLOW_EMBEDDING_BACKEND, else onnx."""
    name = (backend or os.environ.get("QAFLOW_EMBEDDING_BACKEND") or DEFAULT_BACKEND).strip().lower()
    if name not in BACKENDS:
        raise UnknownBackend(f"embedding backend {name!r} is not one of {', '.join(BACKENDS)}")
    return name  # type: ignore[return-value]


def usable_cores() -> int:
    """The CPU cores this process may run on (affinity, cgroups' cpusets), not the machine's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class TorchBackend:
    """sentence-transformers on CPU: the reference."""

    name = "torch"
    ready_seconds = 0.0

    def __init__(self, info: ModelInfo, batch_size: int) -> None:
        from sentence_transformers import SentenceTransformer  # ~6 s: only for this backend
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr per process
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(info.path), device="cpu")
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(getter())
        self.export_seconds = 0.0

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _pooling_mode(path: Path) -> str:
    """'mean' or 'cls', from the model's 1_Pooling/config.json (mean when absent)."""
    modules = path / "modules.json"
    folder = "1_Pooling"
    if modules.is_file():
        for module in json.loads(modules.read_text()):
            if str(module.get("type", "")).endswith(".Pooling"):
                folder = module.get("path") or folder
    config = path / folder / "config.json"
    if config.is_file():
        data = json.loads(config.read_text())
        if data.get("pooling_mode_cls_token") and not data.get("pooling_mode_mean_tokens"):
            return "cls"
        if not data.get("pooling_mode_mean_tokens", True):
            raise ValueError(f"{config}: only mean or CLS pooling is supported by the onnx backend")
    return "mean"


class OnnxBackend:
    """The exported graph on onnxruntime, with the model's tokenizer and numpy pooling."""

    name = "onnx"
    ready_seconds = 0.0

    def __init__(self, info: ModelInfo, batch_size: int, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from tasks.embedding.onnx_export import ensure_onnx

        self.batch_size = batch_size
        graph, self.export_seconds = ensure_onnx(info)
        tokenizer_file = info.path / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise FileNotFoundError(f"{tokenizer_file}: the onnx backend needs the model's tokenizer.json")
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # what sentence-transformers does: cut at max_seq_length (special tokens included),
        # pad to the longest text of the batch
        tokenizer.enable_truncation(max_length=info.max_seq_length)
        pad = tokenizer.padding or {}
        tokenizer.enable_padding(
            pad_id=int(pad.get("pad_id", 0)),
            pad_type_id=int(pad.get("pad_type_id", 0)),
            pad_token=str(pad.get("pad_token", "[PAD]")),
        )
        self.tokenizer = tokenizer
        self.pooling = _pooling_mode(info.path)
        options = ort.SessionOptions()
        self.threads = threads or usable_cores()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # idle pool threads sleep instead of spinning: on a CPU shared with other work
        # (2 cores, several processes) spinning threads steal the time slices the busy
        # ones need; measured here under load: 8.2 vs 5.4 chunks/s with 2 threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(graph), sess_options=options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def _batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=True)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.asarray([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, feeds)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0, :]
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Texts sorted by length before batching (less padding), rows returned in input order."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            picked = order[start : start + self.batch_size]
            out[picked] = self._batch([texts[i] for i in picked])
        return out


def load_backend(name: Backend, info: ModelInfo, batch_size: int) -> TorchBackend | OnnxBackend:
    """Build the backend `name` for `info`; the caller times it."""
    started = time.perf_counter()
    backend: TorchBackend | OnnxBackend = (
        OnnxBackend(info, batch_size) if name == "onnx" else TorchBackend(info, batch_size)
    )
    backend.ready_seconds = time.perf_counter() - started
    return backend
