"""The small base modules: QAFLOW_HOME in one place, RSS in MiB, one progress shape."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tasks import paths
from tasks.environment import DEFAULTS
from tasks.memory import peak_rss_mib, rss_mib
from tasks.progress import ProgressEvent, ProgressHooks
from tasks.settings import settings


def test_home_path_reads_qaflow_home_in_any_letter_case_as_settings_do(tmp_path: Path) -> None:
    assert paths.home_path({"QAFLOW_HOME": str(tmp_path / "h")}) == tmp_path / "h"
    assert paths.home_path({"qaflow_home": str(tmp_path / "l")}) == tmp_path / "l"
    assert paths.home_path({}) == Path.cwd() / ".qaflow"
    assert paths.home_path({"QAFLOW_HOME": "~/x"}) == Path.home() / "x"


def test_settings_and_paths_agree_and_state_dirs_are_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("QAFLOW_HOME")
    monkeypatch.setenv("Qaflow_Home", str(tmp_path / "mixed"))
    assert settings().home.resolve() == paths.home_path() == tmp_path / "mixed"
    folder = paths.state_dir(*paths.MODELS_ONNX)
    assert folder == tmp_path / "mixed" / "models" / "onnx" and folder.is_dir()


def test_paths_is_standard_library_only_and_sets_nothing() -> None:
    code = ("import os, sys; before = dict(os.environ); import tasks.paths, tasks.files, tasks.memory, tasks.progress;"
            "assert dict(os.environ) == before;"
            "third = sorted(m for m in sys.modules if m.split('.')[0] in {'pydantic', 'prefect', 'typer', 'psutil'});"
            "print(third)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_importing_the_packages_leaves_the_environment_unchanged() -> None:
    code = "import os; before = dict(os.environ); import blocks, tasks; print(dict(os.environ) == before)"
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS}  # apply_defaults() would set them all
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "True", done.stderr


def test_rss_is_in_mib_and_grows_with_a_big_allocation() -> None:
    before, peak_before = rss_mib(), peak_rss_mib()
    with open("/proc/self/status") as handle:  # the kernel's own figure, in kB (KiB)
        vmrss = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:")) / 1024
    assert abs(before - vmrss) < 16
    block = bytearray(64 * 2**20)  # 64 MiB, touched
    assert rss_mib() - before > 48
    assert peak_rss_mib() >= max(peak_before, rss_mib() - 1)
    del block


def test_progress_hooks_get_one_event_shape_and_stop_when_removed() -> None:
    hooks = ProgressHooks()
    hooks.emit("rows", advance=5)  # nobody listens: nothing happens
    seen: list[ProgressEvent] = []
    assert not hooks.active
    with hooks.listening(seen.append):
        assert hooks.active
        hooks.emit("planned", total=3, bytes=10)
        hooks.emit("indexed", advance=2, chunks=7)
    hooks.emit("indexed", advance=1)
    assert seen == [ProgressEvent("planned", 0, 3, {"bytes": 10}), ProgressEvent("indexed", 2, None, {"chunks": 7})]
    with pytest.raises(TypeError):
        seen[1].info["chunks"] = 0  # type: ignore[index]
    remove = hooks.add(seen.append)
    remove()
    remove()  # twice is harmless
    hooks.emit("done")
    assert len(seen) == 2


def test_progress_from_threads_reaches_every_hook() -> None:
    hooks = ProgressHooks()
    counts = {"a": 0, "b": 0}
    lock = threading.Lock()

    def hook(name: str):
        def count(event: ProgressEvent) -> None:
            with lock:
                counts[name] += event.advance
        return count

    with hooks.listening(hook("a")), hooks.listening(hook("b")):
        workers = [threading.Thread(target=lambda: [hooks.emit("execute", 1) for _ in range(500)]) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert counts == {"a": 2000, "b": 2000}
