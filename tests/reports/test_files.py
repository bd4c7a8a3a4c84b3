"""Report files are written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tasks.execution.results import RunResult
from tasks.reports import write_reports
from tasks.reports.files import write_atomic


def test_write_atomic_replaces_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    write_atomic(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_atomic_failure_keeps_nothing_half_written(tmp_path):
    blocker = tmp_path / "junit.xml"
    blocker.mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(OSError):
        write_atomic(blocker, b"<testsuites/>")
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"] and blocker.is_dir()


def test_empty_run_still_gives_valid_reports(tmp_path):
    paths = write_reports(RunResult(), tmp_path / "out")
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-10.xsd"))))
    assert schema.validate(etree.parse(str(paths["junit"])))
    assert paths["cucumber"].read_text() == "[]"
    assert ">0<" in paths["html"].read_text()
