"""Sandbox APIs that real public collections use and the sandbox lacked (found by the sweep of
tests/postman_sweep/README.md): chai-postman's jsonSchema on plain data, statusCode /
statusReason / statusCodeClass, `pm.request.to`, header-list find/idx, Buffer, xml2Json
(as Postman's xml2js options shape it), ajv, Sugar's String#has, more lodash, and
pm.sendRequest through a host sender (here a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tasks.pmsandbox.engine import Sandbox, ScriptOutcome
from tasks.requirements import pmscript

BODY = {"id": 7, "name": "Ann", "booking": {"firstname": "Jim", "totalprice": 111}}


def payload(event: str = "test", scopes: dict[str, Any] | None = None) -> dict[str, Any]:
    text = json.dumps(BODY)
    return {
        "event": event,
        "info": {"requestName": "Get it", "requestId": "r1"},
        "request": {"method": "POST", "url": "https://api.example.com/v1/users/7?page=2",
                    "headers": [["Content-Type", "application/json"], ["Cookie", "token=t"]], "body": '{"a": 1}'},
        "response": None if event == "prerequest" else {
            "code": 200, "status": "OK", "body": text, "responseTime": 12, "responseSize": len(text),
            "headers": [["Content-Type", "application/json; charset=utf-8"], ["X-Rate", "5"]],
        },
        "scopes": scopes or {"environment": {}, "collection": {}, "globals": {}, "local": {}, "data": {}},
        "fallback": {},
    }


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


def verdicts(outcome: ScriptOutcome) -> dict[str, bool]:
    assert outcome.error is None, outcome.error
    return {t.name: t.passed for t in outcome.tests}


def test_chai_postman_assertions_on_responses_requests_and_data(sandbox: Sandbox) -> None:
    outcome = sandbox.run("""
        var schema = { type: 'object', required: ['firstname'], properties: { totalprice: { type: 'integer' } } };
        pm.test('jsonSchema on data', function () {
            pm.expect(pm.response.json().booking).to.have.jsonSchema(schema);
            pm.expect({ totalprice: 'x' }).to.not.be.jsonSchema(schema);
        });
        pm.test('jsonSchema on data fails', function () { pm.expect({}).to.have.jsonSchema(schema); });
        pm.test('status helpers', function () {
            pm.response.to.have.statusCode(200);
            pm.response.to.not.have.statusCode(400);
            pm.response.to.have.statusReason('OK');
            pm.response.to.have.statusCodeClass(2);
            pm.response.to.be.a.postmanResponse;
            pm.response.to.not.be.a.postmanRequest;
        });
        pm.test('statusCode fails', function () { pm.response.to.have.statusCode(201); });
        pm.test('request assertions', function () {
            pm.request.to.have.header('Cookie');
            pm.request.to.have.header('content-type', 'application/json');
            pm.request.to.not.have.header('X-Absent');
            pm.request.to.be.a.postmanRequestOrResponse;
        });
        pm.test('request header fails', function () { pm.request.to.have.header('X-Absent'); });
        pm.test('header lists', function () {
            pm.expect(pm.response.headers.find(function (h) { return h.key === 'X-Rate'; }).value).to.equal('5');
            pm.expect(pm.response.headers.find('x-rate').value).to.equal('5');
            pm.expect(pm.response.headers.idx(0).key).to.equal('Content-Type');
            pm.expect(pm.response.headers.idx(9)).to.be.undefined;
        });
    """, payload())
    assert verdicts(outcome) == {
        "jsonSchema on data": True, "jsonSchema on data fails": False, "status helpers": True,
        "statusCode fails": False, "request assertions": True, "request header fails": False, "header lists": True,
    }
    failed = {t.name: t.error for t in outcome.tests}
    assert failed["jsonSchema on data fails"] == ('AssertionError: expected data to satisfy schema but found following '
                                                  'errors: \n(root): missing required property "firstname"')
    assert failed["request header fails"] == "AssertionError: expected request to have header with key 'X-Absent'"


def test_buffer_ajv_lodash_and_sugar_string_has(sandbox: Sandbox) -> None:
    outcome = sandbox.run("""
        pm.test('Buffer', function () {
            pm.expect(Buffer.from('us@r:p@ss').toString('base64')).to.equal('dXNAcjpwQHNz');
            pm.expect(Buffer.from('dXNAcjpwQHNz', 'base64').toString()).to.equal('us@r:p@ss');
            pm.expect(new Buffer('é').toString('hex')).to.equal('c3a9');
            pm.expect(Buffer.from('c3a9', 'hex').toString('utf8')).to.equal('é');
            pm.expect(Buffer.from('a?b').toString('base64url')).to.equal('YT9i');
            pm.expect(Buffer.byteLength('é')).to.equal(2);
            pm.expect(require('buffer').Buffer.isBuffer(Buffer.from('x'))).to.be.true;
            pm.expect(function () { Buffer.from('x').toString('utf16le'); }).to.throw('Unknown encoding: utf16le');
        });
        var Ajv = require('ajv');
        pm.test('ajv', function () {
            var ajv = new Ajv({ allErrors: true });
            var validate = ajv.compile({ type: 'object', required: ['x'] });
            pm.expect(validate({ x: 1 })).to.be.true;
            pm.expect(validate({})).to.be.false;
            pm.expect(ajv.errorsText(validate.errors)).to.equal('(root): missing required property "x"');
            pm.expect(ajv.validate({ type: 'string' }, 'a')).to.be.true;
            pm.expect(function () { ajv.addKeyword('range'); }).to.throw(/custom keywords cannot be checked/);
        });
        pm.test('lodash', function () {
            pm.expect(_.partition([1, 2, 3], function (n) { return n % 2; })).to.eql([[1, 3], [2]]);
            pm.expect(_.zipObject(['a'], [1])).to.eql({ a: 1 });
            pm.expect(_.invert({ a: 'x' })).to.eql({ x: 'a' });
            pm.expect(_.meanBy([{ n: 1 }, { n: 3 }], 'n')).to.equal(2);
            pm.expect(_.escape('<b class="x">&')).to.equal('&lt;b class=&quot;x&quot;&gt;&amp;');
            pm.expect(_.unescape('&lt;b&gt;')).to.equal('<b>');
            pm.expect(require('uuid/v4')()).to.match(/^[0-9a-f-]{36}$/);
            pm.expect(CryptoJS.lib.WordArray.random(16).toString()).to.have.lengthOf(32);
        });
        tests['Body matches string'] = responseBody.has('Ann');
        tests['Body misses string'] = responseBody.has('Bob');
        tests['regex'] = responseCode.name.has(/^ok$/i);
    """, payload())
    assert verdicts(outcome) == {"Buffer": True, "ajv": True, "lodash": True, "Body matches string": True,
                                 "Body misses string": False, "regex": True}
    # String#has cannot be used to reach the next script: the intrinsics stay frozen
    sandbox.run("String.prototype.has = function () { return true; };", payload())
    assert verdicts(sandbox.run("tests['still'] = !'abc'.has('z');", payload())) == {"still": True}


XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment --><soap:Envelope xmlns:soap="http://s">'
       '<soap:Body><r id="7" kind=\'a &amp; b\'>  hi &amp; bye &#x41;&#66; </r><i>1</i><i>2</i><i>3</i>'
       '<e/><e2></e2><c><![CDATA[x<y]]></c><m a="1"/><mixed>text<b>bold</b>tail</mixed></soap:Body></soap:Envelope>')


def test_xml2json_is_shaped_as_postmans_xml2js(sandbox: Sandbox) -> None:
    """The shape `xml2js.parseString(xml, {explicitArray: false, trim: true})` gives (Postman's
    xml2Json), value for value; and undefined for text that is not XML, as there."""
    outcome = sandbox.run(f"""
        pm.environment.set('json', JSON.stringify(xml2Json({json.dumps(XML)})));
        pm.environment.set('bad', String(xml2Json('<a><b></a>')) + '|' + String(xml2Json('not xml')));
    """, payload())
    assert outcome.error is None
    assert json.loads(outcome.scopes["environment"]["json"]) == {"soap:Envelope": {
        "$": {"xmlns:soap": "http://s"},
        "soap:Body": {
            "r": {"$": {"id": "7", "kind": "a & b"}, "_": "hi & bye AB"},
            "i": ["1", "2", "3"], "e": "", "e2": "", "c": "x<y", "m": {"$": {"a": "1"}},
            "mixed": {"_": "texttail", "b": "bold"},
        },
    }}
    assert outcome.scopes["environment"]["bad"] == "undefined|undefined"


def test_script_changes_to_the_url_are_said_plainly(sandbox: Sandbox) -> None:
    outcome = sandbox.run("pm.request.url.query.add({key: 'q', value: '1'});", payload("prerequest"))
    assert outcome.error == ("Error: pm.request.url.query.add is not available in the qaflow sandbox: a script cannot "
                             "change the URL of the request; set a variable and use {{it}} in the URL")
    notes = pmscript._unsupported("pm.request.url.addQueryParams([{key: 'q', value: '1'}]);")
    assert notes == ["pm.request.url changes: a script cannot change the URL of the request (the script stops there)"]


def test_every_module_the_importer_accepts_is_one_require_gives(sandbox: Sandbox) -> None:
    names = sorted(pmscript._MODULES)
    outcome = sandbox.run(f"var names = {json.dumps(names)}; names.forEach(function (n) {{ "
                          "pm.test(n, function () { pm.expect(require(n)).to.exist; }); });", payload())
    assert verdicts(outcome) == dict.fromkeys(names, True)
    unknown = sandbox.run("require('cheerio');", payload())
    assert unknown.error is not None and unknown.error.startswith("Error: Cannot find module 'cheerio'")
    assert all(name in unknown.error for name in names)  # the error lists what there is


class _Api(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path == "/auth" and json.loads(body or "{}").get("password") == "pw":
            return self._json(200, {"token": "tok-1"})
        return self._json(200 if self.path != "/auth" else 401,
                          {"got": body, "type": self.headers.get("Content-Type"), "auth": self.headers.get("Authorization")})

    def _json(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _urllib_sender(allowed: str) -> Any:
    """A host sender as steps_postman's is: only the allowed origin, errors become `err`."""

    def send(request: dict[str, Any]) -> dict[str, Any]:
        if not request["url"].startswith(allowed + "/"):
            raise PermissionError(f"{request['url']} is outside the allowed origin {allowed}")
        data = request["body"].encode() if request["body"] is not None else None
        sent = urllib.request.Request(request["url"], data=data, method=request["method"], headers=dict(request["headers"]))
        try:
            with urllib.request.urlopen(sent, timeout=5) as reply:
                status, reason, headers, text = reply.status, reply.reason, list(reply.headers.items()), reply.read().decode()
        except urllib.error.HTTPError as exc:
            status, reason, headers, text = exc.code, exc.reason, list(exc.headers.items()), exc.read().decode()
        return {"response": {"code": status, "status": reason, "headers": headers, "body": text,
                             "responseTime": 1, "responseSize": len(text)}}

    return send


