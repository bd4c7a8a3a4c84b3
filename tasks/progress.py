"""One shape for progress reports, from any pipeline to whoever draws them.

A pipeline stage owns a `ProgressHooks` (a module-level instance beside the
work it reports on) and calls `emit(...)`; the CLI, a test or a benchmark
listens with `with hooks.listening(hook):` and draws a bar. Every event has
the same shape, `ProgressEvent(stage, advance, total, info)`, so one drawing
function serves bdd (stages "generate", "execute"), mockdata ("rows", with the
table in `info`) and rag sync ("planned" with the file total, then "indexed",
"deleted", "renamed" advancing by files, with `chunks` in `info`, and "done").

Hooks run in the thread that emits (a worker thread too): keep them short and
thread-safe (rich's Progress is). A hook that raises is not caught: a broken
progress bar is a bug to see, not to hide. Standard library only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

__all__ = ["ProgressEvent", "ProgressHook", "ProgressHooks"]


@dataclass(frozen=True)
class ProgressEvent:
    """One step of progress.

    stage: what advanced ("execute", "rows", "indexed", ...).
    advance: units done since the last event of this stage (0: none).
    total: the stage's total units when known or changed (None: unchanged).
    info: anything else the stage reports (the table, chunks written, bytes planned).
    """

    stage: str
    advance: int = 0
    total: int | None = None
    info: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class ProgressHook(Protocol):
    """What listens: any callable taking one ProgressEvent."""

    def __call__(self, event: ProgressEvent, /) -> None: ...


class ProgressHooks:
    """The listeners of one pipeline stage; emitting with none listening costs one check."""

    def __init__(self) -> None:
        self._hooks: tuple[ProgressHook, ...] = ()
        self._lock = threading.Lock()

    def add(self, hook: ProgressHook) -> Callable[[], None]:
        """Start calling `hook` on every event; returns the function that stops it."""
        with self._lock:
            self._hooks = (*self._hooks, hook)
        return lambda: self.remove(hook)

    def remove(self, hook: ProgressHook) -> None:
        """Stop calling `hook` (no error when it is not listening)."""
        with self._lock:
            hooks = list(self._hooks)
            if hook in hooks:
                hooks.remove(hook)
            self._hooks = tuple(hooks)

    @contextmanager
    def listening(self, hook: ProgressHook) -> Iterator[ProgressHook]:
        """Call `hook` on every event emitted inside the block."""
        self.add(hook)
        try:
            yield hook
        finally:
            self.remove(hook)

    def emit(self, stage: str, advance: int = 0, total: int | None = None, **info: Any) -> None:
        """Report progress to every listening hook, in the calling thread."""
        hooks = self._hooks  # a tuple swapped whole under the lock: safe to read without it
        if not hooks:
            return
        event = ProgressEvent(stage, advance, total, MappingProxyType(info))
        for hook in hooks:
            hook(event)

    @property
    def active(self) -> bool:
        """Whether any hook listens (skip computing a total nobody will see)."""
        return bool(self._hooks)
