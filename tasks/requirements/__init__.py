"""Requirements in whatever form a team keeps them -> `Requirement`s.

`read_requirements(path)` picks the reader by suffix (and, for JSON/YAML, by
content: a Postman collection or an OpenAPI document). A document that cannot
be read comes back as a `ReadResult` with an error naming the file (and sheet
and row): one bad input never stops the others.

Beside the readers: `batch.py` (a run's documents read together), `credentials.py` (the
run's target and the credentials it names, read where the run happens) and `steps.py`
(the bdd flow's Prefect task, ingest_document).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from tasks.requirements.model import (
    Check,
    ReadError,
    ReadResult,
    Requirement,
    RequirementError,
    Save,
    TestCaseRow,
)

log = logging.getLogger(__name__)

SHEETS = (".xlsx", ".xlsm", ".xls", ".csv")
PROSE = (".docx", ".md", ".markdown", ".txt", ".text", ".pdf", ".rst")
STRUCTURED = (".json", ".yaml", ".yml")


def _structured(path: Path) -> ReadResult:
    from tasks.requirements.openapi import looks_like_openapi, read_openapi
    from tasks.requirements.postman import read_postman

    if path.suffix.lower() == ".json":
        try:
            head = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RequirementError(f"{path}: not a JSON file ({exc})") from None
        if isinstance(head, dict) and ("openapi" in head or "swagger" in head):
            return read_openapi(path)
        if isinstance(head, dict) and "info" in head and "item" in head:
            return read_postman(path)
    elif looks_like_openapi(path):
        return read_openapi(path)
    raise RequirementError(f"{path}: neither a Postman collection (v2.1) nor an OpenAPI 3 document")


def _reader(path: Path) -> Callable[[Path], ReadResult]:
    suffix = path.suffix.lower()
    if suffix in SHEETS:
        from tasks.requirements.sheets import read_sheet

        return read_sheet
    if suffix in PROSE:
        from tasks.requirements.prose import read_prose

        return read_prose
    if suffix in STRUCTURED:
        return _structured
    raise RequirementError(
        f"{path}: unsupported requirement file type {suffix or '(none)'} "
        f"(read: {', '.join(SHEETS + PROSE + STRUCTURED)})"
    )


def read_requirements(path: str | Path) -> ReadResult:
    """One document -> its requirements; errors are reported in the result, never raised."""
    path = Path(path)
    if not path.is_file():
        result = ReadResult(path=str(path))
        result.error("no such file" if not path.exists() else "not a file")
        return result
    try:
        result = _reader(path)(path)
    except RequirementError as exc:
        result = ReadResult(path=str(path))
        message = str(exc)
        result.error(message.removeprefix(f"{path}: "))
    except Exception as exc:  # one document's surprise must not stop the batch: reported, with its traceback logged
        log.exception("unexpected error reading %s", path)
        result = ReadResult(path=str(path))
        result.error(f"cannot read: {type(exc).__name__}: {exc}")
    for error in result.errors:
        log.warning("%s", error)
    return result


def expand_inputs(inputs: list[str | Path]) -> list[Path]:
    """Files as given, and the readable files inside folders (sorted, hidden ones skipped)."""
    known = SHEETS + PROSE + STRUCTURED
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            paths += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in known and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            paths.append(path)
    return paths


__all__ = [
    "Check",
    "ReadError",
    "ReadResult",
    "Requirement",
    "RequirementError",
    "Save",
    "TestCaseRow",
    "expand_inputs",
    "read_requirements",
]
