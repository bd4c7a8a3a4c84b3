"""A warm process for the `qaflow` command: Prefect and the pipelines imported once, forked per command.

Importing Prefect and the pipelines costs about 3 s per command on a 2-core
machine, more than generating a million rows. So `qaflow server up` also starts
this runner (`python -m flows.warm`): it imports them once and waits on a Unix
socket. `qaflow mockdata|rag|bdd|demo ...` connects, hands over its arguments,
working directory, environment and its stdin/stdout/stderr (SCM_RIGHTS), and the
runner forks. The child *is* that command from then on: it writes straight to the
user's terminal, runs the flow against the same Prefect API, and reports its exit
status; the client forwards Ctrl-C and other signals to it.

It is a shortcut, never a requirement: without a runner, or when it refuses (another
interpreter, qaflow's code changed on disk, a preloaded module started a thread), the
command runs in its own process exactly as before. The socket lives in Linux's
abstract namespace (no file to go stale), is named after the user and QAFLOW_HOME,
and the runner serves only its own user (SO_PEERCRED).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import NamedTuple

WARM_COMMANDS = frozenset({"mockdata", "rag", "bdd", "demo"})
# Long-running: nothing to gain from a quick start, and `rag watch` sets up its own
# process (malloc arenas capped before anything is imported, see flows/cli/rag.py).
COLD_COMMANDS = frozenset({("rag", "watch")})
PROTOCOL = 1
_HEADER = struct.Struct("!I")
# Imported once by the runner. Nothing here may start a thread: the runner forks.
PRELOAD = (
    "flows.cli", "flows.mockdata", "flows.bdd", "flows.rag", "numpy", "pyarrow.parquet", "pyarrow.compute",
    "sqlglot", "jinja2", "yaml", "fastapi.encoders", "prefect.artifacts", "tasks.schema.ddl",
    "tasks.rows.validate",
)


# ------------------------------------------------------------------ client side (standard library only)


def home_path() -> str:
    """QAFLOW_HOME as tasks.settings reads it (any letter case, default .qaflow), made absolute."""
    raw = next((value for name, value in os.environ.items() if name.upper() == "QAFLOW_HOME"), ".qaflow")
    return os.path.realpath(os.path.expanduser(raw))


def address(home: str | None = None) -> str:
    """The runner's abstract socket name for this user and QAFLOW_HOME."""
    digest = hashlib.sha256(f"{os.getuid()}:{home or home_path()}".encode()).hexdigest()[:24]
    return f"\0qaflow-warm-{digest}"


