"""A file replaced by a symlink to a secret between the walk and
the read was indexed and served, and stayed indexed. Each swap here happens for real,
at exactly that moment (between the steps of a sync, or inside detection right after
the scan), and once more as a race against a thread that keeps swapping."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from blocks.vectorstore import VectorStore
from tests.rag.conftest import assert_in_step, embedder, plain_sync, rag_home, section, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("prefect_api")

SECRET = "SECRET-7Q2X the database root password is hunter2"


def _stored() -> dict[str, list[str]]:
    """Every chunk text in the store, by path."""
    from tasks.vectorstore import ChromaStore, close_clients

    try:
        store = ChromaStore.existing(VectorStore.resolve(None))
        texts: dict[str, list[str]] = {}
        if store is not None:
            got = store.collection.get(include=["documents", "metadatas"])
            for text, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True):
                texts.setdefault(str(meta["path"]), []).append(text or "")
        return texts
    finally:
        close_clients()


def _rows() -> dict[str, tuple[int, int, str]]:
    from tasks.changes.index import manifest_path
    from tasks.changes.manifest import Manifest

    manifest = Manifest(manifest_path(VectorStore.resolve(None)))
    try:
        return {row.path: (row.size, row.mtime_ns, row.sha256) for row in manifest.records()}
    finally:
        manifest.close()


def _assert_secret_nowhere() -> None:
    for path, texts in _stored().items():
        assert not any("SECRET-7Q2X" in text for text in texts), f"the secret was indexed under {path}"


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "docs"
    write(root, "guide.md", "# Guide\n\n" + section("Orders", "order", 4))
    write(root, "sub/api.md", "# API\n\n" + section("Tokens", "token", 4))
    secret = tmp_path / "private" / "passwords.md"
    write(secret.parent, secret.name, f"# Passwords\n\n{SECRET}\n")
    return root, secret


def _swap(path: Path, target: Path) -> None:
    """Replace `path` by a symlink to `target`, atomically (rename over it)."""
    temporary = path.with_name(path.name + ".swap")
    temporary.symlink_to(target, target_is_directory=target.is_dir())
    os.replace(temporary, path)


def test_a_file_swapped_for_a_link_between_detection_and_reading_is_not_indexed(
    rag_home: Path, corpus: tuple[Path, Path]  # noqa: F811
) -> None:
    from tasks.changes.index import RagIndex
    from tasks.vectorstore import close_clients

    root, secret = corpus
    plain_sync(root)
    write(root, "guide.md", "# Guide\n\n" + section("Orders", "order", 5))  # changed: will be read again
    write(root, "new.md", "# New\n\nA new page about refunds.\n")  # added: will be read

    index = RagIndex(VectorStore.resolve(None))
    try:
        plan = index.detect(root)
        assert {Path(s.path).name for s in plan.to_index} == {"guide.md", "new.md"}
        _swap(root / "guide.md", secret)  # the walk saw files; now they are links
        _swap(root / "new.md", Path("/etc/passwd"))
        result = index.index(plan.to_index, plan.root)
    finally:
        index.close()
        close_clients()
    reasons = {Path(p.path).name: p.reason for p in result.skipped}
    assert reasons == {"guide.md": "symbolic link (not followed)", "new.md": "symbolic link (not followed)"}
    assert result.indexed == []
    _assert_secret_nowhere()
    stored = _stored()
    assert (root / "guide.md").as_posix() not in stored  # its old chunks went: the file is a link now
    assert "root:x:0:0" not in "".join(t for texts in stored.values() for t in texts)
    assert set(_rows()) == {(root / "sub" / "api.md").as_posix()}

    # the next sync keeps nothing stale: links are skipped by the walk, their rows are gone
    plain_sync(root)
    _assert_secret_nowhere()
    assert set(_rows()) == {(root / "sub" / "api.md").as_posix()}
    assert_in_step(root)


def test_a_folder_swapped_for_a_link_between_detection_and_reading_is_not_indexed(
    rag_home: Path, corpus: tuple[Path, Path]  # noqa: F811
) -> None:
    from tasks.changes.index import RagIndex
    from tasks.vectorstore import close_clients

    root, secret = corpus
    plain_sync(root)
    write(root, "sub/api.md", "# API\n\n" + section("Tokens", "token", 6))
    index = RagIndex(VectorStore.resolve(None))
    try:
        plan = index.detect(root)
        assert [Path(s.path).name for s in plan.to_index] == ["api.md"]
        # sub/ becomes a link to a folder outside that holds a file of the same name
        os.rename(secret, secret.with_name("api.md"))
        os.rename(root / "sub", root.parent / "sub-moved")
        _swap(root / "sub", secret.parent)
        result = index.index(plan.to_index, plan.root)
    finally:
        index.close()
        close_clients()
    assert [p.reason for p in result.skipped] == ["folder 'sub' on its path is a symbolic link (not followed)"]
    _assert_secret_nowhere()
    plain_sync(root)
    _assert_secret_nowhere()
    assert set(_rows()) == {(root / "guide.md").as_posix()}


def test_a_swap_right_after_the_scan_inside_the_flow(
    rag_home: Path, corpus: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The whole rag_sync flow under Prefect; the swap happens inside detection, after
    the folder was listed and before any file was opened."""
    import tasks.changes.detect as detect
    from flows.rag import rag_sync

    root, secret = corpus
    real_scan = detect.scan

    def scan_then_swap(folder, **kwargs):
        found = real_scan(folder, **kwargs)
        _swap(root / "guide.md", secret)
        return found

    monkeypatch.setattr(detect, "scan", scan_then_swap)
    counts = rag_sync(source_dir=str(root))
    skipped = {Path(p.path).name: p.reason for p in counts.skips}
    assert skipped["guide.md"] == "symbolic link (not followed)"
    assert counts.added == 1 and counts.failed == 0
    _assert_secret_nowhere()
    monkeypatch.setattr(detect, "scan", real_scan)
    again = rag_sync(source_dir=str(root))
    assert again.added == again.changed == again.deleted == 0
    assert set(_rows()) == {(root / "sub" / "api.md").as_posix()}


