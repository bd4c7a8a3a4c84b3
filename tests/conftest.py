"""Session-wide test set-up: an isolated QAFLOW_HOME and PREFECT_HOME, and one
Prefect test harness (a real temporary Prefect API) for the flow tests.

Unit tests call plain functions or `task.fn(...)` and need no API; flow tests
ask for the `prefect_api` fixture (or mark their module with
`pytestmark = pytest.mark.usefixtures("prefect_api")`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Prefect: nothing in a test may touch the user's state.
_session_dir = Path(tempfile.mkdtemp(prefix="qaflow-tests-"))
os.environ["QAFLOW_HOME"] = str(_session_dir / "qaflow-home")
os.environ["PREFECT_HOME"] = str(_session_dir / "prefect-home")
os.environ.pop("PREFECT_API_URL", None)
# No test starts the background server by accident: those that test it ask for it.
os.environ["QAFLOW_SERVER"] = "never"
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "QAFLOW_LLM_MODEL", "QAFLOW_LLM_PROVIDER"):
    os.environ.pop(_var, None)

from tasks.environment import apply_defaults  # noqa: E402

apply_defaults()

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One real temporary Prefect API for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True)
def _no_api_url_after_the_test() -> Iterator[None]:
    """In-process CLI commands point this process at an API (start_api sets PREFECT_API_URL);
    that must not leak into later tests, which would then find an API they should not."""
    yield
    os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture
def qaflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh QAFLOW_HOME for one test, so stores, manifests and caches start empty."""
    home = tmp_path / "qaflow-home"
    monkeypatch.setenv("QAFLOW_HOME", str(home))
    return home
