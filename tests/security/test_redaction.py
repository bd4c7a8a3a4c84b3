"""Secrets never reach a result, a report or an artifact, whole or in part.

The attacks, made for real against a target on 127.0.0.1: a response body longer
than the 16,384-character cap with the bearer token across the cut (and across the
200-character cut of a failure message), a careless API that echoes the request's
headers (basic auth as `Basic base64(user:pass)`, an API key under the profile's own
header name) and its URL (a password URL-encoded in the query), and the token
base64-encoded inside a longer blob. Then every report file (JUnit, Cucumber JSON
with its base64 attachments decoded, HTML), summary.json and the Prefect artifacts are
searched for each secret, its encoded forms, and any 6-character piece of them.
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pydantic import SecretStr

from blocks.target_api import AuthProfile, TargetAPI
from tasks.execution.http import BODY_CAP
from tasks.execution.redaction import REDACTED, Redactor, clip, redacting, secret_forms
from tasks.execution.runner import execute_features
from tasks.reports import write_reports
from tests.security.http_targets import TargetServer

TOKEN = "Zq8Xv3Lp9Wm2Rn7Ks4Jd6Hf1Tb5Yc0"
USER = "alice"
PASSWORD = "Pw/9&x+q= r%Lk7@Mz"  # characters that URL and base64 encodings change
API_KEY = "Ak4Ty8Uo2Ie6Wq0Rp3Sd"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (TOKEN, PASSWORD, API_KEY, BASIC)
PIECE = 6  # no 6-character piece of a secret (or of its encodings) may show


def _pieces(secret: str) -> set[str]:
    forms = {secret, quote(secret, safe=""), quote_plus(secret), base64.b64encode(secret.encode()).decode().rstrip("=")}
    return {f[i : i + PIECE] for f in forms for i in range(len(f) - PIECE + 1)}


PIECES = {piece: secret for secret in SECRETS for piece in _pieces(secret)}


def _leaks(text: str) -> list[str]:
    return sorted({f"{piece!r} of {secret!r}" for piece, secret in PIECES.items() if piece in text})


# ---- the redactor on its own ----------------------------------------------------------


def test_a_cut_never_shows_half_a_secret() -> None:
    redactor = Redactor([TOKEN])
    for cut in range(1, len(TOKEN) + 5):
        text = "x" * (100 - cut) + TOKEN + "y" * 50
        kept = redactor.cut(text, 100)
        assert not _leaks(kept), (cut, kept)
    body = "a" * (BODY_CAP - 10) + TOKEN + "b" * 5000
    shown = redactor.body(body, BODY_CAP)
    assert not _leaks(shown) and shown.endswith(f"[truncated: {len(body)} characters in all]")


def test_head_is_the_whole_text_redacted_then_cut() -> None:
    """The windowed redaction of a long body gives exactly what redacting all of it would."""
    rng = random.Random(7)
    secrets = ["abcdef", "abcdefghij", TOKEN, "zz-zz-zz"]
    redactor = Redactor(secrets)
    alphabet = ["a", "b", "c", "z", "-", "x", *secrets, *secrets]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        limit = rng.randint(1, 120)
        whole = redactor._replace(text)
        kept, was_cut = redactor.head(text, limit)
        assert kept == whole[:limit] and was_cut == (len(whole) > limit)


def test_encoded_forms_are_redacted() -> None:
    redactor = Redactor([TOKEN, PASSWORD])
    samples = {
        "url-encoded": f"/login?p={quote(PASSWORD, safe='')}&q=1",
        "url-encoded, lower-case hex": "/login?p=" + re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(PASSWORD, safe="")),
        "form-encoded": f"p={quote_plus(PASSWORD)}",
        "json-escaped": json.dumps({"p": PASSWORD + '"'}),
        "base64": base64.b64encode(TOKEN.encode()).decode(),
        "base64 url-safe": base64.urlsafe_b64encode(TOKEN.encode()).decode(),
    }
    for what, text in samples.items():
        assert REDACTED in redactor.text(text), what
        assert not _leaks(redactor.text(text)), what
    # the secret base64-encoded inside a longer blob, at every alignment
    for lead in range(6):
        blob = base64.b64encode(b"k" * lead + TOKEN.encode() + b"!tail").decode()
        shown = redactor.text(f"data: {blob}")
        assert REDACTED in shown, lead
        start, end = -(-8 * lead // 6), 8 * (lead + len(TOKEN)) // 6  # characters from the token's bytes only
        inner = blob[start:end]
        assert not any(inner[i : i + 4] in shown for i in range(len(inner) - 3)), (lead, shown)


def test_a_secret_cut_before_any_redactor_was_known_is_redacted_at_the_cut_mark() -> None:
    assert Redactor([TOKEN]).text(f"outline [a | {TOKEN[:12]}...]") == "outline [a | ***...]"
    with redacting(Redactor([TOKEN])):
        assert clip(f"{'x' * 95}{TOKEN}", 100) == "x" * 95 + REDACTED  # redacted first: short enough
        assert clip(f"{'x' * 99}{TOKEN}", 100) == "x" * 99 + REDACTED[:1] + "..."
    assert clip(f"{'x' * 95}{TOKEN}", 100) == "x" * 95 + TOKEN[:5] + "..."  # no scenario: nothing known


def test_secret_forms_skip_short_and_keep_long() -> None:
    assert secret_forms("ab") == set()
    forms = secret_forms(PASSWORD)
    assert PASSWORD in forms and quote(PASSWORD, safe="") in forms and BASIC not in forms


# ---- for real: a run, its reports --------------------------------------------------


@pytest.fixture
def target_server() -> Iterator[TargetServer]:
    server = TargetServer()
    # the token across the 200-character cut of a failure message and the 16,384 cut of the body,
    # and base64-encoded inside a blob
    server.big_body = (
        "x" * 190 + TOKEN + "y" * (BODY_CAP - 10 - 190 - len(TOKEN)) + TOKEN
        + " blob:" + base64.b64encode(b"pre" + TOKEN.encode()).decode() + "z" * 3000
    )
    yield server
    server.close()


def _target(server: TargetServer) -> TargetAPI:
    return TargetAPI(
        base_url=server.url,
        auth_profiles={
            "admin": AuthProfile(kind="bearer", token=SecretStr(TOKEN)),
            "basic": AuthProfile(kind="basic", username=USER, password=SecretStr(PASSWORD)),
            "keyed": AuthProfile(kind="api_key", header="X-Secret-Key", key=SecretStr(API_KEY)),
        },
        timeout=5,
    )


def _report_texts(paths: dict[str, Path]) -> dict[str, str]:
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    for feature in json.loads(texts["cucumber"]):  # attachments are base64: read them decoded
        for element in feature["elements"]:
            for step in element["steps"]:
                for index, embedding in enumerate(step.get("embeddings", [])):
                    texts[f"cucumber embedding {step['name'][:30]} {index}"] = base64.b64decode(embedding["data"]).decode()
    return texts


def test_reports_hold_no_secret_whole_or_half(tmp_path: Path, target_server: TargetServer, monkeypatch) -> None:
    monkeypatch.setenv("QAFLOW_SEC_PASSWORD", PASSWORD)
    feature = tmp_path / "leaky.feature"
    feature.write_text(
        '''Feature: a careless API
  Scenario: a big body with the token across the cut
    Given I am authenticated as "admin"
    When I send a GET request to "/big"
    Then the response status should be 201

  Scenario: echoed basic auth, API key and URL
    Given I am authenticated as "basic"
    And I am authenticated as "keyed"
    And the query parameters are:
      | p | ${env.QAFLOW_SEC_PASSWORD} |
    When I send a GET request to "/echo-headers"
    Then the response JSON at "$.headers.Authorization" should be "nothing"

  Scenario: echoed headers, kept only in passed steps' briefs
    Given I am authenticated as "basic"
    When I send a GET request to "/echo-headers"
    Then the response status should be 200

  Scenario Outline: a secret in an example row, beyond the name's cut
    When I send a GET request to "/health?v=<value>"
    Then the response status should be 500

    Examples:
      | value |
      | 0123456789012345678901234567890123456789012345678901234567890123456789{token} |
'''.replace("{token}", TOKEN),
        encoding="utf-8",
    )
    result = execute_features([feature], _target(target_server), keep_bodies="failed")
    by_name = {s.name.split(" [")[0]: s for s in result.scenarios}
    big = by_name["a big body with the token across the cut"]
    assert big.status == "failed"
    assert "expected status 201, got 200: " + "x" * 190 + REDACTED in big.failed_step.error
    body = big.steps[2].response["body"]  # the failed check shows the exchange it checked
    assert "[truncated:" in body and REDACTED in body
    echoed = by_name["echoed basic auth, API key and URL"]
    assert echoed.status == "failed"
    response = echoed.failed_step.response
    assert f'"Authorization": "Basic {REDACTED}"' in response["body"]
    # the target really got the credentials (the run authenticated), the results do not hold them
    sent = target_server.headers_of("/echo-headers")
    assert any(h["authorization"] == f"Basic {BASIC}" and h.get("x-secret-key") == API_KEY for h in sent), sent
    assert not _leaks(result.model_dump_json())

    paths = write_reports(result, tmp_path / "reports")
    texts = _report_texts(paths)
    assert len(texts) > 3  # the cucumber attachments were read too
    for name, text in texts.items():
        assert not _leaks(text), (name, _leaks(text))


@pytest.mark.usefixtures("prefect_api")
def test_the_flow_reports_and_artifacts_hold_no_secret(tmp_path: Path, target_server: TargetServer, monkeypatch) -> None:
    """The whole bdd flow (offline generation from a test-case sheet, a bearer profile whose
    token comes from the environment): reports, summary.json and the Prefect artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.bdd import bdd_pipeline

    monkeypatch.setenv("QAFLOW_SEC_TOKEN", TOKEN)
    reqs = tmp_path / "reqs"
    reqs.mkdir()
    (reqs / "cases.csv").write_text(
        "ID,Title,Method,Path,Expected Status,Auth\n"
        "SEC-1,The big body,GET,/big,201,admin\n"
        "SEC-2,Echo,GET,/echo-headers,202,admin\n"
    )
    out = tmp_path / "out"
    state = bdd_pipeline(requirements=[str(reqs)], target="no-such-block", base_url=target_server.url,
                         out_dir=str(out), llm="offline", auth={"admin": "QAFLOW_SEC_TOKEN"},
                         fail_on_failure=False, return_state=True)
    summary = state.result()
    assert summary.totals.failed == 2
    assert [h["authorization"] for h in target_server.headers_of("/big")] == [f"Bearer {TOKEN}"]
    texts = _report_texts({k: Path(v) for k, v in summary.reports.items()})
    texts["summary.json"] = (out / "summary.json").read_text()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        )
    assert {a.key for a in artifacts} >= {"bdd-results", "bdd-summary"}
    for artifact in artifacts:
        texts[f"artifact {artifact.key}"] = json.dumps(artifact.data) if not isinstance(artifact.data, str) else artifact.data
    assert "x" * 190 + REDACTED in texts["artifact bdd-summary"]  # the failure message, cut after redaction
    for name, text in texts.items():
        assert not _leaks(text), (name, _leaks(text))


def test_user_info_in_a_url_is_masked(tmp_path: Path, target_server: TargetServer) -> None:
    """Credentials written into a URL (`http://user:password@host/`) are sent by httpx as
    basic auth to the target, and never shown."""
    feature = tmp_path / "userinfo.feature"
    feature.write_text(
        "Feature: userinfo\n  Scenario: s\n"
        f'    When I send a GET request to "http://{USER}:0therPassw0rd@127.0.0.1:{target_server.port}/health"\n'
        "    Then the response status should be 418\n",
        encoding="utf-8",
    )
    target = _target(target_server).model_copy(update={"base_url": f"http://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{target_server.port}"})
    result = execute_features([feature], target)
    step = result.scenarios[0].failed_step
    assert step.request["url"] == f"http://***@127.0.0.1:{target_server.port}/health"
    assert result.base_url == f"http://***@127.0.0.1:{target_server.port}"
    assert "0therPassw0rd" not in result.model_dump_json() and not _leaks(result.model_dump_json())
