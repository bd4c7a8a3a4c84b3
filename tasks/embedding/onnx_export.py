"""The bundled model as an ONNX graph, exported once and cached by fingerprint.

ONNX Runtime runs all-MiniLM-L6-v2 faster than torch on a small CPU, and is
ready in a fraction of a second where sentence-transformers needs ~4.5 s. The
graph is exported from the model's own weights with the torch that is
installed anyway (no download, no extra tool), once per weights fingerprint,
into QAFLOW_HOME/models/onnx, then prepared in two more cached steps:

- `float`: ONNX Runtime's transformer optimiser fuses each layer's attention,
  GELU and skip+LayerNorm into single kernels (EmbedLayerNormalization,
  Attention, BiasGelu, SkipLayerNormalization). Same numbers as torch
  (cosine >= 0.99999), ~1.3x the plain export here.
- `int8`: the fused graph with most of its weights quantized to int8 per
  output channel (dynamic quantization: activations are scaled per call at
  run time; see quantize_int8 for what stays float and why). Faster than the
  float graph on this CPU (AVX-512 VNNI), mean cosine to torch's vectors
  ~0.998 and the same retrieval ranking on the quality benchmark.

Fused operators are ONNX Runtime's own, so the prepared files are keyed by the
ONNX Runtime version as well. Every file is written to a temporary path and
renamed, under a file lock, so two processes never see half a graph.

Only the export imports torch; preparing and running the graph do not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from tasks.embedding.model import ModelInfo
from tasks.files import atomic_path
from tasks.paths import MODELS_ONNX, state_dir
from tasks.settings import settings

log = logging.getLogger(__name__)

OPSET = 17
# bump when the export changes (inputs, outputs, opset): old cache files are then ignored
EXPORT_VERSION = f"bert-last-hidden-state-opset{OPSET}-1"
# bump when the fusion or quantization recipe changes (the ORT version is in the key anyway)
FUSED_VERSION = "fused1"
INT8_VERSION = "int8dyn-pc-ffn2float-1"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"

Variant = Literal["float", "int8"]
VARIANTS: tuple[str, ...] = ("float", "int8")


def cache_folder() -> Path:
    """Where exported graphs live (created): QAFLOW_MODEL_CACHE, else QAFLOW_HOME/models/onnx.

    QAFLOW_MODEL_CACHE lets several homes (test runs, CI jobs) share one export.
    """
    override = settings().model_cache
    if override:
        folder = override.expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return state_dir(*MODELS_ONNX)


def _slug(info: ModelInfo) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(info.name).name or info.name).strip("-")[:60] or "model"


def onnx_path(info: ModelInfo) -> Path:
    """The plain exported graph of `info`: its name and weights fingerprint in the file name."""
    tag = re.sub(r"[^A-Za-z0-9]+", "", EXPORT_VERSION)[-24:]
    return cache_folder() / f"{_slug(info)}-{info.version}-{tag}.onnx"


def prepared_path(info: ModelInfo, variant: Variant) -> Path:
    """The graph a session loads: fused (`float`) or fused and quantized (`int8`), keyed by
    the weights fingerprint, the export, the recipe and the ONNX Runtime version."""
    import onnxruntime as ort

    if variant not in VARIANTS:
        raise ValueError(f"onnx variant {variant!r} is not one of {', '.join(VARIANTS)}")
    recipe = FUSED_VERSION if variant == "float" else f"{FUSED_VERSION}-{INT8_VERSION}"
    digest = hashlib.sha256(f"{EXPORT_VERSION}\0{recipe}\0{ort.__version__}".encode()).hexdigest()[:8]
    return cache_folder() / f"{_slug(info)}-{info.version}-{variant}-ort{ort.__version__}-{digest}.onnx"


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Run `write(tmp)` next to `target`, check the result loads, then rename it into place."""
    with atomic_path(target, mode=0o644) as tmp:  # the cache is a plain model file, not mkstemp's 0600
        write(tmp)
        _check_graph(tmp)


def _cached(target: Path, build: Callable[[Path], None]) -> float:
    """Seconds spent building `target` (0.0 when it was there), one process at a time."""
    if target.is_file():
        return 0.0
    from filelock import FileLock

    with FileLock(str(target) + ".lock"):
        if target.is_file():  # another process built it while we waited
            return 0.0
        started = time.perf_counter()
        _atomic(target, build)
        return time.perf_counter() - started


