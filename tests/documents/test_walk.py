"""The folder scan: sorted regular files, links out of the root skipped with a reason."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.documents import safe_walk, walk


def test_walk_skips_links_that_leave_the_root_and_follows_those_inside(tmp_path: Path) -> None:
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
        "a.txt", "alias.md", "api/orders/create.md", "b.md",
    ]
    reasons = {p.relative_to(root).as_posix(): why for p, why in skipped}
    assert reasons["leak.md"].startswith("symlink leaves the folder (-> ")
    assert str(outside / "salaries.md") in reasons["leak.md"]
    assert reasons["leak-dir"].startswith("symlink leaves the folder")
    assert reasons["passwd.txt"] == "symlink leaves the folder (-> /etc/passwd)"
    assert reasons["dangling.md"] == "broken symlink"
    assert reasons["api/loop"].startswith("folder already visited")
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
    assert files == [link / "x.md", link / "y.md"]
    assert skipped == []
