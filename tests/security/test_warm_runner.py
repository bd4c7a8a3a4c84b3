"""Attacks on the warm runner (flows.warm, flows.warm_socket), tried for real.

Another local user (uid 65534 through `setpriv`) squats the names and paths the
`qaflow` client would use and records everything it receives; a same-user process
holds idle connections; the forked command is checked for the caller's umask,
time zone and limits in /proc; a runner that answers nonsense never yields exit 0.
The tests run as root (the container's user) and use a folder every uid can
traverse, as a shared QAFLOW_HOME would be.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import warm, warm_client, warm_socket
from flows.processes import gone_within

ROOT = Path(__file__).resolve().parents[2]
QAFLOW = str(Path(sys.executable).with_name("qaflow"))
SETPRIV = "/usr/bin/setpriv"
NOBODY = 65534
SECRET = "sk-warm-runner-sentinel-3f9a"
SCHEMA = "CREATE TABLE things (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2));\n"

pytestmark = [
    pytest.mark.skipif(os.getuid() != 0 or not os.access(SETPRIV, os.X_OK),
                       reason="needs root and setpriv to act as another local user"),
]

# Binds every address it is given (a leading @ means Linux's abstract namespace), says
# which it got, then answers each connection as a runner that "ran" the command
# (pid, exit 0) and records every byte and descriptor it is sent.
SQUATTER = r"""
import json, os, select, socket, sys
status_path, log_path, targets = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def log(event):
    with open(log_path, "a") as out:
        out.write(json.dumps(event) + "\n")
listeners, conns, status = [], [], {}
for target in targets:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("\0" + target[1:] if target.startswith("@") else target)
        s.listen(64)
        listeners.append(s)
        status[target] = "bound"
    except OSError as exc:
        status[target] = type(exc).__name__
with open(status_path + ".tmp", "w") as out:
    json.dump({"uid": os.getuid(), "pid": os.getpid(), "status": status}, out)
os.rename(status_path + ".tmp", status_path)
while True:
    ready, _, _ = select.select(listeners + conns, [], [])
    for s in ready:
        if s in listeners:
            c, _ = s.accept()
            conns.append(c)
            log({"event": "connect"})
            c.sendall(b'{"pid": 1}\n{"exit": 0}\n')
            continue
        try:
            data, anc, _, _ = s.recvmsg(1 << 16, socket.CMSG_SPACE(64 * 4))
        except OSError:
            data, anc = b"", []
        fds = []
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += [int.from_bytes(raw[i:i + 4], sys.byteorder) for i in range(0, len(raw) - len(raw) % 4, 4)]
        for fd in fds:
            os.close(fd)
        log({"event": "data", "bytes": len(data), "fds": len(fds), "text": data.decode("utf-8", "replace")})
        if not data:
            conns.remove(s)
            s.close()
