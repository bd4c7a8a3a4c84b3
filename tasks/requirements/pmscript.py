"""Postman scripts -> catalogue steps where they map exactly, else a step that runs them.

The common assertions (status, `pm.expect(json.x).to.eql(...)`,
`pm.response.to.have.jsonBody`, `pm.environment.set(..., json.x)`, headers,
response time) are recognised by the patterns in `rules()` and become catalogue
steps. A request whose scripts (collection, folder and request level together)
hold anything else keeps them whole: `request_scripts` gives it the step
`Given the Postman pre-request script of "<request>" runs:` /
`Then the Postman tests of "<request>" pass:` with the scripts as its doc string
(tasks/pmsandbox/docstring.py), and the scripts run in the JavaScript sandbox
(tasks/pmsandbox) at run time, each `pm.test` reported by name. What the sandbox
cannot do (`pm.sendRequest`, `setNextRequest`, modules it does not provide) is
kept as a comment and counted as unsupported, so nothing is lost silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from tasks.pmsandbox.docstring import join_scripts
from tasks.requirements.model import Check, Save

JSON_NAMES_DEFAULT = ("json", "jsonData", "body", "data", "res", "response", "responseJson", "resp")
_ACCESS = r"(?P<acc>pm\.response\.json\(\)|JSON\.parse\(responseBody\)|{names})(?P<tail>(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\[(?P<q>['\"])[^'\"]+(?P=q)\])*)"
_NAMED_STATUS = {"ok": [200], "created": [201], "accepted": [202], "badrequest": [400], "unauthorized": [401],
                 "forbidden": [403], "notfound": [404], "ratelimited": [429], "success": list(range(200, 209)),
                 "servererror": [500]}
_JS_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "array": "array",
             "object": "object", "null": "null"}
_STRUCTURAL = re.compile(
    r"^(?:|//.*|/\*.*\*/|}\s*\)?\s*;?|\)\s*;?|"
    r"pm\.test\(.*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{|"
    r"(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=\s*(?:pm\.response\.json\(\)|JSON\.parse\(responseBody\))|"
    r"function qaflowContains\(.*)$"
)


@dataclass
class Translation:
    """What one script became."""

    statuses: list[int] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)
    then: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def untranslated(self) -> int:
        return len(self.comments)


def to_jsonpath(tail: str) -> str:
    path = "$"
    for part in re.findall(r"\.[A-Za-z_$][\w$]*|\[\d+\]|\[['\"][^'\"]+['\"]\]", tail):
        if part.startswith("['") or part.startswith('["'):
            path += "['" + part[2:-2] + "']"
        else:
            path += part
    return path


def js_value(text: str) -> Any:
    """A JavaScript literal as JSON (strings in either quotes, numbers, true/false/null, arrays, objects)."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    converted = re.sub(r"'([^'\\]*)'", lambda m: json.dumps(m.group(1)), text)
    converted = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', converted)
    try:
        return json.loads(converted)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a literal: {text}") from exc


def _quote(text: str) -> str:
    return text.replace('"', '\\"')


Rule = tuple[str, Callable[[re.Match, Translation], None]]


def _status(m: re.Match, t: Translation) -> None:
    t.statuses.append(int(m["code"]))


def _status_phrase(m: re.Match, t: Translation) -> None:
    phrase = m["phrase"].strip().upper().replace(" ", "_")
    t.statuses.append(HTTPStatus[phrase].value)


def _status_named(m: re.Match, t: Translation) -> None:
    t.statuses.extend(_NAMED_STATUS[m["name"].lower()])


def _one_of(m: re.Match, t: Translation) -> None:
    t.statuses.extend(int(c) for c in re.findall(r"\d{3}", m["codes"]))


def _eq(m: re.Match, t: Translation) -> None:
    t.checks.append(Check(path=to_jsonpath(m["tail"]), op="==", value=js_value(m["value"])))


def _ne(m: re.Match, t: Translation) -> None:
    t.checks.append(Check(path=to_jsonpath(m["tail"]), op="!=", value=js_value(m["value"])))


def _exists(m: re.Match, t: Translation) -> None:
    t.checks.append(Check(path=to_jsonpath(m["tail"]), op="exists"))


def _not_exists(m: re.Match, t: Translation) -> None:
    t.then.append(f'the response JSON at "{to_jsonpath(m["tail"])}" should not exist')


def _type(m: re.Match, t: Translation) -> None:
    t.checks.append(Check(path=to_jsonpath(m["tail"]), op="type", value=_JS_TYPES[m["type"].lower()]))


def _len(m: re.Match, t: Translation) -> None:
    t.checks.append(Check(path=to_jsonpath(m["tail"]), op="len", value=int(m["n"])))


