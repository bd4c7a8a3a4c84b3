"""The warm runner (flows.warm): a real runner process, the real `qaflow` console script."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import warm, warm_client
from flows.processes import gone_within

ROOT = Path(__file__).resolve().parents[2]
QAFLOW = str(Path(sys.executable).with_name("qaflow"))
SCHEMA = "CREATE TABLE things (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2));\n"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: None) -> Iterator[dict]:
    """A warm runner for a fresh QAFLOW_HOME, and the environment a user's shell would have."""
    from prefect.settings import PREFECT_API_URL

    home = tmp_path / "home"
    monkeypatch.setenv("QAFLOW_HOME", str(home))
    env = {**os.environ, "QAFLOW_HOME": str(home), "PREFECT_API_URL": PREFECT_API_URL.value()}
    runner_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}  # the caller's env must reach the child
    log = tmp_path / "warm.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flows.warm"], cwd=ROOT, env=runner_env, stdout=out,
                                stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while warm_client.running_pid() != proc.pid:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the warm runner did not come up"
        time.sleep(0.2)
    try:
        yield {"env": env, "proc": proc, "home": home, "log": log}
    finally:
        proc.terminate()
        proc.wait(30)
        print(log.read_text())


def _command_pid(log: Path, within: float = 60) -> int:
    """The pid of the command the runner forked last (its log says `pid N: qaflow ...`)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if ": qaflow " in line]
        if lines:
            return int(lines[-1].split("pid ")[1].split(":")[0])
        time.sleep(0.1)
    raise AssertionError("the runner forked no command")


def test_a_pipeline_command_runs_in_the_runner_with_the_callers_directory_and_environment(runner, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "things.sql").write_text(SCHEMA)
    done = subprocess.run([QAFLOW, "mockdata", "generate", "things.sql", "--rows", "500", "--out", "data",
                           "--seed", "3", "--json"], cwd=work, env=runner["env"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["rows"] == 500 and Path(summary["out_dir"]) == work / "data"  # relative to the caller's cwd
    assert len(list((work / "data" / "things").glob("part-*.parquet"))) >= 1

    # The flow run went to the caller's PREFECT_API_URL (the runner was started without one).
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    assert any(r.parameters.get("out_dir") == "data" for r in runs)

    # Errors keep their one line and exit status.
    bad = subprocess.run([QAFLOW, "mockdata", "generate", "missing.sql", "--rows", "5", "--out", "x"], cwd=work,
                         env=runner["env"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "missing.sql" in bad.stderr and "Traceback" not in bad.stderr

    log = runner["log"].read_text()
    assert "qaflow mockdata generate things.sql" in log
    assert "qaflow mockdata generate missing.sql" in log


@pytest.mark.parametrize("how", ["ctrl-c", "killed"])
def test_a_command_ends_when_its_caller_is_interrupted_or_killed(runner, tmp_path, how):
    """Ctrl-C reaches the command; a killed caller interrupts it too. Nothing half-written is left."""
    (tmp_path / "things.sql").write_text(SCHEMA)
    client = subprocess.Popen([QAFLOW, "mockdata", "generate", "things.sql", "--rows", "50000000", "--out", "data"],
                              cwd=tmp_path, env=runner["env"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    pid = _command_pid(runner["log"])
    time.sleep(3)  # into the flow
    assert client.poll() is None, client.stderr.read()
    if how == "ctrl-c":
        client.send_signal(signal.SIGINT)
        assert client.wait(60) == 130, client.stderr.read()  # the conventional status, relayed from the command
    else:
        client.kill()
        client.wait(10)
    assert gone_within(pid, 60), "the command kept running"
    assert not (tmp_path / "data" / "things").exists()


def test_without_a_runner_the_command_runs_in_its_own_process(tmp_path, monkeypatch):
    monkeypatch.setenv("QAFLOW_HOME", str(tmp_path / "home"))
    assert warm_client.running_pid() is None
    assert warm_client.run_warm(["mockdata", "providers"]) is None
    done = subprocess.run([QAFLOW, "mockdata", "providers", "--json"], env={**os.environ}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) >= 40


def test_the_runner_refuses_stale_code_and_restarts_with_the_new(runner):
    source = Path(warm.__file__)
    before = source.stat()
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    try:
        # refused: the caller runs it itself, and the restarted runner holds none of its pipes
        refused = subprocess.run([QAFLOW, "mockdata", "providers", "--json"], env=runner["env"],
                                 capture_output=True, text=True, timeout=120)
    finally:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert refused.returncode == 0 and len(json.loads(refused.stdout)) >= 40
    assert "code changed" in runner["log"].read_text()
    deadline = time.monotonic() + 120
    while warm_client.running_pid() != runner["proc"].pid:  # the same process, re-executed
        assert runner["proc"].poll() is None
        assert time.monotonic() < deadline, "the runner did not come back"
        time.sleep(0.2)
    done = subprocess.run([QAFLOW, "mockdata", "providers", "--json"], env=runner["env"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and len(json.loads(done.stdout)) >= 40


@pytest.mark.parametrize(("argv", "expected"), [
    (["mockdata", "generate", "s.sql", "--rows", "5"], True),
    (["--debug", "rag", "sync", "docs"], True),
    (["rag", "watch", "docs"], False),
    (["demo"], True),
    (["mockdata", "--help"], False),
    (["server", "up"], False),
    (["version"], False),
    ([], False),
])
def test_which_commands_go_to_the_runner(argv, expected, monkeypatch):
    monkeypatch.delenv("QAFLOW_WARM", raising=False)
    assert warm_client.wanted(argv) is expected
    monkeypatch.setenv("QAFLOW_WARM", "0")
    assert warm_client.wanted(argv) is False


@pytest.mark.parametrize("value", ["0", "1", "false", "False", "off", "no", "n", "f", "true", "yes", "on"])
def test_the_client_reads_qaflow_warm_as_the_settings_do(value, monkeypatch):
    """QAFLOW_WARM is read twice by nature: by the stdlib client before pydantic loads, and by
    Settings (documented with every QAFLOW_* variable). The two readings must agree."""
    from tasks.settings import Settings

    monkeypatch.setenv("QAFLOW_WARM", value)
    assert warm_client.enabled() is Settings().warm
    monkeypatch.delenv("QAFLOW_WARM")
    monkeypatch.setenv("qaflow_warm", value)  # any letter case, as pydantic-settings matches it
    assert warm_client.enabled() is Settings().warm


def test_forked_commands_draw_their_own_faker_values():
    """The runner preloads a Faker (Postman's {{$random...}}); each forked command must not replay
    its random stream. The control fork (no reseed) shows the replay the reseed prevents."""
    probe = """
import json, os, sys
from flows import warm
from tasks.pmsandbox.dynamic import faker_for
faker_for("en_US")
def child(reseed):
    read, write = os.pipe()
    if os.fork() == 0:
        if reseed:
            warm._fresh_randomness()
        os.write(write, json.dumps([faker_for("en_US").email() for _ in range(5)]).encode())
        os._exit(0)
    os.close(write)
    data = os.read(read, 65536)
    os.wait()
    return json.loads(data)
print(json.dumps({"control": [child(False), child(False)], "reseeded": [child(True), child(True)]}))
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    drawn = json.loads(done.stdout)
    assert drawn["control"][0] == drawn["control"][1]  # what forking alone does
    assert drawn["reseeded"][0] != drawn["reseeded"][1]
