"""Every `qaflow ...` command the docs show exists, and every relative link resolves.

Commands are read from fenced code blocks and inline code spans of README.md,
CONTRIBUTING.md and docs/*.md. Each command path (`qaflow bdd run`) must be a real
command whose `--help` works, run in-process with typer's CliRunner (no subprocess
per command), and each option it shows must be one of that command's options.
Links between these files must point at a file that exists and, for `#anchor`, a
heading of that file.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^([ \t]*)(```|~~~)[^\n]*\n(.*?)^\1\2[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
SHELL_ENDS = {"|", "||", "&&", ";", "&", ">", ">>", "2>&1", "<"}


@dataclass(frozen=True)
class Shown:
    """One command as a doc shows it: where, and its words after `qaflow`."""

    where: str
    words: tuple[str, ...]


def code_texts(text: str) -> tuple[list[str], list[str]]:
    """(commands lines of fenced blocks, inline code spans outside them)."""
    lines: list[str] = []
    for block in FENCE.finditer(text):
        joined = re.sub(r"\\\n\s*", " ", block.group(3))  # a backslash continues the line
        lines.extend(joined.splitlines())
    outside = FENCE.sub("", text)
    return lines, [span.strip() for span in INLINE.findall(outside)]


def command_words(line: str) -> list[str] | None:
    """The words after `qaflow` of a command line, up to a pipe, redirect or comment."""
    line = line.strip()
    line = re.sub(r"^\$\s+", "", line)
    if not line.startswith("qaflow ") and not line.startswith(".venv/bin/qaflow "):
        return None
    try:
        words = shlex.split(line, comments=True)
    except ValueError:  # an unbalanced quote in a shown fragment
        words = line.split()
    words = words[1:]
    for i, word in enumerate(words):
        if word in SHELL_ENDS:
            return words[:i]
    return words


def shown_commands() -> list[Shown]:
    found: list[Shown] = []
    for doc in DOCS:
        if not doc.exists():
            continue
        lines, spans = code_texts(doc.read_text(encoding="utf-8"))
        for candidate in [*lines, *spans]:
            words = command_words(candidate)
            if words is not None:
                found.append(Shown(f"{doc.relative_to(ROOT)}: {candidate.strip()}", tuple(words)))
    return found


@cache
def root_command() -> typer.core.TyperGroup:
    return typer.main.get_command(app)


def resolve(words: tuple[str, ...]) -> list[tuple[list[str], list[str]]]:
    """Each command path the words name (`up|down` names two) with the options shown for it.

    Raises AssertionError naming the word that is no command.
    """
    words = tuple(w for w in words if w != "--debug")
    paths: list[tuple[list[str], object, int]] = [([], root_command(), 0)]
    done: list[tuple[list[str], list[str]]] = []
    while paths:
        path, command, i = paths.pop()
        subcommands = getattr(command, "commands", None)
        if subcommands:
            word = words[i] if i < len(words) else None
            if word is None or word in ("...", "--help", "-h"):
                done.append((path, []))
                continue
            names = word.split("|")
            unknown = [n for n in names if n not in subcommands]
            assert not unknown, f"`qaflow {' '.join(path)} {word}`: no command {unknown[0]!r}"
            for name in names:
                paths.append(([*path, name], subcommands[name], i + 1))
            continue
        options = [w.strip("[]").split("=")[0] for w in words[i:] if w.strip("[").startswith("-")]
        done.append((path, [o for o in options if o not in ("-", "--")]))
    return done


def option_names(path: list[str]) -> set[str]:
    command = root_command()
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    names = {"--help", "-h"}
    for param in command.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


def test_the_docs_show_commands() -> None:
    shown = shown_commands()
    assert len(shown) > 50, "the command extraction found almost nothing: is the pattern broken?"
    groups = {s.words[0] for s in shown if s.words}
    assert {"bdd", "mockdata", "rag", "server"} <= groups


def test_every_shown_command_exists_and_takes_its_options() -> None:
    problems: list[str] = []
    paths: set[tuple[str, ...]] = set()
    for shown in shown_commands():
        try:
            resolved = resolve(shown.words)
        except AssertionError as exc:
            problems.append(f"{shown.where}\n    {exc}")
            continue
        for path, options in resolved:
            paths.add(tuple(path))
            unknown = sorted(set(options) - option_names(path))
            if unknown:
                problems.append(f"{shown.where}\n    `qaflow {' '.join(path)}` has no option {unknown}")
    runner = CliRunner()
    for path in sorted(paths):
        result = runner.invoke(app, [*path, "--help"])
        if result.exit_code != 0 or "Usage" not in result.output:
            problems.append(f"`qaflow {' '.join(path)} --help` exited {result.exit_code}: {result.output[-300:]}")
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_made_up_command_and_option() -> None:
    with pytest.raises(AssertionError, match="no command 'frobnicate'"):
        resolve(("bdd", "frobnicate", "x"))
    [(path, options)] = resolve(("rag", "sync", "docs", "--no-such-flag", "--json"))
    assert path == ["rag", "sync"]
    assert set(options) - option_names(path) == {"--no-such-flag"}
    assert command_words("$ qaflow rag sync docs --json | jq .chunks # note") == ["rag", "sync", "docs", "--json"]


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\*|_(?=\w)|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip())
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set()
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        anchor = github_anchor(heading)
        n = counts.get(anchor, 0)
        counts[anchor] = n + 1
        found.add(anchor if n == 0 else f"{anchor}-{n}")
    found.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", text))
    return found


def test_every_relative_link_resolves() -> None:
    problems: list[str] = []
    checked = 0
    for doc in DOCS:
        if not doc.exists():
            continue
        text = FENCE.sub("", doc.read_text(encoding="utf-8"))
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (doc.parent / file_part).resolve() if file_part else doc
            checked += 1
            if not linked.exists():
                problems.append(f"{doc.relative_to(ROOT)}: link {target!r}: no file {linked}")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{doc.relative_to(ROOT)}: link {target!r}: no heading #{anchor}")
    assert checked > 10, "the link extraction found almost nothing"
    assert not problems, "\n".join(problems)


def test_the_link_check_sees_a_broken_anchor(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Where `state` lives\n\n## Two commands\n\n## Two commands\n", encoding="utf-8")
    assert anchors(page) == {"where-state-lives", "two-commands", "two-commands-1"}


def test_the_front_door_is_short() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 10_000, f"README.md has {len(readme)} characters; the reference belongs in docs/"