def _match(m: re.Match, t: Translation) -> None:
    t.checks.append(Check(path=to_jsonpath(m["tail"]), op="matches", value=m["regex"]))


def _json_body(m: re.Match, t: Translation) -> None:
    dotted = m["path"] or ""
    path = "$" + ("." + dotted if dotted and not dotted.startswith("[") else dotted)
    if m["value"]:
        t.checks.append(Check(path=path, op="==", value=js_value(m["value"])))
    else:
        t.checks.append(Check(path=path, op="exists"))


def _contains(m: re.Match, t: Translation) -> None:
    value = js_value(m["value"])
    t.then.append("the response body should contain:\n" + json.dumps(value, indent=2, ensure_ascii=False))


def _header(m: re.Match, t: Translation) -> None:
    value = m.groupdict().get("value") or ""
    t.then.append(f'the response header "{_quote(m["name"])}" should contain "{_quote(value)}"')


def _time(m: re.Match, t: Translation) -> None:
    t.then.append(f"the response time should be less than {int(m['ms'])} ms")


def _save(m: re.Match, t: Translation) -> None:
    t.saves.append(Save(name=m["name"], path=to_jsonpath(m["tail"])))


def _save_header(m: re.Match, t: Translation) -> None:
    t.saves.append(Save(name=m["name"], header=m["header"]))


def _set_literal(m: re.Match, t: Translation) -> None:
    value = js_value(m["value"])
    text = value if isinstance(value, str) else json.dumps(value)
    t.given.append(f'the variable "{m["name"]}" is "{_quote(text)}"')


_EQ = r"(?:to\.(?:deep\.)?(?:eql|equal|eq)|to\.be\.(?:equal|eql))"
_NEQ = r"(?:to\.not\.(?:deep\.)?(?:eql|equal|eq)|not\.to\.(?:eql|equal))"
_SET = r"pm\.(?:environment|collectionVariables|globals|variables)\.set"


def _str(name: str) -> str:
    return r"['\"](?P<" + name + r">[^'\"]*)['\"]"


def rules(names: tuple[str, ...]) -> list[Rule]:
    acc = _ACCESS.format(names="|".join(re.escape(n) for n in names))
    return [
        (r"pm\.response\.to\.have\.status\((?P<code>\d{3})\)", _status),
        (r"pm\.response\.to\.have\.status\(" + _str("phrase") + r"\)", _status_phrase),
        (r"pm\.response\.to\.(?:be|have)\.(?P<name>ok|created|accepted|badRequest|unauthorized|forbidden|notFound|rateLimited|success|serverError)\b(?:\(\))?", _status_named),
        (r"pm\.expect\(pm\.response\.(?:code|status)\)\." + _EQ + r"\((?P<code>\d{3})\)", _status),
        (r"pm\.expect\(pm\.response\.code\)\.to\.be\.oneOf\(\[(?P<codes>[\d,\s]+)\]\)", _one_of),
        (r"pm\.expect\(qaflowContains\(" + acc + r",\s*(?P<value>.*)\)\)\.to\.be\.true", _contains),
        (r"pm\.expect\(" + acc + r"\)\.to\.deep\.include\((?P<value>\{.*\})\)", _contains),
        (r"pm\.expect\(" + acc + r"\)\." + _NEQ + r"\((?P<value>.*)\)", _ne),
        (r"pm\.expect\(" + acc + r"\)\." + _EQ + r"\((?P<value>.*)\)", _eq),
        (r"pm\.expect\(" + acc + r"\)\.to\.(?:not\.exist|be\.undefined)\b", _not_exists),
        (r"pm\.expect\(" + acc + r"\)\.to\.(?:exist|not\.be\.undefined|be\.ok)\b", _exists),
        (r"pm\.expect\(" + acc + r"\)\.to\.be\.an?\(" + _str("type") + r"\)", _type),
        (r"pm\.expect\(" + acc + r"\)\.to\.have\.(?:lengthOf|length)\((?P<n>\d+)\)", _len),
        (r"pm\.expect\(" + acc + r"\)\.to\.match\(/(?P<regex>.*)/[gimsuy]*\)", _match),
        (r"pm\.response\.to\.have\.jsonBody\((?:" + _str("path") + r"(?:\s*,\s*(?P<value>.+))?)?\)", _json_body),
        (r"pm\.expect\(pm\.response\.headers\.get\(" + _str("name") + r"\)\)\.to\.(?:include|contain|have\.string|eql|equal)\(" + _str("value") + r"\)", _header),
        (r"pm\.response\.to\.have\.header\(" + _str("name") + r"(?:\s*,\s*" + _str("value") + r")?\)", _header),
        (r"pm\.expect\(pm\.response\.responseTime\)\.to\.be\.(?:below|lessThan|lt)\((?P<ms>\d+)\)", _time),
        (_SET + r"\(" + _str("name") + r",\s*pm\.response\.headers\.get\(" + _str("header") + r"\)\)", _save_header),
        (_SET + r"\(" + _str("name") + r",\s*" + acc + r"\)", _save),
        (_SET + r"\(" + _str("name") + r",\s*(?P<value>'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?|true|false)\)", _set_literal),
    ]