def test_send_request_runs_through_the_host_sender(sandbox: Sandbox, api: str) -> None:
    scopes = {"environment": {"base": api, "password": "pw"}, "collection": {}, "globals": {}, "local": {}, "data": {}}
    outcome = sandbox.run(["""
        // the login idiom: a token fetched by the collection's pre-request script
        pm.sendRequest({
            url: '{{base}}/auth', method: 'POST',
            header: 'Accept: application/json\\nContent-Type: application/json',
            body: { mode: 'raw', raw: JSON.stringify({ password: pm.environment.get('password') }) }
        }, function (err, res) {
            pm.environment.set('token', res.json().token);
            pm.sendRequest({ url: pm.environment.get('base') + '/form', method: 'POST',
                             header: [{ key: 'Authorization', value: 'Bearer ' + res.json().token }],
                             body: { mode: 'urlencoded', urlencoded: [{ key: 'a', value: 'b c' }, { key: 'x', value: '1', disabled: true }] } },
                function (err2, res2) { pm.environment.set('form', res2.json()); });
        });
        pm.sendRequest({ url: '{{base}}/gql', method: 'POST',
                         body: { mode: 'graphql', graphql: { query: '{ me { id } }', variables: '{"n": 1}' } } },
            function (err, res) { pm.environment.set('gql', res.json().got); pm.environment.set('gqlCode', res.code); });
        pm.sendRequest('http://127.0.0.1:9/elsewhere', function (err, res) {
            pm.environment.set('refused', String(err) + '|' + typeof res);
        });
    """, """
        (async function () {
            var res = await pm.sendRequest({ url: pm.environment.get('base') + '/auth', method: 'POST', body: { mode: 'raw', raw: '{}' } });
            pm.environment.set('awaited', res.code);
        })();
    """], payload("prerequest", scopes), send=_urllib_sender(api))
    assert outcome.error is None
    env = outcome.scopes["environment"]
    assert env["token"] == "tok-1"
    assert env["form"] == {"got": "a=b%20c", "type": "application/x-www-form-urlencoded", "auth": "Bearer tok-1"}
    assert json.loads(env["gql"]) == {"query": "{ me { id } }", "variables": {"n": 1}} and env["gqlCode"] == 200
    assert re.fullmatch(r"Error: http://127\.0\.0\.1:9/elsewhere is outside the allowed origin .*\|undefined", env["refused"])
    assert env["awaited"] == 401
    assert ("warn", "pm.sendRequest GET http://127.0.0.1:9/elsewhere failed: http://127.0.0.1:9/elsewhere is outside "
            f"the allowed origin {api}") in outcome.logs
    # a script that then stops says which request failed first (the refused login of a real collection)
    stopped = sandbox.run("pm.sendRequest('https://login.example.com/token', function (err, res) { res.json(); });",
                          payload("prerequest"), send=_urllib_sender(api))
    assert stopped.error == ("TypeError: cannot read property 'json' of undefined (line 1 of the script) (after pm.sendRequest GET "
                             f"https://login.example.com/token: https://login.example.com/token is outside the allowed origin {api})")


