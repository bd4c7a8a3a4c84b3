"""Table names that are paths: the attacks, tried for real.

A table named `..` once made `generate` delete the contents of `--out`'s parent,
an absolute path deleted that folder, and `../../x` wrote the generator module
outside `--out`. Here such schemas go through `qaflow mockdata generate` and
`codegen`; sentinel files next to `--out` and in an absolute folder must
survive, and nothing may appear outside `--out`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from tasks.codegen.paths import UnsafePath, inside, move_inside, remove_inside, table_folders


def snapshot(root: Path, skip: Path | None = None) -> dict[str, bytes | None]:
    """Every file and folder under `root` (except `skip`), with file contents."""
    seen: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for name in dirnames:
            if here / name != skip:
                seen[str(here / name)] = None
        for name in filenames:
            seen[str(here / name)] = (here / name).read_bytes()
    return seen


def hostile_tables(victim: Path) -> list[str]:
    return ["..", ".", str(victim), "../../x", "../escape", "a/b", "a\\b", "x" * 300, "Orders", "orders",
            "generators", "mapping.yaml", ".staging-0123456789ab", "con", "~", "$HOME", "-rf", " "]


def write_spec(path: Path, tables: list[str]) -> Path:
    doc = {"version": 1, "tables": [
        {"name": name, "columns": [{"name": "id", "type": "integer", "generator": "id.sequence", "unique": True},
                                   {"name": "label", "type": "string"}]} for name in tables]}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.fixture
def field(tmp_path: Path) -> dict[str, Path]:
    """A parent folder with sentinels, an --out inside it, and an absolute victim folder elsewhere."""
    parent = tmp_path / "parent"
    (parent / "keep").mkdir(parents=True)
    (parent / "sentinel.txt").write_text("do not delete")
    (parent / "keep" / "deep.txt").write_text("nor this")
    (parent / "x").mkdir()
    (parent / "x" / "sentinel.txt").write_text("x survives")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "sentinel.txt").write_text("absolute folder survives")
    return {"root": tmp_path, "parent": parent, "out": parent / "out", "victim": victim}


@pytest.mark.usefixtures("prefect_api")
def test_generate_never_touches_anything_outside_out(field, tmp_path):
    spec = write_spec(tmp_path / "spec.yaml", hostile_tables(field["victim"]))
    out = field["out"]
    out.mkdir()
    (out / "customers").symlink_to(field["victim"], target_is_directory=True)  # a link a table could replace
    before = snapshot(field["root"], skip=out)
    runner = CliRunner()
    for attempt in range(2):  # the second run replaces the first one's folders (the removal path)
        result = runner.invoke(app, ["mockdata", "generate", str(spec), "--rows", "20", "--out", str(out),
                                     "--seed", str(attempt), "--json"])
        assert result.exit_code == 0, result.output
        assert snapshot(field["root"], skip=out) == before, "something outside --out changed"
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    names = [t["name"] for t in summary["tables"]]
    assert names == hostile_tables(field["victim"])  # the real names stay in the summary
    folders = [t["folder"] for t in summary["tables"]]
    assert len({f.casefold() for f in folders}) == len(folders)
    for table in summary["tables"]:
        folder = out / table["folder"]
        assert folder.parent == out and folder.is_dir() and not folder.is_symlink()
        assert all(Path(f).parent == folder for f in table["files"])
        assert pq.read_table(folder).num_rows == 20
    assert (field["victim"] / "sentinel.txt").read_text() == "absolute folder survives"
    mapping = yaml.safe_load((out / "generators" / "mapping.yaml").read_text())
    assert [t["name"] for t in mapping["tables"]] == names  # ... and in mapping.yaml
    assert sum(1 for _ in (out / "generators").glob("*_generator.py")) == len(names)
    assert any("is written to the folder" in w for w in summary["warnings"])


def test_codegen_writes_modules_only_inside_out(field, tmp_path):
    spec = write_spec(tmp_path / "spec.yaml", hostile_tables(field["victim"]))
    out = field["out"]
    before = snapshot(field["root"], skip=out)
    result = CliRunner().invoke(app, ["mockdata", "codegen", str(spec), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert snapshot(field["root"], skip=out) == before
    modules = json.loads(result.stdout)["modules"]
    assert list(modules) == hostile_tables(field["victim"])
    for path in modules.values():
        assert Path(path).parent == out.resolve() and Path(path).name.endswith("_generator.py")
    assert len(set(modules.values())) == len(modules)


def test_folder_names_are_safe_and_distinct():
    names = ["customers", "..", ".", "/etc", "../../x", "a/b", "a\\b", "", "x" * 300, "Orders", "orders",
             "generators", "GENERATORS", "mapping.yaml", "nul", "고객", "a\x00b", "a\nb", "\u2028", ".hidden",
             "ends.", "-rf"]
    folders = table_folders(names)
    assert folders["customers"] == "customers" and folders["고객"] == "고객"  # plain names keep their name
    assert len({f.casefold() for f in folders.values()}) == len(names)
    for name, folder in folders.items():
        assert folder and folder not in (".", "..") and "/" not in folder and "\\" not in folder, name
        assert not folder.startswith((".", "-")) and folder.isprintable(), name
        assert len(folder.encode()) <= 100, name
        assert folder.casefold() not in ("generators", "mapping.yaml"), name
    assert table_folders(names) == folders  # the same on every run


def test_folder_names_stay_distinct_when_a_name_copies_another_ones_slug():
    first = table_folders(["a/b"])["a/b"]
    folders = table_folders(["a/b", first, first.upper()])
    assert len({f.casefold() for f in folders.values()}) == 3


def test_inside_refuses_every_path_that_leaves_the_root(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    for bad in [root, root / "..", root / "." , tmp_path / "outside" / "f", root / "a" / ".." / ".." / "f",
                Path("/etc/passwd"), root / "link" / "f"]:
        with pytest.raises(UnsafePath, match="not inside the output folder"):
            inside(root, bad)
    assert inside(root, root / "a" / "b") == root.resolve() / "a" / "b"
    assert inside(root, root / "link") == root.resolve() / "link"  # the link itself, not its target


def test_remove_and_move_replace_a_link_without_following_it(tmp_path):
    root = tmp_path / "out"
    (root / "staging" / "t").mkdir(parents=True)
    (root / "staging" / "t" / "part.parquet").write_text("new")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "sentinel.txt").write_text("keep")
    (root / "t").symlink_to(victim, target_is_directory=True)
    move_inside(root, root / "staging" / "t", root / "t")
    assert (victim / "sentinel.txt").read_text() == "keep"
    assert (root / "t" / "part.parquet").read_text() == "new" and not (root / "t").is_symlink()
    with pytest.raises(UnsafePath):
        remove_inside(root, root / "..")
    with pytest.raises(UnsafePath):
        remove_inside(root, victim)
    assert (victim / "sentinel.txt").exists() and root.exists()
