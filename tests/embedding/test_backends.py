"""ONNX Runtime (default: fused, int8 weights; onnx-float: fused float) against
sentence-transformers (reference): the float graph gives torch's vectors, the
int8 one vectors close to them, and the ONNX path never imports torch once the
graph is prepared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tasks.embedding import (
    UnknownBackend,
    get_embedder,
    resolve_backend,
    resolve_model,
    usable_cores,
)
from tasks.embedding.onnx_export import ensure_onnx, onnx_path, prepared_path

TEXTS = [
    "short",
    "The token expires after one hour and must be refreshed with the refresh endpoint.",
    "Access tokens are valid for sixty minutes.",
    "word " * 400,  # longer than max_seq_length: truncated the same way by both
    "한국어 문장입니다. 토큰은 한 시간 후에 만료됩니다.",
    "Ünïcödé àccents, emoji 🙂 and `code_spans()` {#anchor}",
    "# Heading > Sub heading\nBody text under a heading path.",
    "",
] + [f"Requirement {i}: the service answers within {i * 10} ms under load." for i in range(40)]


def test_backend_names() -> None:
    assert resolve_backend() == "onnx"
    assert resolve_backend("TORCH") == "torch"
    assert resolve_backend("onnx-float") == "onnx-float"
    with pytest.raises(UnknownBackend, match="not one of onnx, onnx-float, torch"):
        resolve_backend("tensorflow")


def test_onnx_vectors_equal_sentence_transformers() -> None:
    onnx = get_embedder(backend="onnx-float")
    torch = get_embedder(backend="torch")
    assert onnx is not torch and onnx.backend == "onnx-float" and torch.backend == "torch"
    a = onnx.encode(TEXTS)
    b = torch.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    # batching and padding do not change a text's vector
    alone = np.vstack([onnx.encode([text]) for text in TEXTS[:6]])
    assert ((alone * a[:6]).sum(axis=1)).min() >= 0.99999


def test_int8_vectors_are_close_to_sentence_transformers_and_rank_alike() -> None:
    """The default int8 graph: not torch's numbers, but close, and the same neighbours."""
    int8 = get_embedder(backend="onnx")
    assert int8.backend == "onnx" and int8.model.variant == "int8"
    a = int8.encode(TEXTS)
    b = get_embedder(backend="torch").encode(TEXTS)
    assert a.shape == b.shape and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.97, cosines
    assert not np.allclose(a, b, atol=1e-4)  # really the quantized graph
    # each question finds its answer under both, with int8 scores close to torch's
    docs = [
        "Access tokens expire after one hour; refresh them with the refresh endpoint.",
        "Upload a file as a multipart form; the server stores it in object storage.",
        "Rate limits: 100 requests per minute per API key, then the API answers 429.",
        "Refunds go back to the original payment method within five business days.",
        "Pagination uses a cursor returned in the Link header of each response.",
        "Webhooks are signed with HMAC-SHA256; the signature is in the X-Signature header.",
    ]
    questions = [
        "How long is a token valid?",
        "How do I send a file to the server?",
        "What happens if I call the API too often?",
        "When do I get my money back?",
        "How do I get the next page of results?",
        "How can I check that a webhook really came from you?",
    ]
    scores = {}
    for name, embedder in (("onnx", int8), ("torch", get_embedder(backend="torch"))):
        scores[name] = embedder.encode(questions) @ embedder.encode(docs).T
        assert list(scores[name].argmax(axis=1)) == list(range(len(questions))), (name, scores[name])
    assert np.abs(scores["onnx"] - scores["torch"]).max() < 0.03


def test_prepared_graphs_are_fused_and_int8_keeps_the_ffn_down_projection_float() -> None:
    import onnx

    info = resolve_model()
    int8 = get_embedder(backend="onnx").model
    float_graph = get_embedder(backend="onnx-float").model.graph
    assert int8.graph == prepared_path(info, "int8") and float_graph == prepared_path(info, "float")
    import onnxruntime

    assert onnxruntime.__version__ in int8.graph.name and info.version in int8.graph.name
    ops = [n.op_type for n in onnx.load(str(float_graph), load_external_data=False).graph.node]
    assert ops.count("Attention") == 6 and ops.count("SkipLayerNormalization") == 12
    nodes = onnx.load(str(int8.graph), load_external_data=False).graph.node
    quantized = [n for n in nodes if n.op_type in ("MatMulInteger", "QAttention", "DynamicQuantizeMatMul")]
    float_matmuls = [n for n in nodes if n.op_type == "MatMul"]
    assert len(float_matmuls) == 6, [n.name for n in float_matmuls]  # one FFN down-projection per layer
    assert len(quantized) >= 12


def test_onnx_uses_the_cores_the_process_may_use() -> None:
    model = get_embedder().model
    assert model.threads == usable_cores() == len(os.sched_getaffinity(0))


def test_export_is_cached_by_fingerprint_and_written_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QAFLOW_MODEL_CACHE", str(tmp_path / "cache"))
    info = resolve_model()
    target = onnx_path(info)
    assert target.parent == (tmp_path / "cache").resolve() and info.version in target.name
    path, seconds = ensure_onnx(info)
    assert path == target and path.is_file() and seconds > 0
    assert [p.name for p in target.parent.iterdir() if p.suffix == ".tmp"] == []  # no temporary left
    again, seconds = ensure_onnx(info)
    assert again == target and seconds == 0.0


def test_onnx_path_imports_neither_torch_nor_sentence_transformers(tmp_path: Path) -> None:
    ensure_onnx(resolve_model())  # exported (or cached) by this process: the child only loads it
    script = (
        "import json, sys\n"
        "from tasks.embedding import get_embedder\n"
        "e = get_embedder()\n"
        "v = e.encode(['hello world', 'a second text'])\n"
        "print(json.dumps({'shape': list(v.shape), 'export': e.export_seconds,\n"
        "  'heavy': sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)}))\n"
    )
    env = {**os.environ}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"shape": [2, 384], "export": 0.0, "heavy": []}


def test_prepared_graphs_of_an_old_recipe_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.embedding.onnx_export import prune_prepared

    monkeypatch.setenv("QAFLOW_MODEL_CACHE", str(tmp_path / "cache"))
    info = resolve_model()
    current = {variant: prepared_path(info, variant) for variant in ("float", "int8")}
    folder = current["int8"].parent
    stale = [folder / f"{current['int8'].name.split('-int8-')[0]}-int8-ort0.1.0-deadbeef.onnx",
             folder / f"{current['float'].name.split('-float-')[0]}-float-ort0.1.0-deadbeef.onnx"]
    other_model = folder / "other-model-0123456789abcdef-int8-ort0.1.0-deadbeef.onnx"
    for path in [*current.values(), *stale, other_model, onnx_path(info)]:
        path.write_bytes(b"graph")
    assert sorted(prune_prepared(info)) == sorted(stale)
    assert all(p.is_file() for p in [*current.values(), other_model, onnx_path(info)])
    assert not any(p.exists() for p in stale)
