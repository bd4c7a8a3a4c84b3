"""The `qaflow` command's side of the warm runner (flows/warm.py): hand a command over, or start and stop it.

Every `qaflow` call runs this first (flows/launch.py), so it imports the standard
library and `tasks.paths` only: `qaflow version` stays well under half a second. A
command goes to the runner when it runs pipelines and a runner of this user's
answers for this QAFLOW_HOME (flows/warm_socket.py checks who is listening); it
hands over its arguments, working directory, environment, umask, resource limits and
stdin/stdout/stderr, then waits for the exit status and forwards signals. In every
other case it returns None and the command runs in its own process, as always.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys

from flows import warm_socket
from flows.processes import stop
from tasks.paths import SERVER, home, home_path, state_dir

__all__ = ["enabled", "run_warm", "running_pid", "start_runner", "stop_runner", "wanted"]

WARM_COMMANDS = frozenset({"mockdata", "rag", "bdd", "demo"})
# Long-running: nothing to gain from a quick start, and `rag watch` sets up its own
# process (malloc arenas capped before anything is imported, see flows/cli/rag.py).
COLD_COMMANDS = frozenset({("rag", "watch")})
PROTOCOL = 2
HEADER = struct.Struct("!I")  # the request's length in bytes, sent with the three descriptors
# The caller's limits the command takes (RLIMIT_*): every one Linux has that Python names.
RLIMITS = ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
           "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS",
           "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK")
WARM_VARIABLE = "QAFLOW_WARM"
# What pydantic reads as False for a bool field (tasks.settings.Settings.warm reads the same variable).
FALSE_WORDS = frozenset({"0", "off", "f", "false", "n", "no"})


def enabled() -> bool:
    """Whether the warm runner may be used here: Linux, and QAFLOW_WARM not off.

    The one reading of QAFLOW_WARM on the fast path, before pydantic is imported;
    the variable's name matches in any letter case and its values are read as
    `Settings.warm` reads them (tests/cli/test_warm_client.py holds the two together).
    """
    if not sys.platform.startswith("linux"):
        return False
    raw = os.environ.get(WARM_VARIABLE)
    if raw is None:
        raw = next((value for name, value in os.environ.items() if name.upper() == WARM_VARIABLE), "1")
    return raw.strip().lower() not in FALSE_WORDS


def wanted(argv: list[str]) -> bool:
    """Whether `qaflow ARGV` runs pipelines (worth a warm start) and a runner may exist here."""
    if not enabled():
        return False
    words = [arg for arg in argv if not arg.startswith("-")]
    return (bool(words) and words[0] in WARM_COMMANDS and tuple(words[:2]) not in COLD_COMMANDS
            and not {"--help", "-h"} & set(argv))


def run_warm(argv: list[str], timeout: float = 2.0) -> int | None:
    """Run `qaflow ARGV` in the warm runner: its exit status, or None when it cannot (run it here then).

    None only when the command surely did not start (no runner, one that is not
    this user's, or it refused): once the runner may have forked it, a failure is
    reported as a non-zero status, never run twice and never as 0.
    """
    try:
        found = warm_socket.connect(str(home_path()), timeout)
    except warm_socket.Untrusted as exc:
        print(f"qaflow: not using the warm runner: {exc}", file=sys.stderr)
        return None
    if found is None:
        return None
    sock, _ = found
    try:
        try:
            payload = json.dumps({"protocol": PROTOCOL, "python": python_identity(), "argv": argv,
                                  "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask(),
                                  "rlimits": _rlimits()}).encode()
            socket.send_fds(sock, [HEADER.pack(len(payload))], [0, 1, 2])
            sock.sendall(payload)
        except OSError:
            return None  # the runner has not got the whole request: nothing was started
        sock.settimeout(60)  # the runner answers at once: a refusal, or the forked command's pid
        replies = sock.makefile("rb")
        try:
            started = _reply(replies)
        except (OSError, ValueError) as exc:
            print(f"qaflow: no answer from the warm runner ({exc}); see QAFLOW_HOME/server/warm.log",
                  file=sys.stderr)
            return 1
        if started is None or "refused" in started:
            return None  # refused (or gone) before anything was forked
        if type(started.get("pid")) is not int:
            print(f"qaflow: the warm runner answered {started!r}; see QAFLOW_HOME/server/warm.log",
                  file=sys.stderr)
            return 1
        sock.settimeout(None)  # the command runs as long as it needs
        return _wait(replies, started["pid"])
    finally:
        sock.close()


def python_identity() -> list[str]:
    """Which environment a process runs in (python and python3 of one venv are the same)."""
    return [sys.prefix, sys.version]


def _umask() -> int:
    """This process's umask (reading it means setting it: the client has no other threads)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _rlimits() -> dict[str, list[int]]:
    """This process's resource limits, (soft, hard) by RLIMIT_ name."""
    import resource

    return {name: list(resource.getrlimit(getattr(resource, name))) for name in RLIMITS if hasattr(resource, name)}


def _wait(replies, pid: int) -> int:
    """Forward signals to the command until it reports its exit status."""
    def forward(signum: int, _frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    relayed = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
    previous = {sig: signal.signal(sig, forward) for sig in relayed}
    try:
        try:
            done = _reply(replies)
        except (OSError, ValueError):
            done = None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code = done.get("exit") if isinstance(done, dict) else None
    if type(code) is not int or not 0 <= code <= 255:  # 256 would reach the shell as 0
        print("qaflow: the warm process ended without an exit status (see QAFLOW_HOME/server/warm.log)",
              file=sys.stderr)
        return 1
    return code


def _reply(replies) -> dict | None:
    line = replies.readline()
    if not line:
        return None
    reply = json.loads(line)
    if not isinstance(reply, dict):
        raise ValueError(f"not a JSON object: {line[:80]!r}")
    return reply


def running_pid() -> int | None:
    """The runner's pid for this QAFLOW_HOME when it is up, answering and this user's."""
    try:
        found = warm_socket.connect(str(home_path()), timeout=1.0)
    except warm_socket.Untrusted:
        return None
    if found is None:
        return None
    probe, pid = found
    probe.close()  # connected and left: the runner drops it
    return pid


def start_runner(wait: float = 60.0) -> int | None:
    """Start the warm runner (`python -m flows.warm`) for this QAFLOW_HOME unless one answers; its pid.

    Waits until it has imported the pipelines and listens, so the next command finds
    it; None if it did not come up, or with `wait` 0 (commands then run in their own
    process, as always).
    """
    import time

    pid = running_pid()
    if pid is not None:
        return pid
    root = home()
    try:  # made here too (mode 0700) so that a folder that is not ours is reported, not only logged
        os.close(warm_socket.open_folder(str(root), create=True))
    except warm_socket.Untrusted as exc:
        print(f"qaflow: warm runner not started: {exc}", file=sys.stderr)
        return None
    log_path = state_dir(*SERVER) / "warm.log"
    env = {**os.environ, "QAFLOW_HOME": str(root)}
    # 0600: the log names the commands and folders of this user
    with open(os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600), "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "flows.warm"], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    if wait <= 0:
        return None  # started; it listens once it has imported the pipelines
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and proc.poll() is None:
        if (pid := running_pid()) is not None:
            return pid
        time.sleep(0.2)
    if proc.poll() is None:
        proc.terminate()
    return None


def stop_runner(timeout: float = 10.0) -> bool:
    """SIGTERM the warm runner (SIGKILL after `timeout` s); commands it already started finish on their own."""
    pid = running_pid()
    if pid is None:
        return False
    stop(pid, timeout)
    return True
