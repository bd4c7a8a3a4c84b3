"""The runner: validation before running, origin allowlist, auth, outlines,
variables, tags, transport retries (flaky), timeouts, redaction, truncation."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from blocks.target_api import AuthProfile, TargetAPI
from tasks.execution.features import FeatureError, tag_filter, validate_features
from tasks.execution.runner import execute_features
from tests.execution.conftest import TOKEN, failure

pytestmark = pytest.mark.server


def test_unbound_step_is_refused_before_anything_runs(tmp_path):
    good = tmp_path / "a_good.feature"
    good.write_text('Feature: good\n  Scenario: s\n    When I send a GET request to "/health"\n')
    bad = tmp_path / "b_bad.feature"
    bad.write_text(
        "Feature: bad\n  Scenario: s\n    Given the moon is full\n"
        '    When I send a FETCH request to "/x"\n'
        "    Then the response body should contain:\n"
    )
    broken = tmp_path / "c_broken.feature"
    broken.write_text("Feature: broken\n  Scenario: s\n    Given x\n  Examples oops\n   | a |\n")
    seen = []
    # a target nobody listens on: if anything ran, it would be a transport error, not FeatureError
    target = TargetAPI(base_url="http://127.0.0.1:9", timeout=1)
    with pytest.raises(FeatureError) as caught:
        execute_features([tmp_path], target, on_result=seen.append)
    problems = caught.value.problems
    assert seen == []
    assert f"{bad}:3: no catalogue step matches Given 'the moon is full'" in problems
    assert f"{bad}:4: no catalogue step matches When 'I send a FETCH request to \"/x\"'" in problems
    assert any(p.startswith(f"{bad}:5:") and "needs a doc string" in p for p in problems)
    assert any(p.startswith(f"{broken}:") for p in problems)
    assert not any(str(good) in p for p in problems)
    assert validate_features([good]) == []
    assert validate_features([bad]) == [p for p in problems if p.startswith(str(bad))]


def test_host_allowlist(run, target):
    port = urlsplit(target.base_url).port
    # an entry without a port means the scheme's default port, so the alias names its port
    allowed = target.model_copy(update={"allowed_hosts": [f"localhost:{port}"]})
    results = run(
        f'''Feature: hosts
  Scenario: other host refused
    When I send a GET request to "http://example.org/users"

  Scenario: other address refused
    When I send a GET request to "http://127.0.0.2:{port}/health"

  Scenario: base URL elsewhere refused
    Given the base URL is "https://evil.example.com"

  Scenario: allowed alias
    When I send a GET request to "http://localhost:{port}/health"
    Then the response status should be 200
''',
        allowed,
    )
    assert "request to http://example.org refused: not one of the target API's allowed origins" in failure(results["other host refused"])
    assert results["other host refused"].status == "failed"
    assert f"request to http://127.0.0.2:{port} refused" in failure(results["other address refused"])
    assert "request to https://evil.example.com refused" in failure(results["base URL elsewhere refused"])
    assert results["allowed alias"].status == "passed"


def test_outline_background_tags_and_variables(run, target, monkeypatch):
    monkeypatch.setenv("QAFLOW_TEST_PAGE_SIZE", "3")
    text = '''@REQ-7 @users
Feature: outlines
  Background:
    Given I am authenticated as "admin"

  @REQ-8 @smoke
  Scenario Outline: validation of <field>
    When I send a POST request to "/users" with body:
      """
      {"name": "<name>", "email": "<email>", "age": <age>}
      """
    Then the response status should be <status>

    Examples:
      | field | name | email           | age | status |
      | name  |      | a@example.com   | 1   | 422    |
      | email | Al   | not-an-email    | 1   | 422    |
      | age   | Al   | al@example.com  | -1  | 422    |

  @wip
  Scenario: variables from everywhere
    Given the query parameters are:
      | size | ${env.QAFLOW_TEST_PAGE_SIZE} |
    When I send a GET request to "/users"
    Then the response JSON at "$.size" should be ${page_size}
    And the response JSON at "$.size" should be ${env.QAFLOW_TEST_PAGE_SIZE}
    And the variable "stamp" is "${now}"
'''
    results = run(text, target, variables={"page_size": 3})
    names = list(results)
    assert names == [
        "validation of name [name |  | a@example.com | 1 | 422]",
        "validation of email [email | Al | not-an-email | 1 | 422]",
        "validation of age [age | Al | al@example.com | -1 | 422]",
        "variables from everywhere",
    ]
    assert all(s.status == "passed" for s in results.values()), [failure(s) for s in results.values() if s.status != "passed"]
    first = results[names[0]]
    assert first.requirement_ids == ["7", "8"]
    assert first.tags == ["@REQ-7", "@users", "@REQ-8", "@smoke"]
    assert first.keyword == "Scenario Outline" and first.steps[0].keyword == "Given"
    assert first.line == 16 and first.steps[1].line == 8
    assert results["variables from everywhere"].requirement_ids == ["7"]

    smoke = run.run(text, target, tags="@smoke and not @wip", variables={"page_size": 3})
    assert [s.name.split(" [")[0] for s in smoke.scenarios] == ["validation of name", "validation of email", "validation of age"]
    wip = run.run(text, target, tags="@wip", variables={"page_size": 3})
    assert [s.name for s in wip.scenarios] == ["variables from everywhere"]


def test_tag_expressions():
    assert tag_filter("@a and not (@b or @c)")(["@A"])
    assert not tag_filter("@a and not (@b or @c)")(["@a", "@c"])
    assert tag_filter("@a,@b")(["@b"])
    with pytest.raises(ValueError, match="expected a tag"):
        tag_filter("smoke")


def test_concurrency_keeps_file_order_and_reports_each_result(run, target):
    scenarios = "\n".join(
        f'  Scenario: s{i}\n    Given I am authenticated as "admin"\n    When I send a GET request to "/users?page={i + 1}"\n'
        "    Then the response status should be 200\n"
        for i in range(20)
    )
    seen = []
    result = run.run(f"Feature: many\n{scenarios}", target, concurrency=4, on_result=seen.append)
    assert [s.name for s in result.scenarios] == [f"s{i}" for i in range(20)]
    assert sorted(s.name for s in seen) == sorted(s.name for s in result.scenarios)
    assert result.totals.scenarios == 20 and result.totals.passed == 20 and result.ok
    sent = result.scenarios[3].steps[1]
    assert sent.request == {"method": "GET", "url": f"{target.base_url}/users?page=4"}
    assert set(sent.response) == {"status", "elapsed_ms"} and sent.response["status"] == 200


IN_ORDER = """Feature: users, as a Postman folder runs
  @in-order
  Scenario: create
    Given I am authenticated as "admin"
    When I send a POST request to "/users" with body:
      \"\"\"json
      {"name": "Ord", "email": "ord-${uuid}@example.com"}
      \"\"\"
    Then the response status should be 201
    And I save the response JSON at "$.id" as "user_id"
    And the Postman tests of "create" pass:
      \"\"\"
      pm.environment.set("made", pm.response.json().email);
      \"\"\"

  Scenario: unordered, alongside
    Given I am authenticated as "admin"
    When I send a GET request to "/health"
    Then the response status should be 200

  @in-order
  Scenario: delete
    Given I am authenticated as "admin"
    When I send a DELETE request to "/users/${user_id}"
    Then the response status should be 204

  @in-order
  Scenario: gone
    Given I am authenticated as "admin"
    When I send a GET request to "/users/${user_id}"
    Then the response status should be 404
    And the Postman tests of "gone" pass:
      \"\"\"
      pm.test("the environment kept what create set", function () {
        pm.expect(pm.environment.get("made")).to.match(/^ord-/);
      });
      \"\"\"