def test_the_row_records_what_was_read_not_what_was_first_seen(
    rag_home: Path, corpus: tuple[Path, Path]  # noqa: F811
) -> None:
    from tasks.changes.index import RagIndex
    from tasks.vectorstore import close_clients

    root, _ = corpus
    plain_sync(root)
    write(root, "guide.md", "# Guide\n\nversion two.\n")
    index = RagIndex(VectorStore.resolve(None))
    try:
        plan = index.detect(root)
        (seen,) = plan.to_index
        # replaced again (a regular file, new content and mtime) before it is read
        final = b"# Guide\n\nversion three, longer than two.\n"
        (root / "guide.md").write_bytes(final)
        os.utime(root / "guide.md", ns=(seen.mtime_ns + 5_000_000_000,) * 2)
        index.index(plan.to_index, plan.root)
    finally:
        index.close()
        close_clients()
    info = (root / "guide.md").stat()
    assert _rows()[(root / "guide.md").as_posix()] == (len(final), info.st_mtime_ns, hashlib.sha256(final).hexdigest())
    assert seen.sha256 != hashlib.sha256(final).hexdigest()
    assert any("version three" in text for text in _stored()[(root / "guide.md").as_posix()])
    assert_in_step(root)


def test_a_racing_swapper_never_gets_its_target_indexed(
    rag_home: Path, corpus: tuple[Path, Path]  # noqa: F811
) -> None:
    """A thread flips guide.md between a regular file and a link to the secret as fast as
    it can while syncs run; whatever each sync catches, the secret is never stored."""
    root, secret = corpus
    stop = threading.Event()
    flips = 0

    def swapper() -> None:
        nonlocal flips
        version = 0
        while not stop.is_set():
            version += 1
            write(root, "guide.md.tmp", f"# Guide\n\nversion {version} of the order guide.\n")
            os.replace(root / "guide.md.tmp", root / "guide.md")
            _swap(root / "guide.md", secret)
            flips += 1

    thread = threading.Thread(target=swapper, daemon=True)
    thread.start()
    try:
        for _ in range(6):
            plain_sync(root)
            _assert_secret_nowhere()
    finally:
        stop.set()
        thread.join(10)
    assert flips > 6
    write(root, "guide.md", "# Guide\n\nsettled.\n")
    plain_sync(root)
    _assert_secret_nowhere()
    assert_in_step(root)
