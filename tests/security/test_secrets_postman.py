"""Credentials from a Postman collection never land in clear anywhere qaflow writes.

The attack, done for real: a collection with basic auth (collection level),
bearer auth from a secret environment value (folder level), an API key header
(folder level), an API key in the query from a secret collection variable
(request level), a secret-looking header variable and a password in a login
body, imported and executed against a loopback server that checks every
credential (so the run must really authenticate), once as the Prefect flow
with result persistence on and once as `import-postman` then `execute`.
One request's answer echoes the Authorization header and fails, so its body
goes into the reports. Then every file written (features, JUnit, Cucumber
JSON, HTML, summary.json, Prefect's result storage) and the Prefect
artifacts and logs are searched for each secret and the base64 basic form.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from tasks.requirements.postman_auth import postman_credentials

USER = "alice"
BASIC_PASSWORD = "basic-" + uuid.uuid4().hex
BEARER = "bearer-" + uuid.uuid4().hex
API_KEY = "apikey-" + uuid.uuid4().hex
QUERY_KEY = "query-" + uuid.uuid4().hex
SESSION = "session-" + uuid.uuid4().hex
LOGIN_PASSWORD = "login-" + uuid.uuid4().hex
BASIC_B64 = base64.b64encode(f"{USER}:{BASIC_PASSWORD}".encode()).decode()
SECRETS = (BASIC_PASSWORD, BEARER, API_KEY, QUERY_KEY, SESSION, LOGIN_PASSWORD, BASIC_B64)
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


class _Checker(BaseHTTPRequestHandler):
    """Answers 200 only when the request carries the credential its path asks for."""

    seen: list[tuple[str, bool]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, ok: bool, body: dict | None = None) -> None:
        self.seen.append((self.path, ok))
        data = json.dumps(body or {"ok": ok}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        auth = self.headers.get("Authorization", "")
        if url.path == "/basic/me":
            self._answer(auth == f"Basic {BASIC_B64}")
        elif url.path == "/bearer/me":
            self._answer(auth == f"Bearer {BEARER}")
        elif url.path == "/bearer/echo":  # a careless API that echoes the credential
            self._answer(auth == f"Bearer {BEARER}", {"you_sent": auth, "token": auth.removeprefix("Bearer ")})
        elif url.path == "/apikey/me":
            self._answer(self.headers.get("X-API-Key") == API_KEY)
        elif url.path == "/query/me":
            self._answer(parse_qs(url.query).get("api_key") == [QUERY_KEY])
        elif url.path == "/session/me":
            self._answer(self.headers.get("X-Session-Token") == SESSION)
        else:
            self._answer(False)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self._answer(urlsplit(self.path).path == "/login" and body.get("password") == LOGIN_PASSWORD)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Checker)
    _Checker.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _request(name: str, method: str, path: str, status: int = 200, **extra: object) -> dict:
    test = f"pm.test('status', function () {{ pm.response.to.have.status({status}); }});"
    request: dict = {"method": method, "url": {"raw": "{{baseUrl}}" + path}, **extra}
    return {"name": name, "request": request, "event": [{"listen": "test", "script": {"exec": [test]}}]}


def _basic(user: str, password: str) -> dict:
    return {"type": "basic", "basic": [{"key": "username", "value": user}, {"key": "password", "value": password}]}


def write_collection(folder: Path, base_url: str) -> tuple[Path, Path]:
    collection = {
        "info": {"name": "Secure API", "schema": SCHEMA},
        "auth": _basic(USER, BASIC_PASSWORD),
        "variable": [
            {"key": "baseUrl", "value": base_url},
            {"key": "queryKey", "value": QUERY_KEY, "type": "secret"},
            {"key": "region", "value": "eu"},
        ],
        "item": [
            {"name": "Basic", "item": [_request("Basic me", "GET", "/basic/me")]},
            {"name": "Tokens", "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}"}]},
             "item": [_request("Bearer me", "GET", "/bearer/me"),
                      _request("Bearer echo", "GET", "/bearer/echo", status=201)]},
            {"name": "Keys", "auth": {"type": "apikey", "apikey": [
                {"key": "key", "value": "X-API-Key"}, {"key": "value", "value": API_KEY}, {"key": "in", "value": "header"}]},
             "item": [_request("Key me", "GET", "/apikey/me")]},
            _request("Query key", "GET", "/query/me", auth={"type": "apikey", "apikey": [
                {"key": "key", "value": "api_key"}, {"key": "value", "value": "{{queryKey}}"},
                {"key": "in", "value": "query"}]}),
            _request("Session", "GET", "/session/me", auth={"type": "noauth"},
                     header=[{"key": "X-Session-Token", "value": "{{sessionToken}}"}]),
            _request("Login", "POST", "/login", auth={"type": "noauth"}, body={
                "mode": "raw", "raw": json.dumps({"user": USER, "password": LOGIN_PASSWORD})}),
        ],
    }
    environment = {"name": "secure", "values": [
        {"key": "token", "value": BEARER, "type": "secret", "enabled": True},
        {"key": "sessionToken", "value": SESSION, "type": "default", "enabled": True},
        {"key": "user", "value": USER, "type": "default", "enabled": True},
    ]}
    path, env = folder / "secure.postman_collection.json", folder / "secure.postman_environment.json"
    path.write_text(json.dumps(collection))
    env.write_text(json.dumps(environment))
    return path, env


def _contents(path: Path) -> bytes:
    """A file's bytes; for a Prefect result record, its decoded (pickled) result as well,
    since the record stores the result base64-encoded and a grep of the file finds nothing."""
    data = path.read_bytes()
    try:
        record = json.loads(data)
    except ValueError:
        return data
    if isinstance(record, dict) and isinstance(record.get("result"), str):
        data += base64.b64decode(record["result"])
    return data


def assert_no_secret_in(root: Path) -> int:
    """Every file under root, as bytes: no secret, no base64 basic form. Returns the file count."""
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        data = _contents(path)
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret[:10]}... found in {path}"
    return len(files)


def _expected_outcome(statuses: dict[str, str]) -> None:
    failing = {name for name, status in statuses.items() if status != "passed"}
    assert failing == {"Bearer echo"}, statuses  # the echo fails on purpose (201 expected); all else authenticated
    assert len(statuses) == 7


def test_imported_features_name_credentials_and_never_hold_them(tmp_path: Path, server: str) -> None:
    collection, env = write_collection(tmp_path, server)
    from flows.cli import app

    out = tmp_path / "features"
    result = CliRunner().invoke(app, ["bdd", "import-postman", str(collection), "-e", str(env), "--out", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["auth_profiles"] == ["postman-apikey", "postman-basic", "postman-bearer"]
    assert {"token", "queryKey", "sessionToken", "postman-password"} <= set(payload["secret_variables"])
    assert payload["missing_credentials"] == []
    for secret in SECRETS:
        assert secret not in result.output
    text = "\n".join(p.read_text() for p in out.glob("*.feature"))
    assert 'I am authenticated as "postman-basic"' in text
    assert 'I am authenticated as "postman-bearer"' in text and 'I am authenticated as "postman-apikey"' in text
    assert "${queryKey}" in text and "${sessionToken}" in text and "${postman-password}" in text
    assert assert_no_secret_in(out) >= 1

    # executed later, credentials supplied by the collection and environment files (as `newman run -e`)
    reports = tmp_path / "reports"
    result = CliRunner().invoke(app, ["bdd", "execute", str(out), "--base-url", server, "--target", "",
                                      "--postman", str(collection), "-e", str(env), "--out", str(reports), "--json"])
    assert result.exit_code == 1, result.output  # the echo scenario fails on purpose
    for secret in SECRETS:
        assert secret not in result.output
    cucumber = json.loads((reports / "reports" / "cucumber.json").read_text())  # bdd run's layout
    statuses = {e["name"]: ("passed" if all(s["result"]["status"] == "passed" for s in e["steps"]) else "failed")
                for feature in cucumber for e in feature["elements"]}
    _expected_outcome(statuses)
    assert all(ok for path, ok in _Checker.seen if not path.startswith("/bearer/echo"))
    assert assert_no_secret_in(reports) >= 3


def test_without_the_environment_the_missing_credentials_are_named(tmp_path: Path, server: str) -> None:
    collection, _ = write_collection(tmp_path, server)
    credentials = postman_credentials(collection)
    assert "postman-bearer" not in credentials.profiles
    assert any("'postman-bearer'" in line and "token" in line for line in credentials.missing)
    assert credentials.profiles["postman-basic"].headers() == {"Authorization": f"Basic {BASIC_B64}"}


@pytest.mark.usefixtures("prefect_api")
def test_flow_run_with_result_persistence_keeps_no_secret(tmp_path: Path, server: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import (
        PREFECT_LOCAL_STORAGE_PATH,
        PREFECT_RESULTS_PERSIST_BY_DEFAULT,
        temporary_settings,
    )

    from flows.bdd import bdd_pipeline

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    collection, env = write_collection(inputs, server)
    storage, out = tmp_path / "prefect-storage", tmp_path / "out"
    with temporary_settings(updates={PREFECT_RESULTS_PERSIST_BY_DEFAULT: True, PREFECT_LOCAL_STORAGE_PATH: storage}):
        state = bdd_pipeline(requirements=[str(collection)], target="", base_url=server, out_dir=str(out),
                             llm="offline", fail_on_failure=False, postman_environment=str(env), return_state=True)
    summary = state.result()
    statuses = {}
    for feature in json.loads(Path(summary.reports["cucumber"]).read_text()):
        for element in feature["elements"]:
            statuses[element["name"]] = "passed" if all(s["result"]["status"] == "passed" for s in element["steps"]) \
                else "failed"
    _expected_outcome(statuses)

    assert assert_no_secret_in(out) >= 5  # features, junit, cucumber, html, summary.json
    assert assert_no_secret_in(storage) >= 2  # the persisted results are there, and clean
    stored = b"".join(_contents(p) for p in storage.rglob("*") if p.is_file())
    # generation is not cached by Prefect (the LLM answer cache is the one cache), so the
    # persisted results are the execute tasks'; decoded, they show the run's own values
    assert server.encode() in stored, "the persisted results were not decoded"

    async def prefect_records() -> str:
        async with get_client() as client:
            flow_run = await client.read_flow_run(state.state_details.flow_run_id)
            artifacts = await client.read_artifacts()
            logs = await client.read_logs()
            task_runs = await client.read_task_runs()
            return json.dumps([flow_run.model_dump(mode="json"), [a.model_dump(mode="json") for a in artifacts],
                               [log.model_dump(mode="json") for log in logs],
                               [t.model_dump(mode="json") for t in task_runs]])

    records = asyncio.run(prefect_records())
    assert "bdd-results" in records
    for secret in SECRETS:
        assert secret not in records, f"{secret[:10]}... in Prefect's records"


@pytest.mark.usefixtures("prefect_api")
def test_credentials_saved_into_the_target_block_run_later_and_stay_masked(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client

    from blocks.target_api import TargetAPI
    from flows.cli import app

    monkeypatch.setenv("QAFLOW_EARLY_EPHEMERAL", "0")  # the test harness's API
    collection, env = write_collection(tmp_path, server)
    name = "pm-" + uuid.uuid4().hex[:8]
    out = tmp_path / "features"
    imported = CliRunner().invoke(app, ["bdd", "import-postman", str(collection), "-e", str(env), "--out", str(out),
                                        "--save-credentials", "--target", name, "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["credentials_saved_to"] == name

    async def document() -> str:
        async with get_client() as client:
            block = await client.read_block_document_by_name(name, "qaflow-target-api", include_secrets=False)
            return json.dumps(block.model_dump(mode="json"))

    masked = asyncio.run(document())
    assert "postman-bearer" in masked and "sessionToken" in masked
    for secret in SECRETS:
        assert secret not in masked
    assert TargetAPI.load(name).auth_profiles["postman-bearer"].headers() == {"Authorization": f"Bearer {BEARER}"}

    # later, with the block alone (a deployment would do the same): no collection needed
    reports = tmp_path / "reports"
    executed = CliRunner().invoke(app, ["bdd", "execute", str(out), "--base-url", server, "--target", name,
                                        "--out", str(reports), "--json"])
    assert executed.exit_code == 1, executed.output  # only the echo scenario fails
    summary = json.loads(executed.stdout)
    assert summary["totals"]["passed"] == 6 and [f["scenario"] for f in summary["failed_scenarios"]] == ["Bearer echo"]
    assert assert_no_secret_in(reports) >= 3