def test_send_request_without_a_sender_or_with_an_odd_body_stops_plainly(sandbox: Sandbox, api: str) -> None:
    code = "pm.sendRequest('http://127.0.0.1:9/', function () {});"
    assert sandbox.run(code, payload()).error == ("Error: pm.sendRequest is not available in the qaflow sandbox: "
                                                 "scripts have no network access here")
    odd = sandbox.run("pm.sendRequest({url: 'http://x', body: {mode: 'formdata', formdata: []}}, function () {});",
                      payload(), send=_urllib_sender(api))
    assert odd.error == ("Error: pm.sendRequest with a 'formdata' body is not supported by the qaflow sandbox "
                         "(raw, urlencoded and graphql are)")
    # a mode Postman does not know is sent as raw, as postman-collection does (shopgate/shopware6-cart's
    # login sends {mode: 'application/json', raw: ...})
    raw = sandbox.run("pm.sendRequest({url: '" + api + "/x', method: 'POST', body: {mode: 'application/json', raw: '{\"a\":1}'}},"
                      " function (err, res) { pm.environment.set('got', res.json().got); });", payload(), send=_urllib_sender(api))
    assert raw.error is None and raw.scopes["environment"]["got"] == '{"a":1}'
    # an error thrown in the callback stops the script, as any script error does
    thrown = sandbox.run("pm.sendRequest({url: '" + api + "/x', method: 'POST'}, function () { undefined.boom; });",
                         payload(), send=_urllib_sender(api))
    assert thrown.error == "TypeError: cannot read property 'boom' of undefined (line 1 of the script)"


