"""Ctrl-C and SIGTERM end a qaflow command cleanly.

Without this, a terminal's Ctrl-C reached click as KeyboardInterrupt and came
out as exit status 1 ("Aborted!"), Prefect logged the interrupt as a crash with
a traceback, and the flow run stayed Crashed (or Running, when the API child had
died first). Here the first SIGINT/SIGTERM notes which signal came and which
flow run was executing, quiets Prefect's console error lines for the rest of the
process, and raises KeyboardInterrupt, so the work in progress unwinds as on a
crash (a sync's batch either committed or is redone next time; outputs are
written under a temporary name and renamed, so none is half-written). Then
`finish` marks the flow runs CANCELLED ("interrupted") and returns the
conventional status: 130 for SIGINT, 143 for SIGTERM. A second signal leaves at
once with that status.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

_ENGINE_CLASSES = ("FlowRunEngine", "AsyncFlowRunEngine")

_received: int | None = None
_flow_runs: list[Any] = []  # flow run ids (UUID) seen executing when the signal came


def install() -> dict[int, Any]:
    """Handle SIGINT and SIGTERM in this process (main thread only); the handlers it replaced."""
    global _received
    _received = None
    _flow_runs.clear()
    for name in _RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _InterruptNoise) for f in logger.filters):
            logger.addFilter(_InterruptNoise())
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}


def restore(previous: dict[int, Any]) -> None:
    """Put back the handlers `install` replaced, unless a signal came (a second one must still force the exit)."""
    if _received is not None:
        return
    for sig, handler in previous.items():
        if handler is not None:
            signal.signal(sig, handler)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _received
    if _received is not None:  # a second Ctrl-C: the user does not want to wait
        os._exit(128 + _received)
    _received = signum
    _quiet_console_errors()
    _note_runs_in_frames(frame)
    raise KeyboardInterrupt


def received() -> int | None:
    """The signal that interrupted this command, if one did."""
    return _received


def _note_runs_in_frames(frame: FrameType | None) -> None:
    """Remember the flow runs whose engines are on this stack (outermost last)."""
    while frame is not None:
        _note_engine(frame.f_locals.get("self"))
        frame = frame.f_back


def _note_engine(candidate: Any) -> None:
    if type(candidate).__name__ not in _ENGINE_CLASSES:
        return
    flow_run = getattr(candidate, "flow_run", None)
    run_id = getattr(flow_run, "id", None)
    if run_id is not None and run_id not in _flow_runs:
        _flow_runs.append(run_id)


def _note_runs_in_exception(exc: BaseException | None) -> None:
    """Flow runs whose engines the exception (or its causes) passed through."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            _note_engine(tb.tb_frame.f_locals.get("self"))
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__