@lru_cache(maxsize=64)
def _compiled(names: tuple[str, ...]) -> list[tuple[re.Pattern[str], Callable[[re.Match, Translation], None]]]:
    return [(re.compile(pattern), action) for pattern, action in rules(names)]


def _statements(line: str) -> list[str]:
    """One line -> statements, unwrapping a one-line `pm.test("...", function () { ... });`."""
    line = line.strip()
    inner = re.match(r"^pm\.test\(.*?(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{(?P<body>.*)\}\s*\)\s*;?$", line)
    if inner:
        line = inner["body"]
    return [part.strip() for part in re.split(r";\s*(?=\S|$)", line) if part.strip()]


def translate(exec_lines: list[str]) -> Translation:
    """A Postman script (its `exec` lines) -> steps, checks, saves and kept comments."""
    script = "\n".join(exec_lines)
    names = tuple(dict.fromkeys(
        re.findall(r"(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:pm\.response\.json\(\)|JSON\.parse\(responseBody\))", script)
        + list(JSON_NAMES_DEFAULT)
    ))
    table = _compiled(names)
    result = Translation()
    for raw in script.splitlines():
        for statement in _statements(raw):
            if _STRUCTURAL.match(statement):
                continue
            for pattern, action in table:
                match = pattern.fullmatch(statement.rstrip(";").strip())
                if match:
                    try:
                        action(match, result)
                    except (ValueError, KeyError):
                        result.comments.append(statement)
                    break
            else:
                result.comments.append(statement)
    return result


# ---- scripts that run as written ------------------------------------------------------------

PRE_STEP = 'the Postman pre-request script of "{name}" runs:'
TEST_STEP = 'the Postman tests of "{name}" pass:'
_STEP_START = re.compile(r'^the Postman (?:pre-request script of|tests of) "')
_SET_CALL = re.compile(
    r"(?:pm\.(?:environment|collectionVariables|globals|variables)\.set"
    r"|postman\.set(?:Environment|Global)Variable)\(\s*['\"`]([^'\"`]+)['\"`]"
)
_GET_CALL = re.compile(
    r"(?:pm\.(?:environment|collectionVariables|globals|variables|iterationData)\.(?:get|has)"
    r"|postman\.get(?:Environment|Global)Variable)\(\s*['\"`]([^'\"`]+)['\"`]"
)
_TEMPLATE_VAR = re.compile(r"\{\{([^{}$][^{}]*)\}\}")
_MODULES = {"lodash", "moment", "uuid", "uuid/v4", "uuid/v1", "crypto-js", "tv4", "ajv", "chai", "atob", "btoa",
            "buffer"}  # tasks/pmsandbox/js/pm.js MODULES; tests/pmsandbox/test_sweep_apis.py holds them equal
_REQUIRE = re.compile(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)")
UNSUPPORTED: dict[str, str] = {
    r"(?:postman|pm\.execution|pm)\.setNextRequest\s*\(": "setNextRequest: every request runs as its own scenario "
                                                                "(the call is ignored)",
    r"pm\.execution\.skipRequest\s*\(": "pm.execution.skipRequest: every request of a scenario is sent "
                                           "(the script stops there)",
    r"pm\.request\.url\.(?:query\.(?:add|upsert|remove)|addQueryParams|removeQueryParams|update)\s*\(":
        "pm.request.url changes: a script cannot change the URL of the request (the script stops there)",
    r"\bcheerio\b": "cheerio: HTML parsing is not provided by the sandbox (the script stops there)",
    r"\bpm\.vault\b": "pm.vault: vault secrets are not available (the script stops there)",
}
Chain = list[tuple[str, str, dict]]


def is_script_step(line: str) -> bool:
    """True for a step line that runs a Postman script (its doc string is JavaScript, left as written)."""
    return bool(_STEP_START.match(line))


