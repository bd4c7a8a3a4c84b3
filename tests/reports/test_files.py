"""Report files are written whole or not at all (the atomic write itself: tests/base/test_files.py)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tasks.execution.results import RunResult
from tasks.reports import write_reports


def test_empty_run_still_gives_valid_reports(tmp_path):
    paths = write_reports(RunResult(), tmp_path / "out")
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-10.xsd"))))
    assert schema.validate(etree.parse(str(paths["junit"])))
    assert paths["cucumber"].read_text() == "[]"
    assert ">0<" in paths["html"].read_text()