def wanted(argv: list[str]) -> bool:
    """Whether `qaflow ARGV` runs pipelines (worth a warm start) and a runner may exist here."""
    if os.environ.get("QAFLOW_WARM", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    words = [arg for arg in argv if not arg.startswith("-")]
    return (bool(words) and words[0] in WARM_COMMANDS and tuple(words[:2]) not in COLD_COMMANDS
            and not {"--help", "-h"} & set(argv))


def run_warm(argv: list[str], timeout: float = 2.0) -> int | None:
    """Run `qaflow ARGV` in the warm runner: its exit status, or None when it cannot (run it here then).

    None only when the command surely did not start (no runner, or it refused):
    once the runner may have forked it, a failure is reported, never run twice.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            sock.settimeout(timeout)
            sock.connect(address())
            payload = json.dumps({"protocol": PROTOCOL, "python": _python(), "argv": argv,
                                  "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
            socket.send_fds(sock, [_HEADER.pack(len(payload))], [0, 1, 2])
            sock.sendall(payload)
        except OSError:
            return None
        sock.settimeout(60)  # the runner answers at once: a refusal, or the forked command's pid
        replies = sock.makefile("rb")
        try:
            started = _reply(replies)
        except (OSError, ValueError) as exc:
            print(f"qaflow: no answer from the warm runner ({exc}); see QAFLOW_HOME/server/warm.log",
                  file=sys.stderr)
            return 1
        if started is None or "pid" not in started:
            return None  # refused (or gone) before anything was forked
        sock.settimeout(None)  # the command runs as long as it needs
        return _wait(replies, int(started["pid"]))
    finally:
        sock.close()


def _python() -> list[str]:
    """Which environment a process runs in (python and python3 of one venv are the same)."""
    return [sys.prefix, sys.version]


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
    if done is None or "exit" not in done:
        print("qaflow: the warm process ended without an exit status (see QAFLOW_HOME/server/warm.log)",
              file=sys.stderr)
        return 1
    return int(done["exit"])


def _reply(replies) -> dict | None:
    line = replies.readline()
    return json.loads(line) if line else None


# ------------------------------------------------------------------ runner side


def serve() -> None:
    """Import the pipelines, then fork one child per command until stopped (SIGTERM)."""
    import importlib
    import threading

    from flows.prefect_api import configure_api

    configure_api()  # before Prefect reads its settings: the same API the commands will use
    for name in PRELOAD:
        importlib.import_module(name)
    prepared = _prepare_settings()
    if threading.active_count() != 1:
        raise SystemExit(f"qaflow warm runner: preloading started threads {threading.enumerate()}; not forking")
    stamps = _source_stamps()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(address())
    except OSError as exc:
        raise SystemExit(f"qaflow warm runner: {exc} (one is already running for {home_path()})") from None
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    _pid_file().write_text(str(os.getpid()))
    _log(f"ready: pid {os.getpid()}, QAFLOW_HOME {home_path()}")
    while True:
        conn, _ = listener.accept()
        try:
            _handle(conn, listener, stamps, prepared)
        except Exception as exc:  # a bad request must not end the runner
            _log(f"request failed: {exc!r}")
        finally:
            conn.close()


def _handle(conn: socket.socket, listener: socket.socket, stamps: dict[str, int], prepared: _Prepared) -> None:
    conn.settimeout(5)
    _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    # close-on-exec: a re-exec of the runner must not keep the client's terminal open
    header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 3, socket.MSG_CMSG_CLOEXEC)
    try:
        if not header:
            return  # a probe (`running_pid`): connected and left
        if uid != os.getuid():
            return _refuse(conn, f"uid {uid} is not this runner's user")
        if len(header) != _HEADER.size or len(fds) != 3:
            return _refuse(conn, "malformed request")
        request = json.loads(_receive(conn, _HEADER.unpack(header)[0]))
        if request.get("protocol") != PROTOCOL or request.get("python") != _python():
            return _refuse(conn, "another qaflow, interpreter or environment")
        if _source_stamps() != stamps:
            _refuse(conn, "qaflow's code changed on disk")
            _log("code changed: restarting with the new code")
            for fd in fds:
                os.close(fd)
            os.execv(sys.executable, [sys.executable, "-m", "flows.warm"])
        pid = os.fork()
        if pid == 0:
            try:
                _child(conn, listener, fds, request, prepared)
            finally:
                os._exit(70)  # only reached if the child's set-up itself failed
        _log(f"pid {pid}: qaflow {' '.join(request['argv'])} (cwd {request['cwd']})")
    finally:
        for fd in fds:
            os.close(fd)  # the parent's copies (a child has its own)


def _child(conn: socket.socket, listener: socket.socket, fds: list[int], request: dict, prepared: _Prepared) -> None:
    """Become the client's command: its terminal, directory, environment and arguments."""
    listener.close()
    conn.settimeout(None)
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")  # first: the client now waits for it
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess needs to wait for its children
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=stream.isatty())
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["qaflow", *request["argv"]]
    _refresh_settings(prepared)
    _interrupt_when_gone(conn)

    from flows.cli import run_app, shut_down

    code = run_app(request["argv"])
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


def _receive(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 16))
        if not chunk:
            raise ConnectionError("client went away mid-request")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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


def _pid_file() -> Path:
    folder = Path(home_path()) / "server"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "warm.pid"


def _log(line: str) -> None:
    import time

    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)


def running_pid() -> int | None:
    """The runner's pid for this QAFLOW_HOME when it is up and answering."""
    try:
        pid = int((Path(home_path()) / "server" / "warm.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1)
        probe.connect(address())
    except OSError:
        return None
    finally:
        probe.close()
    return pid


if __name__ == "__main__":
    serve()