def test_globals_a_scenario_makes_stay_for_its_next_script_only() -> None:
    """Postman keeps the globals scripts make for the run: a collection's pre-request script
    defines `Utility = {...}` and its test scripts call it. Kept for the same scenario's next
    script (keep_globals), gone for another scenario's and for a run without the token."""
    sandbox = Sandbox()
    made = sandbox.run("Utility = { twice: function (n) { return n * 2; } };", payload("prerequest"), keep_globals=1)
    assert made.error is None
    same = sandbox.run("tests['kept'] = Utility.twice(2) === 4;", payload(), keep_globals=1)
    assert verdicts(same) == {"kept": True}
    other = sandbox.run("tests['gone'] = typeof Utility === 'undefined';", payload(), keep_globals=2)
    assert verdicts(other) == {"gone": True}
    sandbox.run("Utility = 1;", payload(), keep_globals=3)
    plain = sandbox.run("tests['gone'] = typeof Utility === 'undefined';", payload())
    assert verdicts(plain) == {"gone": True}
    assert sandbox.contexts_made == 1  # cleaned, not thrown away


def test_an_engine_error_names_the_line_of_the_script(sandbox: Sandbox) -> None:
    """QuickJS says only "not a function": the line of the script it came from is added (the
    first frame of the script's own code, past the sandbox's and lodash's)."""
    outcome = sandbox.run("var a = 1;\nvar s = 'x';\ns.camelize();", payload())
    assert outcome.error == "TypeError: not a function (line 3 of the script)"
    inside = sandbox.run("pm.test('t', function () {\n  var j = pm.response.json();\n  j.booking.none(2);\n});\n"
                         "_.map([1], function (v) {\n  return v.foo.bar;\n});", payload())
    assert inside.tests[0].error == "TypeError: not a function (line 3 of the script)"
    assert inside.error == "TypeError: cannot read property 'bar' of undefined (line 6 of the script)"
    third = sandbox.run("\n\n_.sortBy(null.x);", payload())
    assert third.error == "TypeError: cannot read property 'x' of null (line 3 of the script)"
    # assertion errors are the sandbox's own words, as in Newman
    assert sandbox.run("pm.expect(1).to.equal(2);", payload()).error == "AssertionError: expected 1 to equal 2"
