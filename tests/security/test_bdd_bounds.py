"""A test-case workbook is a document other people wrote: a zip bomb given to `bdd`
is refused before openpyxl inflates it, naming the file, and the other inputs go on."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

from tasks.requirements import read_requirements
from tests.documents.bombs import Member, run_measured, write_zip

ROOT = Path(__file__).resolve().parents[2]


def _sheet_bomb(path: Path, rows: int) -> Path:
    """A valid .xlsx whose first sheet holds `rows` x 4096 inline-string rows (deflated: a few MB)."""
    from openpyxl import Workbook

    plain = path.with_name("plain-" + path.name)
    workbook = Workbook()
    workbook.active.append(["ID", "Title", "Method", "Path", "Expected Status"])
    workbook.save(plain)
    with zipfile.ZipFile(plain) as package:
        members = [Member(info.filename, head=package.read(info)) for info in package.infolist()]
    plain.unlink()
    sheet = next(m for m in members if m.name == "xl/worksheets/sheet1.xml")
    head, _, tail = sheet.head.partition(b"</sheetData>")
    sheet.head, sheet.tail = head, b"</sheetData>" + tail
    sheet.block = b'<row><c t="inlineStr"><is><t>TC-1</t></is></c></row>' * 4096
    sheet.count = rows
    return write_zip(path, members)


def _good_sheet(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["ID", "Title", "Method", "Path", "Expected Status"])
    workbook.active.append(["TC-1", "health", "GET", "/health", 200])
    workbook.save(path)
    return path


def test_a_workbook_bomb_is_refused_naming_the_file(tmp_path: Path) -> None:
    bomb = _sheet_bomb(tmp_path / "cases.xlsx", rows=2000)  # ~420 MB of XML inflated
    assert bomb.stat().st_size < 20 << 20
    result = read_requirements(bomb)
    assert not result.requirements
    assert result.errors and str(bomb) in str(result.errors[0])
    assert "inflates to more than" in str(result.errors[0])


@pytest.mark.usefixtures("prefect_api")
def test_bdd_generate_with_a_bomb_stays_small_and_reads_the_rest(tmp_path: Path) -> None:
    """`qaflow bdd generate` in a child process: peak RSS far below what openpyxl would take
    for the inflated sheet, the good workbook beside it still becomes a feature."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    _sheet_bomb(inputs / "bomb.xlsx", rows=8000)  # ~1.7 GB inflated
    _good_sheet(inputs / "good.xlsx")
    out = tmp_path / "features"
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()), QAFLOW_HOME=str(tmp_path / "home"),
               QAFLOW_WARM="0")
    status, stdout, stderr, peak_mb = run_measured(
        [sys.executable, "-m", "flows.cli", "bdd", "generate", str(inputs), "--out", str(out), "--llm", "offline"],
        env=env, cwd=ROOT, timeout=300,
    )
    text = stdout + stderr
    assert "bomb.xlsx" in text and "inflates to more than" in text, text
    assert any(out.rglob("*.feature")), text
    assert peak_mb < 1000, f"peak RSS {peak_mb:.0f} MB"
