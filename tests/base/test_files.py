"""The one atomic write (tasks/files.py): whole or not at all, fsync'd, with the user's umask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.files import atomic_path, streaming_atomic, umask_mode, write_atomic


def test_write_atomic_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old")
    assert write_atomic(path, "new") == path
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_atomic_failure_keeps_nothing_half_written(tmp_path: Path) -> None:
    blocker = tmp_path / "junit.xml"
    blocker.mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(OSError):
        write_atomic(blocker, b"<testsuites/>")
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"] and blocker.is_dir()


def test_write_atomic_creates_the_folder_and_takes_text_or_bytes(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a" / "b.txt", "é")
    write_atomic(str(tmp_path / "a" / "c.bin"), b"\x00\xff")
    assert (tmp_path / "a" / "b.txt").read_bytes() == "é".encode()
    assert (tmp_path / "a" / "c.bin").read_bytes() == b"\x00\xff"


def test_new_files_get_the_umask_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        assert umask_mode() == 0o640 and umask_mode(0o777) == 0o750
        write_atomic(tmp_path / "report.html", "x")
        with streaming_atomic(tmp_path / "junit.xml") as handle:
            handle.write("<x/>")
    finally:
        os.umask(previous)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "junit.xml").stat().st_mode & 0o777 == 0o640


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    write_atomic(tmp_path / "entry.json", "{}", mode=0o600)
    assert (tmp_path / "entry.json").stat().st_mode & 0o777 == 0o600


def test_streaming_atomic_shows_nothing_until_the_block_ends_and_nothing_on_error(tmp_path: Path) -> None:
    path = tmp_path / "cucumber.json"
    with streaming_atomic(path) as handle:
        handle.write("[")
        assert not path.exists()
        handle.write("]")
    assert path.read_text() == "[]"
    with pytest.raises(RuntimeError), streaming_atomic(path) as handle:
        handle.write("[half")
        raise RuntimeError("writer failed")
    assert path.read_text() == "[]" and [p.name for p in tmp_path.iterdir()] == ["cucumber.json"]


def test_atomic_path_renames_what_the_writer_left_and_removes_it_on_error(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    with atomic_path(target, mode=0o644) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.unlink()  # a library that writes its own file in place of the temporary one
        tmp.write_bytes(b"graph")
        assert not target.exists()
    assert target.read_bytes() == b"graph" and target.stat().st_mode & 0o777 == 0o644
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_bytes(b"broken")
        raise ValueError("check failed")
    assert target.read_bytes() == b"graph" and [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