"""


@pytest.mark.parametrize("concurrency", [1, 8])
def test_in_order_scenarios_run_one_after_another_and_share_variables(run, target, concurrency):
    by_name = run(IN_ORDER, target, concurrency=concurrency)
    assert {name: s.status for name, s in by_name.items()} == {
        "create": "passed", "unordered, alongside": "passed", "delete": "passed", "gone": "passed"}
    gone = by_name["gone"].steps[-1]
    assert [(a.name, a.passed) for a in gone.assertions] == [("the environment kept what create set", True)]
    # without the tag the same scenarios stand alone: "delete" has no ${user_id}
    alone = run(IN_ORDER.replace("@in-order", "@alone"), target, name="alone.feature", concurrency=concurrency)
    assert alone["create"].status == "passed" and alone["delete"].status == "failed"
    assert "user_id" in failure(alone["delete"])


def test_streamed_run_keeps_nothing_in_memory_and_logs_redacted_results(run, target, tmp_path):
    """With a log, results go to disk as they finish (planned order restored by the index);
    the log holds only redacted results and the run keeps totals and the first failures."""
    scenarios = "\n".join(
        f'  Scenario: s{i}\n    Given I am authenticated as "admin"\n    And the request header "X-Echo" is "{TOKEN}"\n'
        f'    When I send a GET request to "/users?page={i + 1}"\n'
        f"    Then the response status should be {200 if i % 3 else 418}\n"
        for i in range(12)
    )
    seen = []
    log = tmp_path / "out" / "results.jsonl"
    result = run.run(f"Feature: many\n{scenarios}", target, concurrency=4, on_result=seen.append, log=log,
                     keep_bodies="all")
    assert result.scenarios == [] and result.logs == [str(log)] and len(seen) == 12
    assert not log.with_name("results.jsonl.partial").exists()
    assert result.totals.scenarios == 12 and result.totals.failed == 4 and not result.ok
    assert [f["scenario"] for f in result.failed_scenarios()] == sorted(
        (f"s{i}" for i in range(0, 12, 3)), key=[s.name for s in seen].index)
    assert "expected status 418, got 200" in result.failed_scenarios()[0]["error"]
    text = log.read_text(encoding="utf-8")
    assert TOKEN not in text and len(text.splitlines()) == 12
    from tasks.execution.result_log import ResultIndex

    back = list(ResultIndex(result.logs).scenarios())
    assert [s.name for s in back] == [f"s{i}" for i in range(12)]
    assert back[1].steps[2].request["headers"]["X-Echo"] == "***"


def test_scenario_timeout(run, target):
    results = run(
        '''Feature: slow
  Scenario: never ends in time
    Given I am authenticated as "admin"
    When I poll GET "/users" until the response JSON at "$.total" is -1 within 1000 attempts
    Then the response status should be 200
''',
        target,
        scenario_timeout=0.6,
    )
    scenario = results["never ends in time"]
    assert scenario.status == "error"
    assert failure(scenario) == "scenario timed out after 0.6 s"
    assert scenario.steps[-1].status == "skipped"
    assert scenario.duration_s < 3


def test_secrets_redacted_and_bodies_truncated(run, target):
    result = run.run(
        f'''Feature: secrets
  Scenario: token in a header and a body
    Given I am authenticated as "admin"
    And the request header "X-Echo" is "{TOKEN}"
    When I send a POST request to "/users" with body:
      """
      {{"name": "{TOKEN}", "email": "t-${{uuid}}@example.com"}}
      """
    Then the response status should be 201
    And the response JSON at "$.name" should be "someone else"
''',
        target,
        body_cap=60,
        keep_bodies="all",
    )
    scenario = result.scenarios[0]
    assert scenario.status == "failed"
    dumped = result.model_dump_json()
    assert TOKEN not in dumped
    step = scenario.steps[2]
    assert step.request["headers"]["X-Echo"] == "***"
    assert "[truncated:" in step.response["body"]
    assert failure(scenario) == 'at $.name: expected "someone else", got "***"'


# ---- transport retries: a proxy that resets the first connections it gets ----------


class ResettingProxy:
    """Forwards TCP to the demo API, but resets (RST) the first `resets` connections."""

    def __init__(self, upstream_port: int, resets: int) -> None:
        self.upstream_port = upstream_port
        self.resets = resets
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.accepted <= self.resets:
                conn.recv(65536)  # read the request, then reset instead of answering
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(demo_api) -> Iterator[ResettingProxy]:
    proxy = ResettingProxy(urlsplit(demo_api).port, resets=1)
    yield proxy
    proxy.close()


FLAKY = '''Feature: flaky network
  Scenario: survives a reset
    Given I am authenticated as "admin"
    When I send a GET request to "/users"
    Then the response status should be 200
'''


def test_transport_reset_is_retried_and_flaky(run, proxy):
    target = TargetAPI(
        base_url=f"http://127.0.0.1:{proxy.port}", auth_profiles={"admin": AuthProfile(token=TOKEN)}, timeout=5
    )
    result = run.run(FLAKY, target)
    scenario = result.scenarios[0]
    assert scenario.status == "passed", failure(scenario)
    assert scenario.flaky and scenario.steps[1].retries == 1
    assert result.totals.flaky == 1
    assert proxy.accepted == 2


def test_transport_errors_without_retries_are_errors(run, proxy):
    target = TargetAPI(base_url=f"http://127.0.0.1:{proxy.port}", timeout=5)
    result = run.run(FLAKY.replace('    Given I am authenticated as "admin"\n', ""), target, transport_retries=0)
    scenario = result.scenarios[0]
    assert scenario.status == "error"
    assert "failed after 1 attempts" in failure(scenario)
    assert scenario.steps[0].response["error"]


def test_request_timeout_is_a_transport_error(tmp_path):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    try:
        port = silent.getsockname()[1]
        feature = Path(tmp_path / "t.feature")
        feature.write_text('Feature: t\n  Scenario: s\n    When I send a GET request to "/x"\n')
        target = TargetAPI(base_url=f"http://127.0.0.1:{port}", timeout=0.2)
        result = execute_features([feature], target, transport_retries=1)
        assert result.scenarios[0].status == "error"
        assert "ReadTimeout" in failure(result.scenarios[0]) and "after 2 attempts" in failure(result.scenarios[0])
    finally:
        silent.close()
