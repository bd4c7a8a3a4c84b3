"""Stopping the background processes qaflow starts (the local server's keeper, the warm runner).

Standard library only: the warm runner's client (flows/warm_client.py) stops a runner
without importing anything heavy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time


def gone_within(pid: int, seconds: float) -> bool:
    """Wait up to `seconds` for process `pid` to end; True once it has."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # our own child: reap it, or it stays a zombie
        time.sleep(0.1)
    return False


def stop_group(pid: int, timeout: float = 15.0) -> bool:
    """SIGTERM the process group led by `pid`, SIGKILL it after `timeout` s; True once gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        if gone_within(pid, wait):
            return True
    return False


def stop(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM one process, SIGKILL it if it is still there after `timeout` s."""
    os.kill(pid, signal.SIGTERM)
    if not gone_within(pid, timeout):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
