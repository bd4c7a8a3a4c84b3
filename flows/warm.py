"""A warm process for the `qaflow` command: Prefect and the pipelines imported once, forked per command.

Importing Prefect and the pipelines costs about 3 s per command on a 2-core
machine, more than generating a million rows. So `qaflow server up` also starts
this runner (`python -m flows.warm`): it imports them once and waits on a Unix
socket. `qaflow mockdata|rag|bdd|demo ...` connects, hands over its arguments,
working directory, environment, umask and resource limits and its
stdin/stdout/stderr (SCM_RIGHTS), and the runner forks. The child *is* that
command from then on: it writes straight to the user's terminal, runs the flow
against the same Prefect API, and reports its exit status; the client forwards
Ctrl-C and other signals to it.

It is a shortcut, never a requirement: without a runner, or when it refuses (another
interpreter, qaflow's code changed on disk, limits it cannot give), the command runs
in its own process exactly as before. The command's side (handing a command over,
starting and stopping this runner) is flows/warm_client.py, standard library only
because every `qaflow` call runs it first. Who may be on either end of the socket is
flows.warm_socket's job: a file in a 0700 folder of QAFLOW_HOME, the listener's
uid and pid checked before a byte is sent, the client's uid checked by the runner.
The runner reads requests without blocking (one loop, no threads: it forks), so
idle connections cannot hold up a real command.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import NamedTuple

from flows import warm_socket
from flows.warm_client import HEADER, PROTOCOL, RLIMITS, python_identity
from tasks.paths import home_path

MAX_REQUEST = 16 << 20  # bytes of JSON: an environment is a few kB
REQUEST_DEADLINE = 10.0  # seconds a connection may take to send its request before it is dropped
MAX_PENDING = 512  # connections still sending their request; more are closed at once
def serve() -> None:
    """Import the pipelines, then fork one child per command until stopped (SIGTERM)."""
    import threading

    from flows.prefect_api import configure_api
    from tasks.environment import apply_defaults

    try:
        place = warm_socket.Place(str(home_path()))  # first: a second runner stops here, before 3 s of imports
    except (warm_socket.AlreadyRunning, warm_socket.Untrusted) as exc:
        raise SystemExit(f"qaflow warm runner: {exc}") from None
    apply_defaults()  # before Prefect, Chroma or Hugging Face libraries are imported
    configure_api()  # before Prefect reads its settings: the same API the commands will use
    _preload()
    prepared = _prepare_settings()
    if threading.active_count() != 1:
        raise SystemExit(f"qaflow warm runner: preloading started threads {threading.enumerate()}; not forking")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    signal.signal(signal.SIGTERM, _stop)
    try:
        _Runner(place, prepared).run()
    finally:
        place.close()


def _preload() -> None:
    """Import what every command would import again: the CLI, the pipelines and their heavy libraries.

    Nothing here may start a thread: the runner forks.
    """
    import faker  # noqa: F401
    import jinja2  # noqa: F401
    import numpy  # noqa: F401
    import sqlglot  # noqa: F401
    import yaml  # noqa: F401
    from fastapi import encoders  # noqa: F401
    from prefect import artifacts  # noqa: F401
    from pyarrow import compute, parquet  # noqa: F401

    from flows import bdd, cli, mockdata, rag  # noqa: F401
    from tasks.pmsandbox.dynamic import faker_for
    from tasks.rows import validate  # noqa: F401
    from tasks.schema import ddl  # noqa: F401

    faker_for("en_US")  # Postman's {{$random...}} values: 0.6-2 s the first time, once here for every command


def _fresh_randomness() -> None:
    """In a forked command: random streams of its own, not a replay of the runner's.

    Python's `random` reseeds itself in a forked child; Faker's shared generator (which
    the preloaded Faker draws from) does not, so every command would draw the same
    "random" names, e-mails and ids. Seeded runs (mockdata's --seed) seed their own.
    """
    from faker.generator import random as faker_random

    faker_random.seed()


def _stop(_signum: int, _frame) -> None:
    raise SystemExit(0)  # unwinds serve(): the socket and pid file go


class _Pending:
    """A connection still sending its request, read without blocking as its bytes arrive."""

    def __init__(self, conn: socket.socket, deadline: float) -> None:
        self.conn, self.deadline = conn, deadline
        self.header, self.fds, self.body, self.size = b"", [], bytearray(), -1

    def read(self) -> bool:
        """Take what has arrived; True once the request is whole. EOFError if the client left."""
        try:
            if self.size < 0:
                # close-on-exec: a re-exec of the runner must not keep a client's terminal open
                data, fds, flags, _ = socket.recv_fds(self.conn, HEADER.size - len(self.header), 3,
                                                      socket.MSG_CMSG_CLOEXEC)
                self.fds.extend(fds)
                if flags & socket.MSG_CTRUNC:
                    raise ValueError("more descriptors than stdin, stdout and stderr")
                if not data:
                    raise EOFError
                self.header += data
                if len(self.header) < HEADER.size:
                    return False
                self.size = HEADER.unpack(self.header)[0]
                if self.size > MAX_REQUEST:
                    raise ValueError(f"a request of {self.size} bytes")
            while len(self.body) < self.size:
                chunk = self.conn.recv(min(self.size - len(self.body), 1 << 16))
                if not chunk:
                    raise EOFError
                self.body += chunk
        except BlockingIOError:
            return False
        return True

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []
        self.conn.close()


class _Runner:
    """One loop, no threads (it forks): accept, read requests as they come, fork the complete ones.

    Nothing blocks on one connection: an idle or slow one is dropped after
    REQUEST_DEADLINE seconds while the others are served.
    """

    def __init__(self, place: warm_socket.Place, prepared: _Prepared) -> None:
        import selectors

        self.place, self.prepared, self.stamps = place, prepared, _source_stamps()
        self.listener = place.listen()
        self.listener.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.pending: dict[socket.socket, _Pending] = {}

    def run(self) -> None:
        import time

        _log(f"ready: pid {os.getpid()}, QAFLOW_HOME {home_path()}")
        while True:
            deadline = min((p.deadline for p in self.pending.values()), default=None)
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            for key, _ in self.selector.select(wait):
                if key.fileobj is self.listener:
                    self._accept(time.monotonic() + REQUEST_DEADLINE)
                else:
                    self._progress(key.data)
            now = time.monotonic()
            for late in [p for p in self.pending.values() if p.deadline <= now]:
                _log("dropped a connection that sent no whole request within "
                     f"{REQUEST_DEADLINE:.0f} s")
                self._drop(late)

    def _accept(self, deadline: float) -> None:
        import selectors

        while True:
            try:
                conn, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors: serve the ones already here
                _log(f"accept failed: {exc}")
                return
            _, uid = warm_socket.peer(conn)
            if uid != os.getuid() or len(self.pending) >= MAX_PENDING:
                _log(f"refused a connection from uid {uid}" if uid != os.getuid() else "too many connections")
                conn.close()
                continue
            conn.setblocking(False)
            self.pending[conn] = pending = _Pending(conn, deadline)
            self.selector.register(conn, selectors.EVENT_READ, pending)

    def _drop(self, pending: _Pending) -> None:
        self.selector.unregister(pending.conn)
        del self.pending[pending.conn]
        pending.close()

    def _progress(self, pending: _Pending) -> None:
        try:
            if not pending.read():
                return
        except EOFError:  # a probe (`running_pid`) or a client that left
            return self._drop(pending)
        except (OSError, ValueError) as exc:
            _log(f"bad request: {exc}")
            with contextlib.suppress(OSError):
                _refuse(pending.conn, f"malformed request: {exc}")
            return self._drop(pending)
        self.selector.unregister(pending.conn)
        del self.pending[pending.conn]
        try:
            pending.conn.setblocking(True)
            pending.conn.settimeout(5)
            self._start(pending)
        except Exception as exc:  # a bad request must not end the runner
            _log(f"request failed: {exc!r}")
        finally:
            pending.close()  # the parent's copies (a child has its own)

    def _start(self, pending: _Pending) -> None:
        conn = pending.conn
        if len(pending.fds) != 3:
            return _refuse(conn, "malformed request: no stdin, stdout and stderr")
        try:
            request = json.loads(pending.body)
        except ValueError as exc:
            return _refuse(conn, f"malformed request: {exc}")
        if not isinstance(request, dict) or request.get("protocol") != PROTOCOL or request.get("python") != python_identity():
            return _refuse(conn, "another qaflow, interpreter or environment")
        problem = _malformed(request)
        if problem:
            return _refuse(conn, f"malformed request: {problem}")
        if _source_stamps() != self.stamps:
            _refuse(conn, "qaflow's code changed on disk")
            _log("code changed: restarting with the new code")
            pending.close()
            os.execv(sys.executable, [sys.executable, "-m", "flows.warm"])  # descriptors are close-on-exec
        try:
            pid = os.fork()
        except OSError as exc:
            return _refuse(conn, f"could not fork: {exc}")
        if pid == 0:
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                self._leave(pending)
                _child(conn, pending.fds, request, self.prepared)
            finally:
                os._exit(70)  # only reached if the child's set-up itself failed
        _log(f"pid {pid}: qaflow {' '.join(request['argv'])} (cwd {request['cwd']})")

    def _leave(self, mine: _Pending) -> None:
        """In a forked command: let go of everything of the runner's but its own connection."""
        self.selector.close()
        self.listener.close()
        for other in self.pending.values():
            other.close()
        self.place.close(remove=False)  # or the command would hold the runner's lock


def _malformed(request: dict) -> str | None:
    """What is wrong with a request's fields, or None."""
    argv, env, cwd = request.get("argv"), request.get("env"), request.get("cwd")
    umask, rlimits = request.get("umask"), request.get("rlimits")
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        return "argv"
    if not isinstance(cwd, str) or not isinstance(env, dict):
        return "cwd or env"
    if not all(isinstance(k, str) and isinstance(v, str) and k and "=" not in k and "\0" not in k + v
               for k, v in env.items()):
        return "env"
    if type(umask) is not int or not 0 <= umask <= 0o777:
        return "umask"
    if not isinstance(rlimits, dict) or not all(
            name in RLIMITS and isinstance(pair, list) and len(pair) == 2 and all(type(x) is int for x in pair)
            for name, pair in rlimits.items()):
        return "rlimits"
    return None


def _take_over(request: dict) -> None:
    """The caller's umask, resource limits, directory, environment and time zone, for this process.

    Raises if one cannot be had (a hard limit above the runner's): the command
    has not started, so the caller runs it itself, with its own.
    """
    import resource
    import time

    os.umask(request["umask"])
    for name, (soft, hard) in request["rlimits"].items():
        which = getattr(resource, name)
        if resource.getrlimit(which) != (soft, hard):
            try:
                resource.setrlimit(which, (soft, hard))
            except (OSError, ValueError) as exc:
                raise RuntimeError(f"cannot set {name} to {soft}/{hard}: {exc}") from None
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()  # TZ came with the environment; C's localtime reads it only here


def _child(conn: socket.socket, fds: list[int], request: dict, prepared: _Prepared) -> None:
    """Become the client's command: its limits, terminal, directory, environment and arguments."""
    try:
        _take_over(request)
    except Exception as exc:  # nothing has run: the caller runs the command itself, with its own
        _log(f"pid {os.getpid()}: refused: {exc}")  # stdout is still the runner's log here
        with contextlib.suppress(OSError):
            _refuse(conn, str(exc))
        os._exit(0)
    conn.settimeout(None)
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")  # the client now waits for the status
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess needs to wait for its children
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=stream.isatty())
    sys.argv = ["qaflow", *request["argv"]]
    _fresh_randomness()
    _refresh_settings(prepared)
    _interrupt_when_gone(conn)

    from flows.cli import run_app, shut_down
    from flows.interrupts import at_forced_exit

    # an interrupted command that cannot finish its exit in time still reports its status
    at_forced_exit(lambda status: conn.sendall(json.dumps({"exit": status}).encode() + b"\n"))
    try:
        code = run_app(request["argv"])
    except KeyboardInterrupt:
        code = 130
    code = code if 0 <= code <= 255 else 1  # os._exit(256) would reach the caller as 0
    shut_down()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the client leaves once it has the status
    try:
        conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    finally:
        os._exit(code)


