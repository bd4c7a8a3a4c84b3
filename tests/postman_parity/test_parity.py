"""Parity with Newman is the test: a realistic scripted collection (scripts at collection,
folder and request level; variables in every scope; dynamic variables; moment, lodash,
crypto-js, uuid, tv4; the legacy API; deliberate failures, a skipped test and a script
that throws) runs through Newman and through qaflow (import -> features -> execution),
each against its own fresh booking API on 127.0.0.1, and every request's status code,
every assertion (by name, in order, pass or fail or skipped) and every script error
must agree. Newman is installed with npm when missing; if it cannot be, this fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from examples.demo_api.server import start_demo_api
from tasks.settings import project_root
from tests.postman_parity import harness
from tests.postman_parity.booking_api import booking_api

HERE = Path(__file__).parent / "collections"
COLLECTION = HERE / "booker.postman_collection.json"
ENVIRONMENT = HERE / "booker.postman_environment.json"
TEAM = project_root() / "examples" / "postman"  # the README's collection and environment


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    out = tmp_path_factory.mktemp("parity")
    with booking_api() as url:
        newman = harness.run_newman(COLLECTION, ENVIRONMENT, url, out)
    with booking_api() as url:
        ours = harness.run_qaflow(COLLECTION, ENVIRONMENT, url, out)
    return newman, ours


def test_newman_ran_the_collection_as_written(runs: tuple[dict, dict]) -> None:
    newman, _ = runs
    assert len(newman) == 11
    assertions = [a for r in newman.values() for a in r.assertions]
    assert len(assertions) >= 40
    # the collection fails on purpose in places: a comparison that cannot fail proves nothing
    assert sorted(name for name, ok, skipped in assertions if not ok) == [
        "Expects 200 (fails)", "No token (fails: the API answers 200 anyway)", "Not JSON (fails)", "Wrong total (fails)"]
    assert [name for name, _, skipped in assertions if skipped] == ["Rate limits are checked later"]
    assert [r.name for r in newman.values() if r.script_error] == ["Missing booking"]


def test_qaflow_agrees_with_newman_on_every_request_and_assertion(runs: tuple[dict, dict]) -> None:
    newman, ours = runs
    assert harness.differences(newman, ours) == []
    # a script that maps exactly onto catalogue steps was translated; every other one ran in the sandbox
    assert ours["Ping translated"].assertions is None
    assert all(r.assertions for name, r in ours.items() if name != "Ping translated")


def test_the_readme_collection_runs_in_order_as_in_newman(tmp_path: Path) -> None:
    """Create, read, page, delete, check it is gone: one folder whose requests depend on
    each other's server state, which only an in-order run gets right."""
    outcomes = []
    for run in (harness.run_newman, harness.run_qaflow):
        base_url, stop = start_demo_api(token="demo-token")  # the token of local.postman_environment.json
        try:
            out = tmp_path / run.__name__
            out.mkdir()
            outcomes.append(run(TEAM / "demo-api.postman_collection.json", TEAM / "local.postman_environment.json",
                                base_url, out))
        finally:
            stop()
    newman, ours = outcomes
    assert len(newman) == 6 and all(r.passed for r in newman.values())
    assert newman["Deleted user is gone"].code == 404
    assert harness.differences(newman, ours) == []
