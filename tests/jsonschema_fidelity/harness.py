"""Generate records from a JSON Schema through the rendered module, and validate each with `jsonschema`.

The path a user takes: read the schema (`$ref`s resolved offline), map its
columns, render the standalone `<table>_generator.py`, run it to JSON Lines,
then check every record with the `jsonschema` package, format checking on,
against the schema as written (its `$ref`s served from the same local files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import validators

from tasks.codegen.mapping import map_schema
from tasks.codegen.render import render_plan
from tasks.rows.run import load_generator
from tasks.schema import read_schema_file
from tasks.schema.refs import LocalReferences


@dataclass
class Outcome:
    """What came out of one schema: records, how many validated, and the first problems."""

    records: list[dict[str, Any]]
    valid: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.valid / len(self.records) if self.records else 0.0


def validator_for(schema: dict[str, Any], source: Path, schema_dirs: tuple[Path, ...] = ()) -> Any:
    """A validator of the schema's own draft, with format checking, resolving `$ref`s from local files."""
    refs = LocalReferences(schema, str(source), schema_dirs)
    cls = validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=refs.registry, format_checker=cls.FORMAT_CHECKER)


def generate_and_validate(path: Path, out: Path, rows: int, *, seed: int = 7, schema: dict | None = None,
                          schema_dirs: tuple[Path, ...] = ()) -> Outcome:
    """Generate `rows` records of the schema at `path` (JSON Lines) and validate every one."""
    spec = read_schema_file(path, schema_dirs=schema_dirs)
    assert len(spec.tables) == 1, [t.name for t in spec.tables]
    plan = map_schema(spec, rows)
    module = load_generator(render_plan(plan, out)[spec.tables[0].name])
    target = out / "records.jsonl"
    module.write(str(target), rows, seed=seed, fmt="jsonl")
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    doc = schema if schema is not None else json.loads(path.read_text(encoding="utf-8"))
    validator = validator_for(doc, path, schema_dirs)
    valid, problems = 0, []
    for number, record in enumerate(records, start=1):
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if not errors:
            valid += 1
        elif len(problems) < 5:
            problems.append(f"record {number}: " + "; ".join(
                f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message[:160]}" for e in errors[:3]))
    return Outcome(records=records, valid=valid, problems=problems, warnings=list(spec.warnings))
