"""Change detection against a manifest, on real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.changes import FileRecord, Manifest, detect_changes, sha256_file

KEY = ("config-1", "model-x", "v1")


def _index(manifest: Manifest, root: Path, *names: str, key: tuple[str, str, str] = KEY) -> None:
    records = []
    for name in names:
        path = root / name
        stat = path.stat()
        records.append(
            FileRecord(path.as_posix(), stat.st_size, stat.st_mtime_ns, sha256_file(path), [f"{name}-0"], *key)
        )
    manifest.commit(records=records)


def _setup(tmp_path: Path) -> tuple[Path, Manifest]:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text("# A\n\nalpha\n")
    (root / "b.md").write_text("# B\n\nbeta\n")
    (root / "sub" / "c.txt").write_text("gamma\n")
    manifest = Manifest(tmp_path / "m.sqlite")
    _index(manifest, root, "a.md", "b.md", "sub/c.txt")
    return root, manifest


def test_first_sync_adds_everything_supported(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_text("alpha")
    (root / "image.png").write_bytes(b"\x89PNG\r\n")
    (root / ".hidden.md").write_text("x")
    plan = detect_changes(root, Manifest(tmp_path / "m.sqlite"), *KEY)
    assert [s.path for s in plan.added] == [(root / "a.md").as_posix()]
    assert [p.reason for p in plan.skipped] == ["unsupported type .png"]


def test_nothing_changed(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    plan = detect_changes(root, manifest, *KEY)
    assert plan.empty and plan.unchanged == 3


def test_touch_without_change_is_not_a_change(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    os.utime(root / "a.md", ns=(1, 1_000_000_000_000))
    plan = detect_changes(root, manifest, *KEY)
    assert [s.path for s in plan.touched] == [(root / "a.md").as_posix()]
    assert not plan.changed and not plan.added and plan.unchanged == 2


def test_changed_deleted_added_and_renamed(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    (root / "a.md").write_text("# A\n\nalpha, edited\n")
    (root / "b.md").rename(root / "b-renamed.md")
    (root / "sub" / "c.txt").unlink()
    (root / "d.md").write_text("delta")
    plan = detect_changes(root, manifest, *KEY)
    assert [s.path for s in plan.changed] == [(root / "a.md").as_posix()]
    assert [(old, new.path) for old, new in plan.renamed] == [
        ((root / "b.md").as_posix(), (root / "b-renamed.md").as_posix())
    ]
    assert plan.deleted == [(root / "sub" / "c.txt").as_posix()]
    assert [s.path for s in plan.added] == [(root / "d.md").as_posix()]


def test_copy_is_an_add_not_a_rename(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    (root / "copy.md").write_bytes((root / "a.md").read_bytes())
    plan = detect_changes(root, manifest, *KEY)
    assert [s.path for s in plan.added] == [(root / "copy.md").as_posix()] and not plan.renamed


def test_config_or_model_change_reindexes_everything(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    for key in (("config-2", "model-x", "v1"), ("config-1", "model-y", "v1"), ("config-1", "model-x", "v2")):
        plan = detect_changes(root, manifest, *key)
        assert len(plan.changed) == 3 and plan.unchanged == 0 and not plan.touched


def test_rows_outside_the_folder_are_left_alone(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    other = tmp_path / "docs-other"
    other.mkdir()
    (other / "x.md").write_text("x")
    _index(manifest, other, "x.md")
    plan = detect_changes(root, manifest, *KEY)
    assert plan.empty
    plan = detect_changes(other, manifest, *KEY)
    assert plan.empty and plan.unchanged == 1


def test_symlink_leaving_the_folder_is_skipped(tmp_path: Path) -> None:
    root, manifest = _setup(tmp_path)
    outside = tmp_path / "secret.md"
    outside.write_text("secret")
    (root / "link.md").symlink_to(outside)
    plan = detect_changes(root, manifest, *KEY)
    assert plan.empty
    assert any("symlink leaves the folder (not followed" in p.reason for p in plan.skipped)


def test_a_file_swapped_for_a_link_after_the_scan_is_skipped_and_its_row_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tasks.changes.detect as detect

    root, manifest = _setup(tmp_path)
    (root / "a.md").write_text("# A\n\nedited\n")  # changed: detection will hash it
    outside = tmp_path / "secret.md"
    outside.write_text("secret")
    real_scan = detect.scan

    def scan_then_swap(folder, **kwargs):
        found = real_scan(folder, **kwargs)
        (root / "a.md").unlink()
        (root / "a.md").symlink_to(outside)
        (root / "sub").rename(tmp_path / "sub-moved")
        (root / "sub").symlink_to(tmp_path / "sub-moved", target_is_directory=True)
        return found

    monkeypatch.setattr(detect, "scan", scan_then_swap)
    plan = detect_changes(root, manifest, *KEY)
    skipped = {Path(p.path).relative_to(root).as_posix(): p.reason for p in plan.skipped}
    assert skipped == {
        "a.md": "symbolic link (not followed)",
        "sub/c.txt": "folder 'sub' on its path is a symbolic link (not followed)",
    }
    assert sorted(plan.deleted) == [(root / "a.md").as_posix(), (root / "sub" / "c.txt").as_posix()]
    assert not plan.to_index and plan.unchanged == 1


def test_a_file_gone_after_the_scan_is_a_delete_and_a_too_large_one_keeps_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tasks.changes.detect as detect

    root, manifest = _setup(tmp_path)
    (root / "b.md").write_text("# B\n\n" + "beta " * 100)
    real_scan = detect.scan

    def scan_then_delete(folder, **kwargs):
        found = real_scan(folder, **kwargs)
        (root / "a.md").unlink()
        return found

    monkeypatch.setattr(detect, "scan", scan_then_delete)
    monkeypatch.setenv("QAFLOW_DOCUMENTS_MAX_FILE_BYTES", "100")
    plan = detect_changes(root, manifest, *KEY)
    assert plan.deleted == [(root / "a.md").as_posix()]
    assert [(p.path, p.reason) for p in plan.failed] == [((root / "b.md").as_posix(), "too large (505 bytes, limit 100)")]
    assert not plan.changed and plan.unchanged == 1  # b.md's row stays until it can be read


def test_state_comes_from_the_descriptor(tmp_path: Path) -> None:
    import hashlib

    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_bytes(b"alpha")
    os.utime(root / "a.md", ns=(1, 1_700_000_000_123_456_789))
    (state,) = detect_changes(root, Manifest(tmp_path / "m.sqlite"), *KEY).added
    assert (state.size, state.mtime_ns, state.sha256) == (5, 1_700_000_000_123_456_789, hashlib.sha256(b"alpha").hexdigest())
