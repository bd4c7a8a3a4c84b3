"""Read .feature files with the official Cucumber parser and bind every step to
the catalogue before anything runs.

The pickles compiler does the Gherkin semantics (Background steps prepended,
Scenario Outline rows expanded with `<column>`s filled in, tags inherited), so
the runner only sees flat scenarios. A step that matches nothing, or a file
that does not parse, is a `FeatureError` listing every problem by file and
line: a run never starts with a step it cannot carry out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from tasks.execution.catalogue import CATALOGUE
from tasks.execution.registry import AmbiguousStep, StepMatch, StepRegistry

REQUIREMENT_TAG = re.compile(r"^@REQ-(.+)$", re.IGNORECASE)


class FeatureError(ValueError):
    """Feature files that cannot run; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(problems[:20]) + (f"\n... and {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"{len(problems)} problem(s) in the feature files:\n{shown}")


@dataclass
class PlannedStep:
    keyword: str
    text: str
    line: int | None
    match: StepMatch
    doc_string: str | None = None
    data_table: list[list[str]] | None = None


@dataclass
class PlannedScenario:
    feature: str
    feature_file: Path
    name: str
    tags: list[str]
    line: int | None
    keyword: str
    steps: list[PlannedStep]
    feature_line: int | None = None
    feature_description: str = ""
    feature_tags: list[str] = field(default_factory=list)
    tag_lines: dict[str, int] = field(default_factory=dict)

    @property
    def requirement_ids(self) -> list[str]:
        found = [m.group(1) for t in self.tags if (m := REQUIREMENT_TAG.match(t))]
        return list(dict.fromkeys(found))


def feature_files(paths: Iterable[Path | str]) -> list[Path]:
    """The .feature files named or found (recursively, sorted) under the given paths."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.feature") if p.is_file()))
        else:
            out.append(path)
    return list(dict.fromkeys(out))


@lru_cache(maxsize=4096)
def _bind(text: str) -> StepMatch | None:
    """CATALOGUE.match, remembered: suites repeat the same sentences many times."""
    return CATALOGUE.match(text)


def _index_ast(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """AST node id -> node, for steps, scenarios and example rows (keywords and lines)."""
    index: dict[str, dict[str, Any]] = {}

    def tags(node: dict[str, Any]) -> None:
        for tag in node.get("tags", []):
            index[tag["id"]] = tag

    def scenario_like(node: dict[str, Any]) -> None:
        index[node["id"]] = node
        tags(node)
        for step in node.get("steps", []):
            index[step["id"]] = step
        for examples in node.get("examples", []):
            tags(examples)
            for row in examples.get("tableBody", []):
                index[row["id"]] = row

    def children(items: list[dict[str, Any]]) -> None:
        for child in items:
            if "background" in child:
                scenario_like(child["background"])
            elif "scenario" in child:
                scenario_like(child["scenario"])
            elif "rule" in child:
                tags(child["rule"])
                children(child["rule"].get("children", []))

    tags(document.get("feature", {}))
    children(document.get("feature", {}).get("children", []))
    return index


class _Parser(Parser):
    """gherkin's parser, with its state dispatch built once per parse: the library rebuilds a
    dict of its 50 states for every line it reads, a fifth of the parse time of a feature
    whose scenarios carry long doc strings (Postman scripts)."""

    def match_token(self, state: int, token: Any, context: Any) -> int:
        dispatch = self.__dict__.get("_dispatch")
        if dispatch is None:
            dispatch = self._dispatch = {}
        match = dispatch.get(state)
        if match is None:
            match = getattr(self, f"match_token_at_{state}", None)
            if match is None:  # not a state of this gherkin version: the library says so
                return super().match_token(state, token, context)
            dispatch[state] = match
        return match(token, context)


def parse_feature(text: str, uri: str, registry: StepRegistry = CATALOGUE) -> tuple[list[PlannedScenario], list[str]]:
    """Scenarios of one feature text and the problems found (parse errors, unbound steps)."""
    try:
        document = _Parser().parse(text)
    except CompositeParserException as exc:
        return [], [f"{uri}: {e}" for e in exc.errors]
    except ParserError as exc:
        return [], [f"{uri}: {exc}"]
    document["uri"] = uri
    feature = document.get("feature")
    if not feature:
        return [], [f"{uri}: no Feature in the file"]
    index = _index_ast(document)
    problems: list[str] = []
    scenarios: list[PlannedScenario] = []
    feature_tags = [t["name"] for t in feature.get("tags", [])]
    for pickle in Compiler().compile(document):
        steps: list[PlannedStep] = []
        for pickle_step in pickle["steps"]:
            node = index.get(pickle_step["astNodeIds"][0], {})
            line = node.get("location", {}).get("line")
            keyword = (node.get("keyword") or "* ").strip()
            text_ = pickle_step["text"]
            argument = pickle_step.get("argument") or {}
            doc_string = argument.get("docString", {}).get("content") if "docString" in argument else None
            table = (
                [[cell["value"] for cell in row["cells"]] for row in argument["dataTable"]["rows"]]
                if "dataTable" in argument
                else None
            )
            where = f"{uri}:{line}" if line else uri
            try:
                found = _bind(text_) if registry is CATALOGUE else registry.match(text_)
            except AmbiguousStep as exc:
                problems.append(f"{where}: {exc}")
                continue
            if found is None:
                problems.append(f"{where}: no catalogue step matches {keyword} {text_!r}")
                continue
            needs = found.step.needs
            if needs == "doc_string" and doc_string is None:
                problems.append(f"{where}: step {text_!r} needs a doc string (\"\"\" ... \"\"\")")
                continue
            if needs == "data_table" and table is None:
                problems.append(f"{where}: step {text_!r} needs a data table (| name | value |)")
                continue
            if needs is None and (doc_string is not None or table is not None):
                problems.append(f"{where}: step {text_!r} takes no doc string or data table")
                continue
            steps.append(PlannedStep(keyword, text_, line, found, doc_string, table))
        scenario_node = index.get(pickle["astNodeIds"][0], {})
        row_node = index.get(pickle["astNodeIds"][-1], {}) if len(pickle["astNodeIds"]) > 1 else {}
        line = (row_node or scenario_node).get("location", {}).get("line")
        scenarios.append(
            PlannedScenario(
                feature=feature.get("name", "") or Path(uri).stem,
                feature_file=Path(uri),
                name=_outline_name(pickle["name"], row_node),
                tags=[t["name"] for t in pickle["tags"]],
                tag_lines={
                    t["name"]: index.get(t["astNodeId"], {}).get("location", {}).get("line", 0)
                    for t in pickle["tags"]
                },
                line=line,
                keyword=(scenario_node.get("keyword") or "Scenario").strip(),
                steps=steps,
                feature_line=feature.get("location", {}).get("line"),
                feature_description=(feature.get("description") or "").strip(),
                feature_tags=feature_tags,
            )
        )
    return scenarios, problems


def _outline_name(name: str, row: dict[str, Any]) -> str:
    """An outline row's own name: the scenario name and its example values, so reports
    (JUnit in particular) never hold two test cases of the same name."""
    if not row:
        return name
    values = " | ".join(cell.get("value", "") for cell in row.get("cells", []))
    if len(values) > 80:
        values = values[:77] + "..."
    return f"{name} [{values}]"


def parse_files(files: list[Path], problems: list[str]) -> Iterator[list[PlannedScenario]]:
    """Each readable file's bound scenarios, one file at a time; what is wrong with any file
    (unreadable, unparsable, unbound steps) goes into `problems`."""
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        found, bad = parse_feature(text, str(path))
        problems.extend(bad)
        yield found


def load_features(paths: Iterable[Path | str], tags: str | None = None) -> list[PlannedScenario]:
    """Every scenario of the files, bound and filtered by a tag expression; FeatureError if any
    file has a problem (all problems of all files are listed)."""
    files = feature_files(paths)
    if not files:
        raise FeatureError(["no .feature files found"])
    problems: list[str] = []
    scenarios = [s for found in parse_files(files, problems) for s in found]
    if problems:
        raise FeatureError(problems)
    if tags:
        wanted = tag_filter(tags)
        scenarios = [s for s in scenarios if wanted(s.tags)]
    return scenarios


def validate_features(paths: Iterable[Path | str]) -> list[str]:
    """Problems of the files (empty when all parse and bind): the validator's entry point."""
    try:
        load_features(paths)
    except FeatureError as exc:
        return exc.problems
    return []


# ---- tag expressions: "@smoke and not (@slow or @wip)", also "@a,@b" --------------------

_TOKEN = re.compile(r"\s*(\(|\)|\band\b|\bor\b|\bnot\b|,|[^\s(),]+)", re.IGNORECASE)


def tag_filter(expression: str) -> Any:
    """A predicate over a scenario's tags for a Cucumber tag expression."""
    tokens = [t.lower() if t.lower() in ("and", "or", "not") else t for t in _TOKEN.findall(expression)]
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"tag expression {expression!r} ends too early")
        pos += 1
        return tokens[pos - 1]

    def parse_or() -> Any:
        left = parse_and()
        while peek() in ("or", ","):
            take()
            right = parse_and()
            left = (lambda a, b: lambda tags: a(tags) or b(tags))(left, right)
        return left

    def parse_and() -> Any:
        left = parse_not()
        while peek() == "and":
            take()
            right = parse_not()
            left = (lambda a, b: lambda tags: a(tags) and b(tags))(left, right)
        return left

    def parse_not() -> Any:
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda tags: not inner(tags)
        token = take()
        if token == "(":
            inner = parse_or()
            if take() != ")":
                raise ValueError(f"tag expression {expression!r}: missing ')'")
            return inner
        if not token.startswith("@"):
            raise ValueError(f"tag expression {expression!r}: expected a tag like @smoke, got {token!r}")
        name = token.lower()
        return lambda tags: name in {t.lower() for t in tags}

    predicate = parse_or()
    if pos != len(tokens):
        raise ValueError(f"tag expression {expression!r}: unexpected {tokens[pos]!r}")
    return predicate
