"""How a request's scripts travel in a feature: one doc string per step, the scripts of
each level (collection, folders, request) in Postman's order, each after a header line

    // ---- collection "Restful Booker" ----

that is a plain JavaScript comment, so the doc string still reads (and pastes) as a
script. The importer (tasks/requirements/pmscript.py) joins, the step
(tasks/execution/steps_postman.py) splits.
"""

from __future__ import annotations

import re

SCRIPT_MARK = re.compile(r'^// ---- (collection|folder|request) "(.*)" ----[ \t]*$', re.MULTILINE)
LEVELS = ("collection", "folder", "request")


def script_header(level: str, name: str) -> str:
    """The line that starts one script in a step's doc string."""
    if level not in LEVELS:
        raise ValueError(f"unknown script level {level!r}")
    return f'// ---- {level} "{" ".join(name.split())}" ----'


def join_scripts(scripts: list[tuple[str, str, str]]) -> str:
    """(level, name, code) in Postman's order -> one doc string."""
    return "\n".join(f"{script_header(level, name)}\n{code.rstrip()}" for level, name, code in scripts if code.strip())


def split_scripts(doc: str) -> list[tuple[str, str, str]]:
    """A doc string -> (level, name, code) per script; text before any header is one script."""
    marks = list(SCRIPT_MARK.finditer(doc))
    if not marks:
        return [("request", "", doc)] if doc.strip() else []
    scripts: list[tuple[str, str, str]] = []
    if doc[: marks[0].start()].strip():
        scripts.append(("request", "", doc[: marks[0].start()]))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(doc)
        code = doc[mark.end() : end].removeprefix("\n").removesuffix("\n")
        if code.strip():
            scripts.append((mark.group(1), mark.group(2), code))
    return scripts
