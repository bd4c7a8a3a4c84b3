"""ONNX Runtime (default) against sentence-transformers (reference): same vectors,
and the ONNX path never imports torch once the graph is exported."""

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
from tasks.embedding.onnx_export import ensure_onnx, onnx_path

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
    with pytest.raises(UnknownBackend, match="not one of onnx, torch"):
        resolve_backend("tensorflow")


def test_onnx_vectors_equal_sentence_transformers() -> None:
    onnx = get_embedder(backend="onnx")
    torch = get_embedder(backend="torch")
    assert onnx is not torch and onnx.backend == "onnx" and torch.backend == "torch"
    a = onnx.encode(TEXTS)
    b = torch.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    # batching and padding do not change a text's vector
    alone = np.vstack([onnx.encode([text]) for text in TEXTS[:6]])
    assert ((alone * a[:6]).sum(axis=1)).min() >= 0.99999


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