"""


def _old_abstract_name(home: Path) -> str:
    """The name the client used before: computable by anyone who knows the uid and QAFLOW_HOME."""
    return "@qaflow-warm-" + hashlib.sha256(f"{os.getuid()}:{os.path.realpath(home)}".encode()).hexdigest()[:24]


class Squatter:
    """A process of another uid bound to `targets`, recording what reaches it."""

    def __init__(self, folder: Path, targets: list[str]) -> None:
        folder.mkdir(exist_ok=True)
        os.chown(folder, NOBODY, NOBODY)
        self.log = folder / "received.jsonl"
        status = folder / "status.json"
        self.proc = subprocess.Popen(
            [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-I", "-c",
             SQUATTER, str(status), str(self.log), json.dumps(targets)], cwd="/")
        deadline = time.monotonic() + 30
        while not status.exists():
            assert self.proc.poll() is None, "the squatter died"
            assert time.monotonic() < deadline, "the squatter did not start"
            time.sleep(0.05)
        info = json.loads(status.read_text())
        assert info["uid"] == NOBODY
        self.pid, self.bound = info["pid"], info["status"]

    def received(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    def assert_got_nothing(self) -> None:
        """No byte and no descriptor (a bare connect that was then closed is allowed)."""
        got = [e for e in self.received() if e["event"] == "data" and (e["bytes"] or e["fds"])]
        assert got == [], got
        assert SECRET not in "".join(e.get("text", "") for e in self.received())

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder under /tmp that every uid can traverse (pytest's own is 0700)."""
    base = Path(tempfile.mkdtemp(prefix="qaflow-sec-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "QAFLOW_HOME": str(home), "QAFLOW_TEST_TOKEN": SECRET, **extra}
    env.pop("QAFLOW_WARM", None)
    return env


def _providers(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([QAFLOW, "mockdata", "providers", "--json"], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=180)


def _ran_correctly(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) >= 40  # the real list of providers, not a squatter's "exit 0"


# ------------------------------------------------------------------ squatters of another uid


def test_a_squatter_who_made_the_runner_folder_first_gets_nothing(shared: Path, tmp_path: Path) -> None:
    """QAFLOW_HOME is writable by others (a shared folder): another uid makes server/warm/ first,
    listens in it, records its pid there, and also binds the abstract name the client used to use."""
    home = shared / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    planted = home / "server" / "warm"
    subprocess.run([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "mkdir", "-m", "777",
                    "-p", str(planted)], check=True)
    squatter = Squatter(shared / "squat", [_old_abstract_name(home), str(planted / "sock")])
    try:
        assert set(squatter.bound.values()) == {"bound"}
        (planted / "pid").write_text(str(squatter.pid))
        os.chown(planted / "pid", NOBODY, NOBODY)

        done = _providers(_env(home), tmp_path)
        _ran_correctly(done)  # ran in its own process
        assert f"{planted} belongs to uid {NOBODY}" in done.stderr
        # A failing command keeps its real status (not the squatter's 0).
        bad = subprocess.run([QAFLOW, "mockdata", "generate", "missing.sql", "--rows", "5", "--out", "x"],
                             env=_env(home), cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert bad.returncode == 1 and "missing.sql" in bad.stderr

        # `qaflow server up` does not start a runner there either: it says why.
        runner = subprocess.run([sys.executable, "-m", "flows.warm"], env=_env(home), cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert runner.returncode != 0 and f"belongs to uid {NOBODY}" in runner.stderr
        assert squatter.received() == []  # not even a connection
    finally:
        squatter.stop()


@pytest.mark.parametrize("plant", ["symlink", "foreign socket", "foreign listener", "another pid"])
def test_a_planted_socket_or_link_in_the_private_folder_is_refused(shared: Path, tmp_path: Path, plant: str) -> None:
    """Whatever sits at server/warm/sock, the client checks it (and the listener's uid and pid)
    before it sends a byte, then runs the command itself."""
    home = shared / "home"
    folder = warm_socket.open_folder(str(home), create=True)
    os.close(folder)
    private = home / "server" / "warm"
    assert private.stat().st_mode & 0o777 == 0o700
    squatter = Squatter(shared / "squat", [str(shared / "squat" / "sock")])
    listener = None
    try:
        (private / "pid").write_text(str(squatter.pid))
        if plant == "symlink":
            (private / "sock").symlink_to(shared / "squat" / "sock")
            reason = "is not a socket (a symbolic link?)"
        elif plant in ("foreign socket", "foreign listener"):
            os.rename(shared / "squat" / "sock", private / "sock")  # the squatter's socket, moved in by root
            if plant == "foreign listener":
                os.chown(private / "sock", 0, 0)  # even a socket file that looks ours: the listener's uid counts
                reason = f"is served by uid {NOBODY}"
            else:
                reason = f"sock belongs to uid {NOBODY}"
        else:  # this user's own listener, but not the process the runner recorded
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(private / "sock"))
            listener.listen(8)
            received: list[bytes] = []
            threading.Thread(target=_record, args=(listener, received), daemon=True).start()
            reason = f"is served by pid {os.getpid()}, not by the runner (pid {squatter.pid})"

        done = _providers(_env(home), tmp_path)
        _ran_correctly(done)
        assert "not using the warm runner" in done.stderr and reason in done.stderr, done.stderr
        squatter.assert_got_nothing()
        if plant == "foreign listener":
            assert [e["event"] for e in squatter.received()][:1] == ["connect"]  # it connected, then said nothing
        if listener is not None:
            time.sleep(0.2)
            assert received == []
    finally:
        squatter.stop()
        if listener is not None:
            listener.close()


def _record(listener: socket.socket, received: list[bytes]) -> None:
    with contextlib.suppress(OSError):
        while True:
            conn, _ = listener.accept()
            conn.sendall(b'{"pid": 1}\n{"exit": 0}\n')
            while chunk := conn.recv(1 << 16):
                received.append(chunk)
            conn.close()


@pytest.mark.parametrize("problem", ["group bits", "symlink"])
def test_a_loose_or_linked_private_folder_is_refused(shared: Path, problem: str, capsys: pytest.CaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = shared / "home"
    (home / "server").mkdir(parents=True)
    if problem == "group bits":
        (home / "server" / "warm").mkdir(mode=0o750)
        (home / "server" / "warm").chmod(0o750)
    else:
        (shared / "elsewhere").mkdir(mode=0o700)
        (home / "server" / "warm").symlink_to(shared / "elsewhere")
    monkeypatch.setenv("QAFLOW_HOME", str(home))
    assert warm_client.run_warm(["mockdata", "providers"]) is None  # run here instead
    assert warm_client.running_pid() is None
    said = capsys.readouterr().err
    assert ("has mode 0750" if problem == "group bits" else "is not a folder") in said
    with pytest.raises(warm_socket.Untrusted):
        warm_socket.Place(str(home))  # nor does a runner start there


# ------------------------------------------------------------------ a real runner


@pytest.fixture(scope="module")
def runner(prefect_api: None) -> Iterator[dict]:
    """One warm runner for the module, its QAFLOW_HOME in a folder other uids can traverse."""
    from prefect.settings import PREFECT_API_URL

    base = Path(tempfile.mkdtemp(prefix="qaflow-sec-", dir="/tmp"))
    base.chmod(0o755)
    home = base / "home"
    env = {**os.environ, "QAFLOW_HOME": str(home), "PREFECT_API_URL": PREFECT_API_URL.value(),
           "QAFLOW_TEST_TOKEN": SECRET}
    env.pop("QAFLOW_WARM", None)
    log = base / "warm.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flows.warm"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={k: v for k, v in env.items() if k != "PREFECT_API_URL"})
    previous = os.environ["QAFLOW_HOME"]
    os.environ["QAFLOW_HOME"] = str(home)
    try:
        deadline = time.monotonic() + 180
        while warm_client.running_pid() != proc.pid:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the warm runner did not come up"
            time.sleep(0.2)
        yield {"env": env, "proc": proc, "home": home, "log": log, "base": base,
               "sock": home / "server" / "warm" / "sock"}
    finally:
        os.environ["QAFLOW_HOME"] = previous
        proc.terminate()
        proc.wait(30)
        print(log.read_text())
        shutil.rmtree(base, ignore_errors=True)


def _forked(log: Path) -> list[int]:
    """Pids of the commands the runner forked, in order (its log says `pid N: qaflow ...`)."""
    return [int(line.split("pid ")[1].split(":")[0]) for line in log.read_text().splitlines() if ": qaflow " in line]


def test_another_uid_can_neither_take_nor_use_the_runners_socket(runner: dict, tmp_path: Path) -> None:
    """The runner's folder is 0700: another uid cannot bind there; the old abstract name it can
    bind gets nothing, and the command runs in the runner."""
    private = runner["sock"].parent
    assert private.stat().st_mode & 0o777 == 0o700 and runner["sock"].stat().st_mode & 0o777 == 0o600
    squatter = Squatter(runner["base"] / "squat", [_old_abstract_name(runner["home"]), str(private / "sock2"),
                                                   str(runner["sock"])])
    try:
        assert squatter.bound[_old_abstract_name(runner["home"])] == "bound"
        assert squatter.bound[str(private / "sock2")] == "PermissionError"
        assert squatter.bound[str(runner["sock"])] == "PermissionError"
        before = len(_forked(runner["log"]))
        _ran_correctly(_providers(runner["env"], tmp_path))
        assert len(_forked(runner["log"])) == before + 1  # it went through the runner
        assert squatter.received() == []
    finally:
        squatter.stop()


def test_the_runner_serves_no_other_uid(runner: dict, tmp_path: Path) -> None:
    """Even handed a way to the socket (a descriptor of it, the file opened up), a process of
    another uid that sends a whole request with its descriptors gets no command forked."""
    fd = os.open(runner["sock"], os.O_PATH)
    os.chmod(runner["sock"], 0o666)
    client = r"""
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(f"/proc/self/fd/{sys.argv[1]}")
body = json.dumps({"protocol": int(sys.argv[3]), "python": json.loads(sys.argv[2]), "argv": ["mockdata", "providers"],
                   "cwd": "/", "env": {}, "umask": 18, "rlimits": {}}).encode()
try:
    socket.send_fds(s, [struct.pack("!I", len(body))], [0, 1, 2])
    s.sendall(body)
    print(repr(s.recv(4096)))
except (BrokenPipeError, ConnectionResetError) as exc:
    print(type(exc).__name__)
"""
    try:
        before = len(_forked(runner["log"]))
        done = subprocess.run([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                               "-I", "-c", client, str(fd), json.dumps(warm_client.python_identity()),
                               str(warm_client.PROTOCOL)], pass_fds=[fd],
                              capture_output=True, text=True, timeout=60, cwd="/")
    finally:
        os.chmod(runner["sock"], 0o600)
        os.close(fd)
    assert done.returncode == 0, done.stderr  # it did reach the runner...
    assert done.stdout.strip() in ("b''", "BrokenPipeError", "ConnectionResetError")  # ...which said nothing
    assert f"refused a connection from uid {NOBODY}" in runner["log"].read_text()
    assert len(_forked(runner["log"])) == before


def test_idle_connections_do_not_hold_up_a_command(runner: dict, tmp_path: Path) -> None:
    """Another process holds 20 connections open (some with half a request); a real command still
    goes through the runner at once."""
    holder = r"""
import socket, struct, sys, time
conns = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    if i % 3 == 1:
        s.send(b"\0\0")  # half a header
    elif i % 3 == 2:
        s.send(struct.pack("!I", 4000) + b"{")  # a header, then a body that never comes
    conns.append(s)
print("ready", flush=True)
time.sleep(120)
"""
    proc = subprocess.Popen([sys.executable, "-c", holder, str(runner["sock"])], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        before = len(_forked(runner["log"]))
        started = time.monotonic()
        done = _providers(runner["env"], tmp_path)
        took = time.monotonic() - started
        _ran_correctly(done)
        assert len(_forked(runner["log"])) == before + 1  # served by the runner, not run cold after a timeout
        assert took < warm.REQUEST_DEADLINE - 2, f"{took:.1f} s behind 20 idle connections"
        assert proc.poll() is None  # the idle connections were still there all along
    finally:
        proc.kill()
        proc.wait(10)


def test_the_command_takes_the_callers_umask_time_zone_and_limits(runner: dict, tmp_path: Path) -> None:
    """The runner was started with umask 022, no TZ and its own limits; the command must have the
    caller's, as it would running in its own process. Read from /proc and from what it writes."""
    (tmp_path / "things.sql").write_text(SCHEMA)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = min(777, hard)

    def caller() -> None:
        os.umask(0o027)
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    env = {**runner["env"], "TZ": "QAF-05:45"}  # a POSIX zone: UTC+05:45, no tzdata needed
    before = len(_forked(runner["log"]))
    started = time.time()
    client = subprocess.Popen([QAFLOW, "mockdata", "generate", "things.sql", "--rows", "50000000", "--out", "data"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              preexec_fn=caller)
    try:
        deadline = time.monotonic() + 60
        while len(_forked(runner["log"])) == before:
            assert client.poll() is None, client.stderr.read()
            assert time.monotonic() < deadline, "the runner forked no command"
            time.sleep(0.05)
        pid = _forked(runner["log"])[-1]
        assert re.search(r"^Umask:\s+0022$", Path(f"/proc/{runner['proc'].pid}/status").read_text(), re.M)
        stamp = _first_log_stamp(client, within=120)  # Prefect's log lines carry local time
        status = Path(f"/proc/{pid}/status").read_text()  # read once the command runs: set-up is over
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert re.search(r"^Umask:\s+0027$", status, re.M), status
        assert re.search(rf"^Max open files\s+{nofile}\s+{hard if hard != resource.RLIM_INFINITY else 'unlimited'}",
                         limits, re.M), limits
        assert re.search(r"^Max core file size\s+0\s+0", limits, re.M), limits
    finally:
        client.send_signal(signal.SIGINT)
        client.communicate(timeout=60)
    assert client.returncode != 0
    assert gone_within(pid, 30)
    hour, minute = stamp
    shifted = time.gmtime(started + 5 * 3600 + 45 * 60)
    assert (hour * 60 + minute - (shifted.tm_hour * 60 + shifted.tm_min)) % 1440 <= 2, stamp

    # What it writes gets the caller's umask: 077 -> files 0600, folders 0700.
    done = subprocess.run([QAFLOW, "mockdata", "generate", "things.sql", "--rows", "200", "--out", "small", "--json"],
                          cwd=tmp_path, env=runner["env"], capture_output=True, text=True, timeout=180,
                          preexec_fn=lambda: os.umask(0o077))
    assert done.returncode == 0, done.stderr
    assert len(_forked(runner["log"])) == before + 2
    parts = list((tmp_path / "small" / "things").glob("*.parquet"))
    assert parts
    for path in [*parts, tmp_path / "small" / "things"]:
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))


def _first_log_stamp(client: subprocess.Popen, within: float) -> tuple[int, int]:
    """(hour, minute) of the first `HH:MM:SS.mmm | LEVEL | ...` line the command writes to stderr."""
    found: list[tuple[int, int]] = []
    seen: list[str] = []

    def read() -> None:
        for line in client.stderr:
            seen.append(line)
            if match := re.match(r"(\d\d):(\d\d):\d\d\.\d{3} \| ", line):
                found.append((int(match[1]), int(match[2])))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(within)
    assert found, "".join(seen)[-2000:]
    return found[0]


# ------------------------------------------------------------------ nothing started is never exit 0


def test_a_command_killed_in_the_runner_is_not_reported_as_success(runner: dict, tmp_path: Path) -> None:
    (tmp_path / "things.sql").write_text(SCHEMA)
    before = len(_forked(runner["log"]))
    client = subprocess.Popen([QAFLOW, "mockdata", "generate", "things.sql", "--rows", "50000000", "--out", "data"],
                              cwd=tmp_path, env=runner["env"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.monotonic() + 60
    while len(_forked(runner["log"])) == before:
        assert client.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    _first_log_stamp(client, within=120)  # the command runs (it has told the client its pid)
    os.kill(_forked(runner["log"])[-1], signal.SIGKILL)
    _, err = client.communicate(timeout=60)
    assert client.returncode == 1
    assert "ended without an exit status" in err


def test_malformed_requests_are_refused_and_the_runner_goes_on(runner: dict, tmp_path: Path) -> None:
    def ask(header_and_body: bytes, fds: list[int]) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(str(runner["sock"]))
            socket.send_fds(s, [header_and_body], fds)
            return s.recv(4096)

    before = len(_forked(runner["log"]))
    assert b'"refused"' in ask(b"\0\0\0\x05nope!", [0, 1, 2])
    assert b'"refused"' in ask(b"\0\0\0\x02{}", [0, 1, 2])
    body = json.dumps({"protocol": warm_client.PROTOCOL, "python": warm_client.python_identity(),
                       "argv": ["mockdata", 5], "cwd": "/", "env": {}, "umask": 18, "rlimits": {}}).encode()
    assert b"malformed request: argv" in ask(len(body).to_bytes(4, "big") + body, [0, 1, 2])
    assert b"malformed request" in ask(len(body).to_bytes(4, "big") + body, [0])  # no stdout or stderr
    assert b'"refused"' in ask((warm.MAX_REQUEST + 1).to_bytes(4, "big"), [0, 1, 2])
    assert len(_forked(runner["log"])) == before
    _ran_correctly(_providers(runner["env"], tmp_path))
    assert len(_forked(runner["log"])) == before + 1


class _FakeRunner:
    """This process listening in a private folder and recorded as the runner: it answers `lines`."""

    def __init__(self, home: Path, lines: bytes) -> None:
        self.place = warm_socket.Place(str(home))
        self.listener = self.place.listen()
        self.lines = lines
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            header = conn.recv(4)
            size, got = int.from_bytes(header, "big"), 0
            while got < size:
                got += len(conn.recv(size - got))
            if self.lines:
                conn.sendall(self.lines)

    def close(self) -> None:
        self.listener.close()
        self.place.close()


@pytest.mark.parametrize(("answer", "expected"), [
    (b'{"pid": 999999}\n', 1),  # started, then gone without a status
    (b'{"pid": 999999}\n{"exit": 256}\n', 1),  # a status the shell would read as 0
    (b'{"pid": 999999}\n{"exit": true}\n', 1),
    (b'{"exit": 0}\n', 1),  # a status for a command it never said it started
    (b"not json\n", 1),
    (b'{"refused": "busy"}\n', None),  # refused: nothing started, the caller runs it itself
    (b"", None),  # closed before any answer: nothing started
])
def test_the_client_never_takes_a_bad_answer_for_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          answer: bytes, expected: int | None) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("QAFLOW_HOME", str(home))
    fake = _FakeRunner(home, answer)
    try:
        assert warm_client.run_warm(["mockdata", "providers"], timeout=5) == expected
    finally:
        fake.close()
