"""A step registry in the behave / pytest-bdd manner: a step is a decorated
function with a pattern, and the registry is the one place that says which
sentences exist.

Patterns are written as docs/steps.md shows them (`the response status should be
{code}`); each `{placeholder}` gets a regular expression from `PLACEHOLDERS`
by its name, so the same table serves matching, validation and the LLM prompt.
Placeholders whose text must also parse (a JSON literal) have a checker, so
`should be a string` is not taken for `should be {json}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

StepKind = Literal["request", "response"]
StepNeeds = Literal["doc_string", "data_table"] | None

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")

# Variables and outline columns stand in for values until run time.
_PLACEHOLDER_TOKEN = re.compile(r"\$\{[^}]+\}|<[^<>\s]+>")

# name in a pattern -> regular expression of its text (one group, added by the compiler)
PLACEHOLDERS: dict[str, str] = {
    "METHOD": "(?i:" + "|".join(HTTP_METHODS) + ")",
    "code": r"\d{3}|\$\{[^}]+\}|<[^<>\s]+>",
    "codes": r"\[?\s*\d{3}(?:\s*,\s*\d{3})*\s*\]?",
    "n": r"\d+|\$\{[^}]+\}|<[^<>\s]+>",
    "ms": r"\d+(?:\.\d+)?",
    "type": "|".join(JSON_TYPES),
    "json": r".+?",
}
QUOTED = r".*?"  # any placeholder written inside double quotes


def _is_json_literal(text: str) -> bool:
    """True for a JSON literal, allowing `${var}` / `<column>` where a value goes."""
    candidate = _PLACEHOLDER_TOKEN.sub("0", text)
    try:
        json.loads(candidate)
    except ValueError:
        return False
    return True


CHECKS: dict[str, Callable[[str], bool]] = {"json": _is_json_literal}


def compile_pattern(pattern: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The regular expression of a pattern and the names of its placeholders, in order."""
    names: list[str] = []
    out: list[str] = []
    pos = 0
    for found in re.finditer(r'"\{(\w+)\}"|\{(\w+)\}', pattern):
        literal = pattern[pos : found.start()]
        if found.group(2) == "type" and literal.endswith(" a "):
            out.append(re.escape(literal[:-2]) + "an? ")  # "a string" and "an array" both read
        else:
            out.append(re.escape(literal))
        if found.group(1):
            names.append(found.group(1))
            out.append(f'"({QUOTED})"')
        else:
            name = found.group(2)
            if name not in PLACEHOLDERS:
                raise ValueError(f"pattern {pattern!r}: unknown placeholder {{{name}}}")
            names.append(name)
            out.append(f"({PLACEHOLDERS[name]})")
        pos = found.end()
    out.append(re.escape(pattern[pos:]))
    if len(set(names)) != len(names):
        raise ValueError(f"pattern {pattern!r}: a placeholder name is used twice")
    return re.compile("".join(out), re.DOTALL), tuple(names)


@dataclass(frozen=True)
class StepDef:
    """One sentence of the catalogue and the function that carries it out."""

    pattern: str
    kind: StepKind
    needs: StepNeeds
    doc: str
    example: str
    func: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)
    names: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        regex, names = compile_pattern(self.pattern)
        object.__setattr__(self, "regex", regex)
        object.__setattr__(self, "names", names)

    def match(self, text: str) -> dict[str, str] | None:
        """The placeholder values when `text` is this step, else None."""
        found = self.regex.fullmatch(text)
        if found is None:
            return None
        args = dict(zip(self.names, found.groups(), strict=True))
        for name, value in args.items():
            check = CHECKS.get(name)
            if check is not None and not check(value):
                return None
        if "METHOD" in args:
            args["METHOD"] = args["METHOD"].upper()
        return args


@dataclass(frozen=True)
class StepMatch:
    step: StepDef
    args: dict[str, str]


class AmbiguousStep(ValueError):
    """A sentence matched more than one step: a bug in the catalogue, never in a feature."""


_KEYWORD = re.compile(r"^\s*(?:Given|When|Then|And|But|\*)\s+", re.IGNORECASE)


def strip_keyword(text: str) -> str:
    """A step line without its Given/When/Then/And/But keyword."""
    return _KEYWORD.sub("", text, count=1).strip()


class StepRegistry:
    """Steps in the order they were registered; `match` finds the one a sentence means."""

    def __init__(self, steps: Iterable[StepDef] = ()) -> None:
        self._steps: list[StepDef] = []
        for item in steps:
            self.add(item)

    @property
    def steps(self) -> list[StepDef]:
        return list(self._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def add(self, step_def: StepDef) -> StepDef:
        if any(existing.pattern == step_def.pattern for existing in self._steps):
            raise ValueError(f"step {step_def.pattern!r} is registered twice")
        self._steps.append(step_def)
        return step_def

    def step(
        self,
        pattern: str,
        *,
        kind: StepKind,
        doc: str,
        example: str,
        needs: StepNeeds = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function as the code of `pattern`."""

        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add(StepDef(pattern, kind, needs, doc, example, func))
            return func

        return decorate

    @classmethod
    def combine(cls, *registries: StepRegistry) -> StepRegistry:
        return cls(step_def for registry in registries for step_def in registry.steps)

    def match(self, text: str) -> StepMatch | None:
        """The step `text` (without its keyword) means, or None.

        Raises AmbiguousStep when two steps claim the sentence; the catalogue's
        tests make sure that never happens for the documented forms.
        """
        text = text.strip()
        found: list[StepMatch] = []
        for step_def in self._steps:
            args = step_def.match(text)
            if args is not None:
                found.append(StepMatch(step_def, args))
        if len(found) > 1:
            patterns = ", ".join(repr(m.step.pattern) for m in found)
            raise AmbiguousStep(f"step {text!r} matches several patterns: {patterns}")
        return found[0] if found else None

    def describe(self) -> list[dict[str, Any]]:
        """The catalogue as data, for `qaflow bdd steps --json` and the LLM prompt."""
        return [
            {
                "pattern": s.pattern,
                "kind": s.kind,
                "needs": s.needs,
                "doc": s.doc,
                "example": s.example,
            }
            for s in self._steps
        ]

    def prompt_text(self) -> str:
        """A compact listing of every allowed step, one per line, for an LLM prompt."""
        lines = ["Allowed steps (any keyword Given/When/Then/And/But may start a step):"]
        for kind in ("request", "response"):
            lines.append(f"# {kind} steps")
            for s in self._steps:
                if s.kind != kind:
                    continue
                extra = {"doc_string": " [needs a doc string]", "data_table": " [needs a data table]"}
                lines.append(f"- {s.pattern}{extra.get(s.needs or '', '')}  -- {s.doc}")
        lines.append(
            'Values may use ${name} (saved variable), ${env.NAME}, ${uuid}, ${now}; '
            "<column> inside Scenario Outlines."
        )
        return "\n".join(lines)