def _interrupting_signal(exc: BaseException | None) -> int | None:
    """SIGINT for a KeyboardInterrupt, the signal of Prefect's TerminationSignal, else None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            return signal.SIGINT
        if type(exc).__name__ == "TerminationSignal" and isinstance(getattr(exc, "signal", None), int):
            return exc.signal  # type: ignore[attr-defined]
        exc = exc.__cause__ or exc.__context__
    return None


class _DropErrors(logging.Filter):
    """Drops the crash reports Prefect logs for an interrupt (the user pressed Ctrl-C: no news)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class _InterruptNoise(logging.Filter):
    """Drops the ERROR lines Prefect's run loggers write for an interrupt.

    While a flow runs, SIGTERM goes to Prefect's own handler (TerminationSignal),
    not to ours, so the crash reports are recognised by what they are: an error
    about a run aborted by a signal, or one carrying the interrupt itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        if _received is not None:
            return False
        if record.exc_info and record.exc_info[1] is not None and _interrupting_signal(record.exc_info[1]):
            return False
        return "Execution was aborted by a" not in record.getMessage()


def _quiet_console_errors() -> None:
    """From now on, console handlers show no ERROR lines (the API's log handler still gets them)."""
    loggers = [logging.getLogger()] + [
        logger for name, logger in list(logging.root.manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and name.startswith("prefect")
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not any(
                isinstance(f, _DropErrors) for f in handler.filters
            ):
                handler.addFilter(_DropErrors())


def finish(code: int, exc: BaseException | None = None) -> int:
    """The command's exit status once it has ended, with or without an interrupt.

    When a signal ended it (noted by the handler, or a KeyboardInterrupt /
    TerminationSignal reaching here), the flow runs it interrupted are marked
    CANCELLED and the status is 128 + the signal number; otherwise `code`.
    """
    global _received
    sig = _received or _interrupting_signal(exc)
    if sig is None:
        return code
    if _received is None:
        _received = sig
        _quiet_console_errors()
    _note_runs_in_exception(exc)
    drop_queued_work()
    cancelled = cancel_flow_runs(list(_flow_runs))
    name = signal.Signals(sig).name
    what = f"; flow run {', '.join(cancelled)} marked Cancelled" if cancelled else ""
    print(f"qaflow: interrupted by {name}{what}", file=sys.stderr, flush=True)
    leave_by_deadline(128 + sig)
    return 128 + sig


EXIT_GRACE_S = 3.0
_forced_exit_hooks: list[Callable[[int], None]] = []


def at_forced_exit(hook: Callable[[int], None]) -> None:
    """Run `hook(status)` if an interrupted process is made to leave (see leave_by_deadline)."""
    _forced_exit_hooks.append(hook)


def leave_by_deadline(code: int, grace: float | None = None) -> None:
    """Give the exit hooks `grace` seconds, then end the process with `code` regardless.

    At exit the interpreter joins every non-daemon thread, and a worker deep in a
    long C call (an ONNX Runtime encode of a whole batch of chunks) cannot be
    interrupted: after Ctrl-C during a sync that waited 12-30 s (loaded 2-core
    machine). The flow run's state is already recorded and the index is
    consistent (the manifest row is written after the store write), so the
    process leaves; the early API child stops by its parent-death signal.
    """
    grace = EXIT_GRACE_S if grace is None else grace

    def watchdog() -> None:
        time.sleep(grace)
        for hook in _forced_exit_hooks:
            with contextlib.suppress(Exception):  # leaving anyway
                hook(code)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)

    threading.Thread(target=watchdog, name="qaflow-exit-deadline", daemon=True).start()


def drop_queued_work() -> None:
    """Cancel the work still queued in this process's thread pools.

    At exit the interpreter joins every ThreadPoolExecutor's workers, and a worker
    runs everything queued before it sees the stop sentinel: after Ctrl-C during
    a sync, every embedding batch of the interrupted run (18-31 s measured for
    600 documents on a loaded 2-core machine). Work in hand finishes; the rest is
    dropped, as `shutdown(cancel_futures=True)` does for one executor.
    """
    import queue
    from concurrent.futures import thread as pool_threads

    for work in list(getattr(pool_threads, "_threads_queues", {}).values()):
        while True:
            try:
                item = work.get_nowait()
            except queue.Empty:
                break
            future = getattr(item, "future", None)
            if future is not None:
                future.cancel()
            elif item is None:  # a stop sentinel: keep it for its worker
                work.put(None)
                break


def cancel_flow_runs(run_ids: list[Any], timeout: float = 5.0) -> list[str]:
    """Force each unfinished or crashed run to Cancelled("interrupted"); the ids it cancelled.

    Runs in a thread with a deadline: an API that no longer answers must not keep
    the user's prompt waiting (Prefect's client retries connection errors).
    """
    if not run_ids or "prefect" not in sys.modules:
        return []
    done: list[str] = []

    def work() -> None:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.objects import StateType
        from prefect.states import Cancelled

        # FAILED too: an interrupt that lands inside Prefect's task engine can surface as another
        # exception ("Task run is not set"), failing a run that the signal ended
        open_types = {StateType.CRASHED, StateType.FAILED, StateType.RUNNING, StateType.PENDING,
                      StateType.SCHEDULED, StateType.CANCELLING, StateType.PAUSED}
        with get_client(sync_client=True) as client:
            for run_id in run_ids:
                try:
                    run = client.read_flow_run(run_id)
                    if run.state is not None and run.state.type not in open_types:
                        continue
                    client.set_flow_run_state(run_id, Cancelled(message="interrupted"), force=True)
                    done.append(str(run_id))
                except Exception:  # best effort on the way out; the run stays Crashed
                    continue

    worker = threading.Thread(target=work, name="qaflow-cancel", daemon=True)
    worker.start()
    worker.join(timeout)
    return list(done)
