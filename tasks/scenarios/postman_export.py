"""Features -> a Postman collection v2.1, so a team can keep using Postman.

Each feature becomes a folder; a scenario with one request becomes a request,
one with several a sub-folder marked `qaflow:scenario` (so importing it again
gives the same scenario). Response steps become `pm.test` scripts in the forms
the importer reads back; steps Postman cannot express are kept as `//`
comments and counted.

Credentials never go into the file: `I am authenticated as "admin"` becomes
`Authorization: Bearer {{adminToken}}`, and the collection declares
`adminToken` empty, to be set in a Postman environment (or `newman run
--env-var adminToken=...`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.execution.catalogue import CATALOGUE
from tasks.pmsandbox.docstring import script_header, split_scripts
from tasks.requirements.postman import SCENARIO_MARK
from tasks.scenarios.validate import parse_problems

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
HELPER = (
    "function qaflowContains(a, e) { if (e === '#ignore') return true; if (e === '#string') return typeof a === 'string'; "
    "if (e === '#number') return typeof a === 'number'; if (e === '#uuid') return typeof a === 'string' && "
    "/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(a); if (Array.isArray(e)) return "
    "Array.isArray(a) && e.every(function (x, i) { return qaflowContains(a[i], x); }); if (e && typeof e === 'object') "
    "return !!a && typeof a === 'object' && Object.keys(e).every(function (k) { return qaflowContains(a[k], e[k]); }); "
    "return JSON.stringify(a) === JSON.stringify(e); }"
)
_VAR = re.compile(r"\$\{([^}]+)\}")
_UUID = {"uuid": "$guid", "now": "$isoTimestamp"}


def to_postman_vars(text: str) -> str:
    """`${name}` -> `{{name}}`, `${env.X}` -> `{{X}}`, `${uuid}` -> `{{$guid}}`."""
    def swap(m: re.Match) -> str:
        name = m.group(1)
        return "{{" + _UUID.get(name, name.removeprefix("env.")) + "}}"
    return _VAR.sub(swap, text)


def js_accessor(path: str) -> str | None:
    """`$.a.b[0]` -> `json.a.b[0]`; None for JSONPaths JavaScript cannot follow directly."""
    if path == "$":
        return "json"
    out = "json"
    rest = path[1:] if path.startswith("$") else "." + path
    for part in re.findall(r"\.[A-Za-z_$][\w$]*|\[\d+\]|\['[^']+'\]|\[\"[^\"]+\"\]|.", rest):
        if re.fullmatch(r"\.[A-Za-z_$][\w$]*|\[\d+\]", part):
            out += part
        elif part.startswith("['") or part.startswith('["'):
            out += "[" + json.dumps(part[2:-2]) + "]"
        else:
            return None
    return out


def _js_value(text: str) -> str:
    """A JSON literal from a step, as JavaScript (variables resolved at run time by Postman)."""
    if "${" in text:
        return f"JSON.parse(pm.variables.replaceIn({json.dumps(to_postman_vars(text))}))"
    return text


def _test(name: str, body: str) -> str:
    return f"pm.test({json.dumps(name)}, function () {{ {body}; }});"


@dataclass
class _Request:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    query: list[tuple[str, str]]
    body: str | None
    prerequest: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    uses_json: bool = False


@dataclass
class ExportResult:
    collection: dict
    requests: int = 0
    not_exported: list[str] = field(default_factory=list)


Handler = Callable[[dict[str, str], dict, "_Scenario"], None]


@dataclass
class _Scenario:
    name: str
    requests: list[_Request] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None
    pending_pre: list[str] = field(default_factory=list)
    pending_name: str = ""  # the request a pre-request script step named
    comments: list[str] = field(default_factory=list)
    feature_dir: Path = Path(".")

    def last(self) -> _Request | None:
        return self.requests[-1] if self.requests else None

    def check(self, text: str, line: str, needs_json: bool = False) -> None:
        request = self.last()
        if request is None:
            self.comments.append(f"not exported (no request before it): {text}")
            return
        request.tests.append(line)
        request.uses_json = request.uses_json or needs_json

    def skip(self, text: str, why: str) -> None:
        request = self.last()
        note = f"// not exported ({why}): {text}"
        if request is not None:
            request.tests.append(note)
        self.comments.append(f"{why}: {text}")


def _send(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    body = (argument.get("docString") or {}).get("content")
    if body is None:
        body, s.body = s.body, None
    s.requests.append(_Request(
        name=s.pending_name, method=args["METHOD"], path=args["path"], headers=dict(s.headers), query=list(s.query),
        body=body, prerequest=list(s.pending_pre),
    ))
    s.query, s.pending_pre, s.pending_name = [], [], ""


def _json_check(js: Callable[[str, dict[str, str]], str]) -> Handler:
    def handle(args: dict[str, str], argument: dict, s: _Scenario) -> None:
        accessor = js_accessor(args["jsonpath"])
        text = f'JSON at "{args["jsonpath"]}"'
        if accessor is None:
            s.skip(text, "JSONPath not expressible in a Postman script")
            return
        s.check(text, js(accessor, args), needs_json=True)
    return handle


def _body_contains(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    expected = to_postman_vars((argument.get("docString") or {}).get("content", "null"))
    s.check("body contains", HELPER + " " + _test("body contains the expected JSON",
            f"pm.expect(qaflowContains(json, {expected})).to.be.true"), needs_json=True)


def _schema(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    path = (s.feature_dir / args["file"])
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        s.skip(f'JSON schema "{args["file"]}"', f"schema file unreadable: {exc}")
        return
    s.check("schema", _test(f"matches {args['file']}", f"pm.response.to.have.jsonSchema({json.dumps(schema)})"))


def _variable(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    s.pending_pre.append(f"pm.variables.set({json.dumps(args['name'])}, {json.dumps(to_postman_vars(args['value']))});")


def _query(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    rows = [[c["value"] for c in row["cells"]] for row in (argument.get("dataTable") or {}).get("rows", [])]
    if rows and [c.lower() for c in rows[0]] == ["name", "value"]:
        rows = rows[1:]
    s.query += [(r[0], r[1]) for r in rows if len(r) == 2]


def _script_lines(argument: dict) -> list[str]:
    """A Postman-script step's doc string -> exec lines: one script as it is; several (collection,
    folders, request) each in its own function, as Postman gives each its own scope."""
    scripts = split_scripts((argument.get("docString") or {}).get("content", ""))
    if len(scripts) == 1:
        return scripts[0][2].splitlines()
    lines: list[str] = []
    for level, name, code in scripts:
        lines += [script_header(level, name), "(function () {", *code.splitlines(), "})();"]
    return lines


def _pre_script(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    s.pending_pre += _script_lines(argument)
    s.pending_name = args["name"]


def _test_script(args: dict[str, str], argument: dict, s: _Scenario) -> None:
    request = s.last()
    if request is None:
        s.comments.append(f'not exported (no request before it): the Postman tests of "{args["name"]}"')
        return
    request.tests += _script_lines(argument)
    request.name = request.name or args["name"]


HANDLERS: dict[str, Handler] = {
    'the variable "{name}" is "{value}"': _variable,
    'I am authenticated as "{profile}"': lambda a, _, s: s.headers.update(
        {"Authorization": "Bearer ${" + a["profile"] + "Token}"}),
    'the request header "{name}" is "{value}"': lambda a, _, s: s.headers.update({a["name"]: a["value"]}),
    "the query parameters are:": _query,
    "the request body is:": lambda a, arg, s: setattr(s, "body", (arg.get("docString") or {}).get("content")),
    'I send a {METHOD} request to "{path}"': _send,
    'I send a {METHOD} request to "{path}" with body:': _send,
    "the response status should be {code}": lambda a, _, s: s.check(
        "status", _test(f"status is {a['code']}", f"pm.response.to.have.status({a['code']})")),
    "the response status should be one of {codes}": lambda a, _, s: s.check(
        "status", _test("status is one of " + a["codes"], "pm.expect(pm.response.code).to.be.oneOf(["
                        + ", ".join(re.findall(r"\d{3}", a["codes"])) + "])")),
    'the response header "{name}" should contain "{text}"': lambda a, _, s: s.check(
        "header", _test(f"header {a['name']}", f"pm.expect(pm.response.headers.get({json.dumps(a['name'])})).to.include({json.dumps(to_postman_vars(a['text']))})")),
    "the response time should be less than {ms} ms": lambda a, _, s: s.check(
        "time", _test(f"faster than {a['ms']} ms", f"pm.expect(pm.response.responseTime).to.be.below({a['ms']})")),
    'the response JSON at "{jsonpath}" should be {json}': _json_check(
        lambda acc, a: _test(f"{a['jsonpath']} is {a['json']}", f"pm.expect({acc}).to.eql({_js_value(a['json'])})")),
    'the response JSON at "{jsonpath}" should exist': _json_check(
        lambda acc, a: _test(f"{a['jsonpath']} exists", f"pm.expect({acc}).to.exist")),
    'the response JSON at "{jsonpath}" should not exist': _json_check(
        lambda acc, a: _test(f"{a['jsonpath']} does not exist", f"pm.expect({acc}).to.not.exist")),
    'the response JSON at "{jsonpath}" should match "{regex}"': _json_check(
        lambda acc, a: _test(f"{a['jsonpath']} matches", f"pm.expect({acc}).to.match(/{a['regex'].replace('/', chr(92) + '/')}/)")),
    'the response JSON at "{jsonpath}" should be a {type}': _json_check(
        lambda acc, a: _test(f"{a['jsonpath']} is a {a['type']}", f"pm.expect(Number.isInteger({acc})).to.be.true"
                             if a["type"] == "integer" else f"pm.expect({acc}).to.be.a({json.dumps(a['type'])})")),
    'the response JSON at "{jsonpath}" should have {n} items': _json_check(
        lambda acc, a: _test(f"{a['jsonpath']} has {a['n']} items", f"pm.expect({acc}).to.have.lengthOf({a['n']})")),
    "the response body should contain:": _body_contains,
    'the response should match the JSON schema "{file}"': _schema,
    'I save the response JSON at "{jsonpath}" as "{name}"': _json_check(
        lambda acc, a: f"pm.environment.set({json.dumps(a['name'])}, {acc});"),
    'I save the response header "{name}" as "{var}"': lambda a, _, s: s.check(
        "save header", f"pm.environment.set({json.dumps(a['var'])}, pm.response.headers.get({json.dumps(a['name'])}));"),
    'the Postman pre-request script of "{name}" runs:': _pre_script,
    'the Postman tests of "{name}" pass:': _test_script,
}


def _item(request: _Request, base_var: str) -> dict:
    path = to_postman_vars(request.path)
    raw = "{{" + base_var + "}}" + path
    url: dict[str, Any] = {
        "raw": raw + ("?" + "&".join(f"{to_postman_vars(k)}={to_postman_vars(v)}" for k, v in request.query) if request.query else ""),
        "host": ["{{" + base_var + "}}"],
        "path": [p for p in path.split("?")[0].split("/") if p],
    }
    if request.query:
        url["query"] = [{"key": to_postman_vars(k), "value": to_postman_vars(v)} for k, v in request.query]
    body: dict[str, Any] = {}
    if request.body is not None:
        body = {"mode": "raw", "raw": to_postman_vars(request.body), "options": {"raw": {"language": "json"}}}
    headers = [{"key": k, "value": to_postman_vars(v)} for k, v in request.headers.items()]
    if request.body is not None and not any(k.lower() == "content-type" for k in request.headers):
        headers.append({"key": "Content-Type", "value": "application/json"})
    events = []
    if request.prerequest:
        events.append({"listen": "prerequest", "script": {"type": "text/javascript", "exec": request.prerequest}})
    tests = (["var json = pm.response.json();"] if request.uses_json else []) + request.tests
    if tests:
        events.append({"listen": "test", "script": {"type": "text/javascript", "exec": tests}})
    item: dict[str, Any] = {"name": request.name, "request": {"method": request.method, "header": headers, "url": url}}
    if body:
        item["request"]["body"] = body
    if events:
        item["event"] = events
    return item


def _pickle_argument(step: dict) -> dict:
    argument = step.get("argument") or {}
    if "docString" in argument:
        return {"docString": {"content": argument["docString"]["content"]}}
    if "dataTable" in argument:
        return {"dataTable": {"rows": argument["dataTable"]["rows"]}}
    return {}


def export_features(paths: list[Path], name: str = "qaflow scenarios", base_url: str = "http://127.0.0.1:8000") -> ExportResult:
    """Feature files -> a collection v2.1 (as a dict) and what could not be exported."""
    from gherkin.pickles.compiler import Compiler

    base_var = "baseUrl"
    result = ExportResult(collection={})
    token_vars: set[str] = set()
    folders = []
    for path in paths:
        document, problems = parse_problems(path.read_text(encoding="utf-8"), str(path))
        if document is None:
            result.not_exported += problems
            continue
        feature = document.get("feature") or {}
        folder: dict[str, Any] = {"name": feature.get("name") or path.stem, "item": []}
        if feature.get("description"):
            folder["description"] = feature["description"].strip()
        pickles = Compiler().compile(document)
        names = [p["name"] for p in pickles]
        for pickle in pickles:
            scenario = _Scenario(name=pickle["name"], feature_dir=path.parent)
            for step in pickle["steps"]:
                match = CATALOGUE.match(step["text"])
                if match is None:
                    scenario.comments.append(f"unknown step: {step['text']}")
                    continue
                handler = HANDLERS.get(match.step.pattern)
                if handler is None:
                    scenario.skip(step["text"], "no Postman equivalent")
                    continue
                handler(match.args, _pickle_argument(step), scenario)
                if match.step.pattern == 'I am authenticated as "{profile}"':
                    token_vars.add(match.args["profile"] + "Token")
            title = pickle["name"]
            if names.count(title) > 1:
                title = f"{title} ({sum(1 for p in pickles[: pickles.index(pickle) + 1] if p['name'] == pickle['name'])})"
            tags = " ".join(t["name"] for t in pickle.get("tags", []))
            result.not_exported += [f"{path.name}: {title}: {c}" for c in scenario.comments]
            if not scenario.requests:
                continue
            result.requests += len(scenario.requests)
            if len(scenario.requests) == 1:
                scenario.requests[0].name = title
                item = _item(scenario.requests[0], base_var)
                item["request"]["description"] = tags
                folder["item"].append(item)
            else:
                for index, request in enumerate(scenario.requests, start=1):
                    # a request its Postman-script steps named keeps its name
                    request.name = request.name or f"{title} — {index}. {request.method} {to_postman_vars(request.path)}"
                folder["item"].append({
                    "name": title,
                    "description": f"{SCENARIO_MARK} {tags}".strip(),
                    "item": [_item(r, base_var) for r in scenario.requests],
                })
        folders.append(folder)
    result.collection = {
        "info": {"_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "name": name, "schema": SCHEMA_URL,
                 "description": "Exported by qaflow from Gherkin features."},
        "item": folders,
        "variable": [{"key": base_var, "value": base_url}]
        + [{"key": name, "value": ""} for name in sorted(token_vars)],
    }
    return result
