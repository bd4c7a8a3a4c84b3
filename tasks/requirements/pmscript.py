"""Postman test scripts -> checks and catalogue steps.

Postman scripts are JavaScript; we never run them. The common assertions
(status, `pm.expect(json.x).to.eql(...)`, `pm.response.to.have.jsonBody`,
`pm.environment.set(..., json.x)`, headers, response time) are recognised by
the patterns in `RULES` and become catalogue steps. Every other statement is
kept as a comment in the feature and counted, so nothing is lost silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from typing import Any

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