def ensure_onnx(info: ModelInfo, variant: Variant | None = None) -> tuple[Path, float]:
    """The graph's path, building what the cache lacks first.

    With no `variant`, the plain export (what torch computes, unfused). With
    `float` or `int8`, the prepared graph of that variant (see the module's
    docstring). Returns (path, seconds spent exporting and preparing; 0.0
    when the cache had everything).
    """
    plain = onnx_path(info)
    seconds = _cached(plain, lambda tmp: _export_to(info.path, tmp))
    if seconds:
        log.info("exported %s to ONNX in %.1f s (%s)", info.name, seconds, plain)
    if variant is None:
        return plain, seconds
    fused = prepared_path(info, "float")
    built = _cached(fused, lambda tmp: fuse(plain, tmp, info.path))
    target = fused
    if variant == "int8":
        target = prepared_path(info, variant)
        built += _cached(target, lambda tmp: quantize_int8(fused, tmp))
    if built:  # a new recipe or ONNX Runtime: the files of the old one are dead weight
        prune_prepared(info)
    return target, seconds + built


def prune_prepared(info: ModelInfo) -> list[Path]:
    """Delete prepared graphs of `info` that another recipe or ONNX Runtime version made
    (60-90 MB each); returns what was deleted. A process still running one keeps its
    open file (POSIX), and would prepare a new one on its next start."""
    keep = {prepared_path(info, variant).name for variant in VARIANTS}
    gone = []
    for variant in VARIANTS:
        for old in cache_folder().glob(f"{_slug(info)}-{info.version}-{variant}-ort*.onnx"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
                Path(str(old) + ".lock").unlink(missing_ok=True)
                gone.append(old)
    return gone


def _attention_shape(model_folder: Path) -> tuple[int, int]:
    """(attention heads, hidden size) from the model's config.json (the fusions need them)."""
    config = json.loads((model_folder / "config.json").read_text())
    return int(config.get("num_attention_heads", 12)), int(config.get("hidden_size", 384))


def fuse(source: Path, target: Path, model_folder: Path) -> None:
    """ONNX Runtime's BERT fusions on `source`, saved to `target` (not atomic: see _atomic).

    A model the fusions do not recognise is saved as it is (still correct,
    only not faster); the log says so.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    heads, hidden = _attention_shape(model_folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = optimize_model(
            str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0, use_gpu=False
        )
    fused = {op: n for op, n in model.get_fused_operator_statistics().items() if n}
    if not fused.get("Attention"):
        log.warning("ONNX Runtime's fusions found no attention in %s (%s): running it unfused", source, fused)
    else:
        log.info("fused %s: %s", source.name, fused)
    model.save_model_to_file(str(target))


GELU_OPS = frozenset({"Gelu", "BiasGelu", "FastGelu", "GemmFastGelu"})


def _gelu_fed_matmuls(source: Path) -> list[str]:
    """The MatMul nodes whose input is a GELU's output: each layer's FFN down-projection."""
    import onnx

    graph = onnx.load(str(source), load_external_data=False).graph
    producer = {out: node.op_type for node in graph.node for out in node.output}
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul" and any(producer.get(name) in GELU_OPS for name in node.input)
    ]


class _DropAdvice(logging.Filter):
    """quantize_dynamic logs advice for calibrated image models on the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the fused graph's weights, saved to `target` (not atomic).

    Quantized: the attention projections (Attention's QKV, the output dense)
    and the FFN up-projection, per output channel, full int8 range. Left in
    float: each FFN down-projection, whose input is the GELU's long-tailed
    output; one activation scale per tensor (dynamic quantization) loses most
    there. Measured on the FastAPI docs questions: all quantized, top-1 26/30
    and mean cosine 0.9946 to the float vectors; down-projections in float,
    27/30 as float, mean cosine 0.9976. Gather (the word embeddings) stays
    float too.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    advice = _DropAdvice()
    logging.getLogger().addFilter(advice)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(
                str(source),
                str(target),
                op_types_to_quantize=["MatMul", "Attention"],
                nodes_to_exclude=_gelu_fed_matmuls(source),
                per_channel=True,
                reduce_range=False,
                weight_type=QuantType.QInt8,
                # fused contrib ops have no shape inference: their outputs are float
                extra_options={"DefaultTensorType": 1},
            )
    finally:
        logging.getLogger().removeFilter(advice)


def export(model_folder: Path, target: Path) -> None:
    """Export the transformer of a sentence-transformers folder to `target` (atomic)."""
    _atomic(target, lambda tmp: _export_to(model_folder, tmp))


def _export_to(model_folder: Path, target: Path) -> None:
    """Export the transformer of a sentence-transformers folder to `target` (not atomic).

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
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shapes the dynamic axes cover
        torch.onnx.export(
            wrapper,
            tuple(sample[name] for name in INPUT_NAMES),
            str(target),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _check_graph(path: Path) -> None:
    """Refuse to cache a graph ONNX Runtime cannot load or that lacks our inputs."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    if not set(INPUT_NAMES) <= names:
        raise RuntimeError(f"exported graph {path} has inputs {sorted(names)}, expected {list(INPUT_NAMES)}")
