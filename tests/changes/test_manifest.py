"""The manifest: rows, the journal, transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.changes import FileRecord, Manifest


def _record(path: str, ids: list[str], sha: str = "s1") -> FileRecord:
    return FileRecord(path=path, size=3, mtime_ns=1, sha256=sha, chunk_ids=ids, config_key="c", model="m", model_version="v")


def test_rows_round_trip_and_count(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite")
    manifest.commit(records=[_record("/d/a.md", ["1", "2"]), _record("/d/sub/b.md", ["3"]), _record("/e/c.md", [])])
    assert manifest.get("/d/a.md").chunk_ids == ["1", "2"]
    assert manifest.count() == (3, 3)
    assert [r.path for r in manifest.records(under="/d")] == ["/d/a.md", "/d/sub/b.md"]
    assert [r.path for r in manifest.records(under="/d/")] == ["/d/a.md", "/d/sub/b.md"]
    assert [r.path for r in manifest.records(under="/d/sub")] == ["/d/sub/b.md"]
    manifest.touch("/d/a.md", 10, 99)
    assert (manifest.get("/d/a.md").size, manifest.get("/d/a.md").mtime_ns) == (10, 99)
    manifest.close()
    reopened = Manifest(tmp_path / "m.sqlite")
    assert reopened.count() == (3, 3)


def test_journal_is_cleared_in_the_same_commit(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite")
    manifest.begin(["/d/a.md", "/d/b.md"], "index")
    assert manifest.pending() == [("/d/a.md", "index"), ("/d/b.md", "index")]
    manifest.commit(records=[_record("/d/a.md", ["1"])], done=["/d/a.md"])
    assert manifest.pending() == [("/d/b.md", "index")]
    # a second connection (another process) sees both
    other = Manifest(tmp_path / "m.sqlite")
    assert other.pending() == [("/d/b.md", "index")]
    assert other.get("/d/a.md") is not None


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite")
    with pytest.raises(RuntimeError), manifest.transaction() as db:
        db.execute("INSERT INTO pending VALUES ('/x', 'index', 0)")
        raise RuntimeError("boom")
    assert manifest.pending() == []


def test_same_index_compares_config_and_model() -> None:
    record = _record("/a", [])
    assert record.same_index("c", "m", "v")
    assert not record.same_index("c2", "m", "v")
    assert not record.same_index("c", "m", "v2")
