"""What every qaflow command shares: JSON output for scripts, rich output for
people, and one-line errors instead of tracebacks.

With `--json` the result is the only thing on stdout (one JSON object), and
logs and progress go to stderr, so `qaflow ... --json | jq` works in CI.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

__all__ = ["STATE", "JsonOption", "UserError", "console", "emit", "errors_as_lines", "fail", "use_json"]

JsonOption = typer.Option(False, "--json", help="Print the result as one JSON object on stdout.")


class State:
    """Global flags, set once by the root callback."""

    debug: bool = False
    json: bool = False


STATE = State()

stdout = Console()
stderr = Console(stderr=True)


def console() -> Console:
    """Where human-readable output goes: stderr when stdout is reserved for JSON."""
    return stderr if STATE.json else stdout


def _default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def emit(result: Any, as_json: bool, render: Callable[[Any], None] | None = None) -> None:
    """Print a command's result: JSON on stdout, or `render(result)` for people."""
    if as_json:
        sys.stdout.write(json.dumps(result, default=_default, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    elif render is not None:
        render(result)
    else:
        console().print_json(json.dumps(result, default=_default, ensure_ascii=False))


def use_json(as_json: bool) -> None:
    """Call first in a command that takes --json: sends logs and progress to stderr."""
    STATE.json = as_json
    if as_json:
        import logging

        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.stdout, sys.__stdout__,
            ):
                handler.setStream(sys.stderr)


class UserError(Exception):
    """An error the user can fix; shown as one line without a traceback."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear error line and return the Exit to raise."""
    stderr.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


@contextmanager
def errors_as_lines() -> Iterator[None]:
    """Turn any exception into one error line and exit code 1 (traceback with --debug)."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # the CLI boundary: every other error becomes one line
        if STATE.debug:
            raise
        from flows.failures import one_line

        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(text if isinstance(exc, UserError) else one_line(exc)) from None
