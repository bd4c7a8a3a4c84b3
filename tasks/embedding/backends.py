"""The ways to compute a model's vectors: ONNX Runtime (default) and torch.

`onnx`: the model's graph (exported once, fused and quantized to int8, see
onnx_export) run by onnxruntime, tokenised by the model's own tokenizer.json
with `tokenizers`, then mean pooling over the attention mask and L2
normalisation in numpy, exactly what sentence-transformers' Pooling +
Normalize modules do. Neither torch nor sentence-transformers is imported on
this path (unless the graph has to be exported first, once per model).

`onnx-float`: the same, with the fused float graph: torch's numbers (cosine
>= 0.99999), ~1.3x torch where int8 is ~2.4x.

`torch`: sentence-transformers itself, the reference the tests compare with.

All take texts and return float32 rows of unit length. torch and onnx-float
compute the same vectors; int8's differ slightly (cosine ~0.99), so the
vectors' identity (`vectors_version`) tells a store which ones it holds, and
a store never mixes them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tasks.embedding.model import ModelInfo
from tasks.settings import settings

if TYPE_CHECKING:
    import numpy as np

Backend = Literal["onnx", "onnx-float", "torch"]
BACKENDS: tuple[str, ...] = ("onnx", "onnx-float", "torch")
DEFAULT_BACKEND: Backend = "onnx"
# the ONNX graph each ONNX backend runs (onnx_export.VARIANTS)
ONNX_VARIANTS: dict[str, str] = {"onnx": "int8", "onnx-float": "float"}


class UnknownBackend(ValueError):
    """An embedding backend other than onnx or torch was asked for."""


def resolve_backend(backend: str | None = None) -> Backend:
    """`backend`, else QAFLOW_EMBEDDING_BACKEND, else onnx."""
    name = (backend or settings().embedding_backend or DEFAULT_BACKEND).strip().lower()
    if name not in BACKENDS:
        raise UnknownBackend(f"embedding backend {name!r} is not one of {', '.join(BACKENDS)}")
    return name  # type: ignore[return-value]


def vectors_version(info: ModelInfo, backend: str | None = None) -> str:
    """What a store records as the model version of vectors made by `backend`: the
    weights' fingerprint, plus the quantization when the numbers are not torch's.

    torch and onnx-float give the same vectors, so they share one version and a
    store built by one is reused by the other; int8 vectors get their own, so a
    store built with float vectors is re-embedded (never mixed) when the
    backend becomes int8, and the other way round.
    """
    variant = ONNX_VARIANTS.get(resolve_backend(backend), "float")
    if variant == "float":
        return info.version
    from tasks.embedding.onnx_export import INT8_VERSION

    return f"{info.version}-{INT8_VERSION}"


def vectors_model(info: ModelInfo, backend: str | None = None) -> ModelInfo:
    """`info` with `version` = vectors_version(info, backend): what a sync records in the
    manifest, the content hashes and the collection's metadata."""
    return replace(info, version=vectors_version(info, backend))


def backend_for_version(info: ModelInfo, version: str | None, preferred: str | None = None) -> Backend:
    """The backend a query embeds with on a store whose vectors are `version`.

    `preferred` when given (the caller asked for it), else the default backend
    when its vectors are that version, else the fastest backend whose are (a
    store built by torch or onnx-float is queried with onnx-float, not int8).
    """
    if preferred:
        return resolve_backend(preferred)
    default = resolve_backend(None)
    if not version or vectors_version(info, default) == version:
        return default
    for name in ONNX_VARIANTS | {"torch": "float"}:
        if vectors_version(info, name) == version:
            return name  # type: ignore[return-value]
    return default


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
    export_seconds = 0.0

    def __init__(
        self, info: ModelInfo, batch_size: int, threads: int | None = None, variant: str = "int8"
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from tasks.embedding.onnx_export import ensure_onnx

        self.batch_size = batch_size
        self.variant = variant
        self.run_size = 1 if variant == "int8" else batch_size  # texts per session.run (see encode)
        self.name = next(name for name, graph in ONNX_VARIANTS.items() if graph == variant)
        graph, self.export_seconds = ensure_onnx(info, variant)  # type: ignore[arg-type]
        self.graph = graph
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
        """Texts sorted by length before batching (less padding), rows returned in input order.

        The int8 graph runs one text per call (`run_size` 1): dynamic
        quantization scales activations per tensor, so texts sharing a call
        would change each other's vectors, and a chunk's vector must not
        depend on its neighbours (reuse by content hash relies on it). With
        no padding at all it is also the faster way here.
        """
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.run_size):
            picked = order[start : start + self.run_size]
            out[picked] = self._batch([texts[i] for i in picked])
        return out


def load_backend(name: Backend, info: ModelInfo, batch_size: int) -> TorchBackend | OnnxBackend:
    """Build the backend `name` for `info`; the caller times it."""
    started = time.perf_counter()
    backend: TorchBackend | OnnxBackend = (
        OnnxBackend(info, batch_size, variant=ONNX_VARIANTS[name])
        if name in ONNX_VARIANTS
        else TorchBackend(info, batch_size)
    )
    backend.ready_seconds = time.perf_counter() - started
    return backend