def script_chain(collection: dict) -> dict[int, Chain]:
    """id(request item) -> the (level, name, node) whose scripts run around it, in Postman's
    order: the collection, each folder from the outside in, the request itself."""
    chains: dict[int, Chain] = {}
    root: Chain = [("collection", str((collection.get("info") or {}).get("name") or "collection"), collection)]

    def walk(items: list, above: Chain) -> None:
        for item in items or []:
            if not isinstance(item, dict):
                continue
            if "item" in item:
                walk(item["item"], [*above, ("folder", str(item.get("name") or "folder"), item)])
            else:
                chains[id(item)] = [*above, ("request", str(item.get("name") or "request"), item)]

    walk(collection.get("item") or [], root)
    return chains


def _exec_lines(node: dict, listen: str) -> list[str]:
    lines: list[str] = []
    for event in node.get("event", []) or []:
        if isinstance(event, dict) and event.get("listen") == listen and not event.get("disabled"):
            script = event.get("script") or {}
            exec_lines = script.get("exec") or []
            lines += exec_lines.splitlines() if isinstance(exec_lines, str) else [str(x) for x in exec_lines]
    return lines


def _unsupported(code: str) -> list[str]:
    notes = [why for pattern, why in UNSUPPORTED.items() if re.search(pattern, code)]
    notes += [f"require({name!r}): the sandbox provides {', '.join(sorted(_MODULES))} (the script stops there)"
              for name in dict.fromkeys(_REQUIRE.findall(code)) if name not in _MODULES]
    return notes


def _script_translation(listen: str, request_name: str, scripts: list[tuple[str, str, str]]) -> Translation:
    """The step that runs these scripts as written, and notes on what the sandbox cannot do."""
    name = " ".join(request_name.split()).replace('"', "'")
    step = (PRE_STEP if listen == "prerequest" else TEST_STEP).format(name=name)
    doc = join_scripts(scripts)
    result = Translation()
    if listen == "prerequest":
        result.given.append(f"{step}\n{doc}")
    else:
        result.then.append(f"{step}\n{doc}")
    result.comments.extend(_unsupported(doc))
    return result


def request_scripts(item: dict, chain: Chain | tuple = ()) -> tuple[Translation, Translation]:
    """A request's (test, pre-request) scripts, with those of the collection and folders
    around it (`chain`, from `script_chain`; just the item's own when empty).

    Each listen is translated to catalogue steps when every statement maps exactly (as
    `translate` does); otherwise it becomes one step that runs the scripts as written."""
    chain = list(chain) or [("request", str(item.get("name") or "request"), item)]
    request_name = chain[-1][1]
    out: list[Translation] = []
    for listen in ("test", "prerequest"):
        scripts = [(level, name, "\n".join(lines)) for level, name, node in chain
                   if (lines := _exec_lines(node, listen)) and "\n".join(lines).strip()]
        if not scripts:
            out.append(Translation())
            continue
        exact = translate([line for _, _, code in scripts for line in code.splitlines()])
        out.append(exact if not exact.comments else _script_translation(listen, request_name, scripts))
    return out[0], out[1]


def script_names(lines: list[str]) -> tuple[set[str], set[str]]:
    """The variables the script steps among `lines` set and read (by name, where the name
    is written as a literal), so a scenario can replay the request that sets what it reads."""
    sets: set[str] = set()
    reads: set[str] = set()
    for line in lines:
        if not is_script_step(line):
            continue
        sets.update(_SET_CALL.findall(line))
        reads.update(_GET_CALL.findall(line))
        reads.update(name.strip() for name in _TEMPLATE_VAR.findall(line))
    return sets, reads


_SECRET_SET = re.compile(
    r"(?P<call>(?:pm\.(?:environment|collectionVariables|globals|variables)\.set"
    r"|postman\.set(?:Environment|Global)Variable)\(\s*)(?P<q>['\"])(?P<name>[^'\"]+)(?P=q)\s*,\s*"
    r"(?P<vq>['\"])(?P<value>(?:(?!(?P=vq))[^\\\n])*)(?P=vq)(?P<end>\s*\))"
)


def protect_secrets(line: str, is_secret: Callable[[str], bool]) -> tuple[str, dict[str, str]]:
    """A script step whose script sets a credential to a literal (`pm.environment.set('token',
    'abc123')`): the literal leaves the script, which reads it at run time instead
    (`pm.variables.get("token")`, a secret variable of the run); returns the line and the
    {name: literal} secrets taken out. Other appearances of secrets are the caller's to mask."""
    taken: dict[str, str] = {}

    def swap(m: re.Match) -> str:
        if not m["value"] or not is_secret(m["name"]):
            return m.group(0)
        taken.setdefault(m["name"], m["value"])
        return f"{m['call']}{m['q']}{m['name']}{m['q']}, pm.variables.get({json.dumps(m['name'])}){m['end']}"

    if not is_script_step(line):
        return line, taken
    return _SECRET_SET.sub(swap, line), taken
