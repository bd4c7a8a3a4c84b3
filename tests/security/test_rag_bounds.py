"""A 2 MB .docx whose word/document.xml inflates to 2 GiB took
`rag sync` from 0.76 GB to 4.3 GB of RSS. Here it is run for real, as `qaflow rag sync`
in a child process whose peak RSS is read from wait4()."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.documents.bombs import docx_members, run_measured, write_docx_bomb, write_zip
from tests.rag.conftest import assert_in_step, embedder, rag_home, section, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 1024


def _sync(root: Path, home: Path) -> tuple[dict, float]:
    """`qaflow rag sync ROOT --json` in a child process: its counts and its peak RSS in MB."""
    from prefect.settings import PREFECT_API_URL

    env = dict(
        os.environ,
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        QAFLOW_HOME=str(home),
        QAFLOW_RAG_PREFECT_LIMIT="0",
    )
    status, out, err, peak_mb = run_measured(
        [sys.executable, "-m", "flows.cli", "rag", "sync", str(root), "--json"], env=env, cwd=ROOT, timeout=500
    )
    assert status == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1]), peak_mb


def test_rag_sync_refuses_a_2_gib_docx_bomb_and_indexes_the_rest(rag_home: Path, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "docs"
    write(root, "auth.md", "# Authentication\n\n" + section("Tokens", "token", 8))
    write(root, "notes.txt", "Parcels leave the warehouse daily.\n")
    # a first sync: the store exists and the model is ready (a first run may export the
    # ONNX graph with torch, ~0.9 GB, once per model; that is not what is measured here)
    first, first_peak = _sync(root, rag_home)
    assert first["added"] == 2

    write_zip(root / "valid.docx", docx_members(12, block_paragraphs=4))
    bomb = write_docx_bomb(root / "bomb.docx", inflated=2 << 30)
    assert bomb.stat().st_size < 10 << 20  # a few MB on disk, 2 GiB inflated
    counts, peak_mb = _sync(root, rag_home)
    assert counts["added"] == 1 and counts["unchanged"] == 2 and counts["failed"] == 1, counts
    (failure,) = counts["failures"]
    assert failure["path"] == bomb.as_posix()
    assert "inflates to more than 104,857,600 bytes" in failure["reason"]
    assert "'word/document.xml'" in failure["reason"]
    print(f"rag sync: peak RSS {first_peak:.0f} MB (first sync), {peak_mb:.0f} MB (with the 2 GiB docx bomb)")
    assert peak_mb < PEAK_LIMIT_MB, f"rag sync peaked at {peak_mb:.0f} MB"
    # the same sync work without a bomb sets the bar: the bomb may not add to it
    assert peak_mb < first_peak + 100, (first_peak, peak_mb)
    assert_in_step(root)  # the three other files are in the store, the bomb is not
