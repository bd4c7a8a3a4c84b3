"""The folder scan: sorted regular files; no link followed, each skipped with a reason;
folders that cannot be listed reported apart (change detection keeps their rows)."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.documents import safe_walk, walk


def test_walk_follows_no_link_inside_or_out(tmp_path: Path) -> None:
    # Links inside the root used to be followed; a link that points inside at scan time
    # can point at /etc by read time, so none is followed. What an inside
    # link points to is indexed under its own name anyway.
    root = tmp_path / "docs"
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "salaries.md").write_text("# secret\n")
    (root / "api" / "orders").mkdir(parents=True)
    (root / "b.md").write_text("b")
    (root / "a.txt").write_text("a")
    (root / "api" / "orders" / "create.md").write_text("create")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("x")
    (root / "leak.md").symlink_to(outside / "salaries.md")
    (root / "leak-dir").symlink_to(outside, target_is_directory=True)
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "dangling.md").symlink_to(root / "gone.md")
    (root / "alias.md").symlink_to(root / "b.md")
    (root / "api" / "loop").symlink_to(root / "api", target_is_directory=True)
    os.mkfifo(root / "pipe.md")

    files, skipped = walk(root)
    assert files == sorted(files)
    assert [p.relative_to(root).as_posix() for p in files] == [
        "a.txt", "api/orders/create.md", "b.md",
    ]
    reasons = {p.relative_to(root).as_posix(): why for p, why in skipped}
    assert reasons["leak.md"].startswith("symlink leaves the folder (not followed; -> ")
    assert str(outside / "salaries.md") in reasons["leak.md"]
    assert reasons["leak-dir"].startswith("symlink leaves the folder (not followed")
    assert reasons["passwd.txt"] == "symlink leaves the folder (not followed; -> /etc/passwd)"
    assert reasons["dangling.md"] == "broken symlink"
    assert reasons["alias.md"] == f"symlink (not followed; -> {root / 'b.md'})"
    assert reasons["api/loop"] == f"symlink (not followed; -> {root / 'api'})"
    assert reasons["pipe.md"] == "not a regular file"
    assert reasons[".git"] == "hidden"
    assert list(safe_walk(root)) == files


def test_walk_of_a_root_that_is_itself_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "x.md").write_text("x")
    (real / "y.md").symlink_to(real / "x.md")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    files, skipped = walk(link)
    assert files == [link / "x.md"]
    assert skipped == [(link / "y.md", f"symlink (not followed; -> {real / 'x.md'})")]


DEBRIS_NAMES = (
    "~$report.docx", "~$sheet.xlsx", ".report.md.swp", ".report.md.swo", "notes.md.swp", "notes.md~",
    "guide.md___jb_tmp___", "guide.md___jb_old___", ".#guide.md", "a.tmp", "f.crdownload", "g.part",
)


def test_editor_debris_and_hidden_folders_are_ignored_not_skipped(tmp_path: Path) -> None:
    from tasks.documents import scan

    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "report.md").write_text("# r\n")
    (root / "sub" / "guide.md").write_text("# g\n")
    for name in DEBRIS_NAMES:
        (root / name).write_bytes(b"PK\x03\x04 not a document")
        (root / "sub" / name).write_bytes(b"")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "workspace.md").write_text("# hidden\n")

    found = scan(root)
    assert [p.relative_to(root).as_posix() for p in found.files] == ["report.md", "sub/guide.md"]
    ignored = {p.relative_to(root).as_posix(): why for p, why in found.ignored}
    for name in DEBRIS_NAMES:
        assert name in ignored and f"sub/{name}" in ignored
    assert ignored["~$report.docx"] == "Office lock file (~$*)"
    assert ignored[".obsidian"] == "hidden"
    assert "notes.md~" in ignored and ignored["a.tmp"] == "temp file (*.tmp)"
    assert found.skipped == [] and found.unreadable == []
    # a debris name that is a folder is a folder, not debris
    (root / "v1.part").mkdir()
    (root / "v1.part" / "x.md").write_text("x")
    assert root / "v1.part" / "x.md" in scan(root).files


def test_qaflowignore_and_nested_gitignore_apply_to_their_subtree(tmp_path: Path) -> None:
    from tasks.documents import scan

    root = tmp_path / "docs"
    for name in ("a.md", "drafts/x.md", "build/out.md", "api/keep.md", "api/gen.md", "api/old/o.md",
                 "web/gen.md", "private.md", "logs/keep.log.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}\n")
    (root / ".qaflowignore").write_text("# comments and blank lines are fine\n\ndrafts/\nprivate.md\n")
    (root / ".gitignore").write_text("build/\n")
    (root / "api" / ".gitignore").write_text("gen.md\nold/\n")  # only under api/

    def listed(**kwargs) -> list[str]:
        return [p.relative_to(root).as_posix() for p in scan(root, **kwargs).files]

    assert listed() == ["a.md", "api/keep.md", "logs/keep.log.md", "web/gen.md"]
    reasons = {p.relative_to(root).as_posix(): why for p, why in scan(root).ignored}
    assert reasons["drafts"] == ".qaflowignore: drafts/"
    assert reasons["private.md"] == ".qaflowignore: private.md"
    assert reasons["build"] == ".gitignore: build/"
    assert reasons["api/gen.md"] == "api/.gitignore: gen.md"
    assert reasons["api/old"] == "api/.gitignore: old/"
    # .gitignore switched off: .qaflowignore still applies
    assert listed(gitignore=False) == ["a.md", "api/gen.md", "api/keep.md", "api/old/o.md", "build/out.md",
                                       "logs/keep.log.md", "web/gen.md"]
    # a deeper file re-includes what a shallower one excludes
    (root / "api" / ".qaflowignore").write_text("!gen.md\n")
    assert "api/gen.md" in listed()


def test_an_ignore_file_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    from tasks.documents import scan

    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_text("a")
    (tmp_path / "rules").write_text("a.md\n")
    (root / ".qaflowignore").symlink_to(tmp_path / "rules")
    found = scan(root)
    assert found.files == [root / "a.md"]
    assert (root / ".qaflowignore", "ignore file not read: symbolic link (not followed)") in found.skipped
