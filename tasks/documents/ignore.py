"""What a docs folder holds that is nobody's document: editor and tool debris,
hidden folders, and what `.qaflowignore` / `.gitignore` files say to leave out.

Word keeps `~$report.docx` open next to `report.docx` for as long as the
document is open; vim, JetBrains IDEs, emacs and browsers leave swap, backup
and part-downloaded files beside real ones. Read as documents they show up as
new and failed on every sync, and the half-written ones as empty documents.
So they are ignored before anything looks at their content: never read, never
counted as new or failed, only counted as `ignored`.

`.qaflowignore` (always) and `.gitignore` (unless switched off with
`--no-gitignore` or QAFLOW_RAG_GITIGNORE=false) use gitignore syntax, via the
`pathspec` package; a file in a sub-folder applies to that sub-tree, a deeper
file overrides a shallower one (and in one folder `.qaflowignore` overrides
`.gitignore`), and inside one file the last matching pattern wins (`!keep.md`
re-includes), as git does. A folder that is ignored is not
entered, so nothing below it can be re-included (git's rule too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pathspec

from tasks.documents.errors import DocumentError, UnsupportedDocument
from tasks.documents.opening import read_file
from tasks.settings import settings

# File-name patterns of debris, with who leaves it; matched on the name alone.
DEBRIS: tuple[tuple[str, str], ...] = (
    ("~$*", "Office lock file"),
    ("*.swp", "vim swap file"),
    ("*.swo", "vim swap file"),
    ("*.swx", "vim swap file"),
    ("*~", "editor backup file"),
    ("*___jb_tmp___", "JetBrains temp file"),
    ("*___jb_old___", "JetBrains backup file"),
    (".#*", "emacs lock file"),
    ("#*#", "emacs auto-save file"),
    ("*.tmp", "temp file"),
    ("*.crdownload", "partial download"),
    ("*.part", "partial download"),
    ("*.partial", "partial download"),
    (".~lock.*#", "LibreOffice lock file"),
)
# in this order: in one folder, .qaflowignore has the last word over .gitignore
IGNORE_FILES = (".gitignore", ".qaflowignore")
# an ignore file larger than this is somebody's mistake, not rules: refused, not read
MAX_IGNORE_FILE_BYTES = 1 << 20


def debris(name: str) -> str | None:
    """Who leaves a file named `name` behind, when it is editor or tool debris."""
    for pattern, what in DEBRIS:
        if fnmatchcase(name, pattern):
            return f"{what} ({pattern})"
    return None


def gitignore_enabled() -> bool:
    """QAFLOW_RAG_GITIGNORE (default true): whether `.gitignore` files are honoured."""
    return settings().rag_gitignore


@dataclass(frozen=True, slots=True)
class _RuleFile:
    folder: Path  # the folder it stands in: its patterns are relative to it
    name: str  # .qaflowignore or .gitignore
    spec: pathspec.GitIgnoreSpec


@dataclass(frozen=True, slots=True)
class Rules:
    """The ignore rules in force in one folder: its own files and those of every folder above."""

    root: Path
    files: tuple[_RuleFile, ...] = ()
    hidden: bool = True  # skip entries whose name starts with a dot
    gitignore: bool = True
    problems: tuple[tuple[Path, str], ...] = ()  # ignore files that could not be read

    @classmethod
    def for_root(cls, root: str | Path, *, hidden: bool = True, gitignore: bool | None = None) -> Rules:
        """The rules of `root` itself (its own ignore files read)."""
        base = cls(Path(root), hidden=hidden, gitignore=gitignore_enabled() if gitignore is None else gitignore)
        return base.enter(base.root)

    def enter(self, folder: Path, names: set[str] | None = None) -> Rules:
        """The rules inside `folder` (a folder under the root): these plus its ignore files.

        `names` (the folder's listing, when the caller has it) saves a look-up per file.
        """
        files = list(self.files)
        problems = list(self.problems)
        for name in IGNORE_FILES:
            if name == ".gitignore" and not self.gitignore:
                continue
            if names is not None and name not in names:
                continue
            try:
                read = read_file(folder / name, self.root, MAX_IGNORE_FILE_BYTES)
            except (DocumentError, UnsupportedDocument) as exc:
                if exc.reason != "no such file":
                    problems.append((folder / name, exc.reason))
                continue
            lines = read.data.decode("utf-8", errors="replace").splitlines()
            spec = pathspec.GitIgnoreSpec.from_lines(lines)
            if len(spec):
                files.append(_RuleFile(folder, name, spec))
        if len(files) == len(self.files) and len(problems) == len(self.problems):
            return self
        return Rules(self.root, tuple(files), self.hidden, self.gitignore, tuple(problems))

    def reason(self, path: Path, is_dir: bool) -> str | None:
        """Why `path` (found in the folder these rules are for) is ignored, or None."""
        name = path.name
        if self.hidden and name.startswith("."):
            return "hidden"
        if not is_dir and (what := debris(name)):
            return what
        # the deepest file decides; inside it the last matching pattern (pathspec does that)
        for rule in reversed(self.files):
            try:
                relative = path.relative_to(rule.folder).as_posix()
            except ValueError:
                continue
            check = rule.spec.check_file(relative + "/" if is_dir else relative)
            if check.include is None:
                continue
            if not check.include:
                return None  # re-included by a `!pattern`
            pattern = rule.spec.patterns[check.index]
            source = rule.folder.relative_to(self.root) / rule.name if rule.folder != self.root else Path(rule.name)
            return f"{source.as_posix()}: {getattr(pattern, 'pattern', None) or 'pattern'}"
        return None


class WatchFilter:
    """A watchfiles `watch_filter`: False for a change to an ignored path, so debris
    written next to documents never wakes a watcher, let alone starts a sync.

    Rules are read per folder on first use and forgotten when an ignore file
    changes (that change itself passes: what is indexed may differ now).
    """

    def __init__(self, root: str | Path, *, gitignore: bool | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        self.real_root = Path(os.path.realpath(root))  # a watcher may report paths through either
        self.gitignore = gitignore_enabled() if gitignore is None else gitignore
        self._rules: dict[Path, Rules] = {}

    def _rules_for(self, folder: Path) -> Rules:
        cached = self._rules.get(folder)
        if cached is not None:
            return cached
        if folder == self.root:
            rules = Rules.for_root(self.root, gitignore=self.gitignore)
        else:
            rules = self._rules_for(folder.parent).enter(folder)
        self._rules[folder] = rules
        return rules

    def ignored(self, path: str | Path) -> bool:
        """Whether a change at `path` concerns only ignored files."""
        target = Path(os.path.abspath(path))
        if target in (self.root, self.real_root):
            return False
        if target.is_relative_to(self.root):
            parts = target.relative_to(self.root).parts
        elif target.is_relative_to(self.real_root):
            parts = target.relative_to(self.real_root).parts
        else:
            return False  # not ours to judge: let the sync decide
        if target.name in IGNORE_FILES:
            self._rules.clear()
            return target.name == ".gitignore" and not self.gitignore  # new rules: a sync is due
        # every folder on the way down may be ignored itself (hidden, a pattern)
        folder = self.root
        for index, part in enumerate(parts):
            here = folder / part
            last = index == len(parts) - 1
            is_dir = os.path.isdir(here) if last else True
            if self._rules_for(folder).reason(here, is_dir) is not None:
                return True
            folder = here
        return False

    def __call__(self, change: object, path: str) -> bool:
        return not self.ignored(path)