class _Prepared(NamedTuple):
    inputs: tuple  # what the runner's Prefect settings were read from (_settings_inputs)
    logging: dict  # Prefect's logging configuration for those settings, as loaded from its file


def _settings_inputs() -> tuple:
    """What Prefect's settings are read from: PREFECT_* variables and the working directory's files."""
    env = sorted((name, value) for name, value in os.environ.items() if name.upper().startswith("PREFECT_"))
    files = []
    for name in (".env", "prefect.toml", "pyproject.toml"):
        try:
            files.append(Path(name).read_bytes())
        except OSError:
            files.append(None)
    return (env, files)


def _prepare_settings() -> _Prepared:
    """Settings for CLI-started runs (no heartbeats: see cli_flow_runs), built once in the runner.

    Building Prefect's settings and its logging configuration costs ~0.5 s; a command
    whose environment and directory give the same inputs inherits them instead.
    """
    import prefect.context
    from prefect.logging.configuration import DEFAULT_LOGGING_SETTINGS_PATH, load_logging_config
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_LOGGING_SETTINGS_PATH

    prefect.context.refresh_global_settings_context()
    current = prefect.context.GLOBAL_SETTINGS_CONTEXT
    prefect.context.GLOBAL_SETTINGS_CONTEXT = prefect.context.SettingsContext(
        profile=current.profile,
        settings=current.settings.copy_with_update(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    )
    path = PREFECT_LOGGING_SETTINGS_PATH.value()
    return _Prepared(_settings_inputs(), load_logging_config(path if path.exists() else DEFAULT_LOGGING_SETTINGS_PATH))


def _refresh_settings(prepared: _Prepared) -> None:
    """Prefect's settings and log handlers for the client's environment, directory and terminal."""
    import copy
    import logging
    import logging.config

    from prefect.context import refresh_global_settings_context
    from prefect.logging.configuration import setup_logging
    from prefect.settings import PREFECT_LOGGING_EXTRA_LOGGERS

    from flows.prefect_api import configure_api
    from tasks.environment import apply_defaults

    apply_defaults()
    configure_api()
    if _settings_inputs() != prepared.inputs:
        refresh_global_settings_context()
        setup_logging(incremental=False)
        return
    # Same settings: only the handlers are made again, for the client's stderr (colours on a terminal).
    logging.config.dictConfig({**copy.deepcopy(prepared.logging), "incremental": False})
    extra = logging.getLogger("prefect.extra")
    for name in PREFECT_LOGGING_EXTRA_LOGGERS.value():
        for handler in extra.handlers:
            logging.getLogger(name).addHandler(handler)


def _interrupt_when_gone(conn: socket.socket) -> None:
    """If the client dies (killed, terminal closed), interrupt the command as Ctrl-C would."""
    import threading

    def watch() -> None:
        with contextlib.suppress(OSError):
            if not conn.recv(1):  # the client never writes: this returns when it has gone
                os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="qaflow-warm-client", daemon=True).start()


def _refuse(conn: socket.socket, reason: str) -> None:
    conn.sendall(json.dumps({"refused": reason}).encode() + b"\n")


def _source_stamps() -> dict[str, int]:
    """Modification times of the qaflow modules this process has loaded."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamps = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(root) and os.sep + ".venv" + os.sep not in path:
            try:
                stamps[path] = os.stat(path).st_mtime_ns
            except OSError:
                stamps[path] = -1
    return stamps


def _log(line: str) -> None:
    import time

    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)


if __name__ == "__main__":
    serve()
