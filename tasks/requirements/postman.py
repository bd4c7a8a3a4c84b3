"""Postman collections (v2.1) -> requirements, one per request.

Folders become features and requests scenarios; `{{var}}` becomes `${var}`.
Postman runs a collection in order with shared variables, but our scenarios
run in parallel, so a request that uses a variable an earlier request saved
(`pm.environment.set("userId", json.id)`) gets that earlier request replayed
at its start: every scenario stands on its own.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tasks.requirements import pmscript
from tasks.requirements.cells import METHODS
from tasks.requirements.ids import clean_id, find_id, stable_id
from tasks.requirements.model import ReadResult, Requirement, RequirementError, TestCaseRow

SCHEMA_V21 = "v2.1"
SCENARIO_MARK = "qaflow:scenario"
_VAR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_DYNAMIC = {"$guid": "uuid", "$randomUUID": "uuid", "$timestamp": "now", "$isoTimestamp": "now"}
_REQ_TAG = re.compile(r"@REQ-(\S+)")
_TAG = re.compile(r"@([\w.-]+)")


def vars_to_gherkin(text: str) -> str:
    """`{{name}}` -> `${name}`; Postman's dynamic `{{$guid}}` -> `${uuid}`."""
    return _VAR.sub(lambda m: "${" + _DYNAMIC.get(m.group(1), m.group(1)) + "}", text)


def used_vars(value: Any) -> set[str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return {name for name in re.findall(r"\$\{([^}]+)\}", text) if not name.startswith("env.") and name not in ("uuid", "now")}


def load_collection(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequirementError(f"{path}: not a JSON file ({exc})") from None
    info = data.get("info") if isinstance(data, dict) else None
    if not isinstance(info, dict) or "item" not in data:
        raise RequirementError(f"{path}: not a Postman collection (no info/item)")
    schema = str(info.get("schema", ""))
    if SCHEMA_V21 not in schema:
        version = re.search(r"v\d+(?:\.\d+)*", schema)
        raise RequirementError(
            f"{path}: Postman collection of version {version.group(0) if version else schema or 'unknown'}; "
            "only v2.1 is supported (in Postman: Export -> Collection v2.1)"
        )
    return data


def _base_var(data: dict) -> set[str]:
    """Collection variables that hold a URL: these stand for the target's base URL."""
    names = {"baseUrl", "base_url", "baseURL", "url", "host"}
    for var in data.get("variable", []) or []:
        if re.match(r"^https?://", str(var.get("value", ""))):
            names.add(str(var.get("key")))
    return names


def _url_parts(url: Any) -> tuple[str, list[tuple[str, str]]]:
    if isinstance(url, dict):
        raw = url.get("raw") or ""
        query = [(str(q.get("key", "")), str(q.get("value", "") or "")) for q in url.get("query", []) or [] if not q.get("disabled")]
        for var in url.get("variable", []) or []:
            raw = raw.replace(":" + str(var.get("key")), str(var.get("value", "")))
    else:
        raw, query = str(url or ""), []
    raw_no_query, _, query_text = raw.partition("?")
    if not query and query_text:
        query = parse_qsl(query_text, keep_blank_values=True)
    lead = re.match(r"^\{\{\s*([^{}]+?)\s*\}\}(?=/|$)", raw_no_query)
    if lead and not lead.group(1).startswith("$"):
        # a URL that starts with a variable starts with the host: the target's base URL stands in
        path = raw_no_query[lead.end():]
    elif re.match(r"^https?://", raw_no_query):
        parts = urlsplit(raw_no_query)
        path = parts.path
    else:
        path = raw_no_query
    if not path.startswith("/"):
        path = "/" + path
    return vars_to_gherkin(path), [(vars_to_gherkin(k), vars_to_gherkin(v)) for k, v in query]


def _auth_headers(auth: dict | None) -> tuple[dict[str, str], list[str]]:
    if not auth or auth.get("type") in (None, "noauth"):
        return {}, []
    kind = auth.get("type")
    values = {str(i.get("key")): str(i.get("value", "")) for i in auth.get(kind, []) or [] if isinstance(i, dict)}
    if kind == "bearer":
        return {"Authorization": "Bearer " + vars_to_gherkin(values.get("token", ""))}, []
    if kind == "basic" and "{{" not in values.get("username", "") + values.get("password", ""):
        raw = base64.b64encode(f"{values.get('username', '')}:{values.get('password', '')}".encode()).decode()
        return {"Authorization": "Basic " + raw}, []
    if kind == "apikey" and values.get("in", "header") == "header":
        return {vars_to_gherkin(values.get("key", "X-API-Key")): vars_to_gherkin(values.get("value", ""))}, []
    return {}, [f"auth of type {kind} is not translated"]


def _body(request: dict, where: str) -> tuple[Any, dict[str, str], list[str]]:
    body = request.get("body") or {}
    mode = body.get("mode")
    if not mode or body.get("disabled"):
        return None, {}, []
    if mode == "raw":
        text = vars_to_gherkin(body.get("raw") or "")
        if not text.strip():
            return None, {}, []
        try:
            return json.loads(text), {}, []
        except json.JSONDecodeError:
            # a raw body with unquoted ${var} (e.g. "age": ${age}) still goes as text
            return text, {}, [] if text.lstrip().startswith(("{", "[")) else [f"non-JSON raw body in {where}"]
    if mode == "urlencoded":
        pairs = {str(p.get("key")): vars_to_gherkin(str(p.get("value", ""))) for p in body.get("urlencoded", []) if not p.get("disabled")}
        return pairs, {}, [f"urlencoded body sent as JSON in {where}"]
    return None, {}, [f"body mode {mode!r} is not translated"]


def _events(item: dict, listen: str) -> list[str]:
    lines: list[str] = []
    for event in item.get("event", []) or []:
        if event.get("listen") == listen and not event.get("disabled"):
            script = event.get("script") or {}
            exec_lines = script.get("exec") or []
            lines += exec_lines.splitlines() if isinstance(exec_lines, str) else [str(x) for x in exec_lines]
    return lines


def _row(item: dict, inherited_auth: dict | None, base_vars: set[str], where: str, result: ReadResult) -> TestCaseRow:
    request = item.get("request")
    if isinstance(request, str):
        request = {"method": "GET", "url": request}
    method = str(request.get("method", "GET")).upper()
    if method not in METHODS:
        raise ValueError(f"unknown HTTP method {method!r}")
    path, query = _url_parts(request.get("url"))
    headers, notes = _auth_headers(request.get("auth") or inherited_auth)
    for header in request.get("header", []) or []:
        if isinstance(header, dict) and not header.get("disabled") and header.get("key"):
            headers[vars_to_gherkin(str(header["key"]))] = vars_to_gherkin(str(header.get("value", "")))
    body, _, body_notes = _body(request, where)
    if body is not None and not isinstance(body, str):
        # the runner sends JSON bodies as JSON; Postman needs the header spelled out
        headers = {k: v for k, v in headers.items() if not (k.lower() == "content-type" and "json" in v.lower())}
    tests = pmscript.translate(_events(item, "test"))
    pre = pmscript.translate(_events(item, "prerequest"))
    comments = [f"test: {c}" for c in tests.comments] + [f"pre-request: {c}" for c in pre.comments] + notes + body_notes
    result.untranslated += len(comments)
    statuses = list(dict.fromkeys(tests.statuses))
    return TestCaseRow(
        method=method,
        path=path,
        headers=headers,
        query=query,
        body=body,
        expected_status=statuses,
        checks=tests.checks,
        saves=tests.saves,
        given=pre.given,
        then=[vars_to_gherkin(t) for t in tests.then],
        comments=comments,
        source=where,
    )


def _meta(item: dict) -> tuple[str | None, list[str]]:
    request = item.get("request")
    description = item.get("description") or (request.get("description") if isinstance(request, dict) else None)
    text = description.get("content", "") if isinstance(description, dict) else str(description or "")
    rid = _REQ_TAG.search(text)
    tags = [t for t in _TAG.findall(text) if not t.startswith("REQ-") and t != "qaflow"]
    return (rid.group(1) if rid else None), tags


def read_postman(path: Path) -> ReadResult:
    data = load_collection(path)
    result = ReadResult(path=str(path))
    collection = str(data["info"].get("name") or path.stem)
    base_vars = _base_var(data)
    variables = {
        str(v["key"]): vars_to_gherkin(str(v.get("value", "")))
        for v in data.get("variable", []) or []
        if isinstance(v, dict) and v.get("key") and str(v["key"]) not in base_vars and not v.get("disabled")
    }
    # (requirement, rows saved names) in collection order, for dependency replay
    entries: list[tuple[Requirement, set[str], bool]] = []

    def walk(items: list, folders: list[str], auth: dict | None) -> None:
        for item in items:
            name = str(item.get("name") or "unnamed")
            where = f"{path} item '{' / '.join([*folders, name])}'"
            if "item" in item:
                folder_auth = item.get("auth") or auth
                description = str(item.get("description") or "")
                if SCENARIO_MARK in description:
                    add_scenario(item, folders, folder_auth, where)
                else:
                    walk(item["item"], [*folders, name], folder_auth)
                continue
            if "request" not in item:
                result.error("neither a folder nor a request", where)
                continue
            try:
                row = _row(item, auth, base_vars, where, result)
            except (ValueError, TypeError, AttributeError) as exc:
                result.error(f"{exc}; request skipped", where.removeprefix(f"{path} "))
                continue
            rid, tags = _meta(item)
            requirement = _requirement(rid, name, folders, [row], where, tags)
            entries.append((requirement, {s.name for s in row.saves}, False))

    def add_scenario(folder: dict, folders: list[str], auth: dict | None, where: str) -> None:
        rows = []
        for index, item in enumerate(folder.get("item", []), start=1):
            try:
                rows.append(_row(item, auth, base_vars, f"{where} request {index}", result))
            except (ValueError, TypeError, AttributeError) as exc:
                result.error(f"{exc}; scenario skipped", where.removeprefix(f"{path} "))
                return
        rid, tags = _meta(folder)
        requirement = _requirement(rid, str(folder.get("name")), folders, rows, where, tags)
        entries.append((requirement, {s.name for r in rows for s in r.saves}, True))

    def _requirement(rid: str | None, name: str, folders: list[str], rows: list[TestCaseRow], where: str, tags: list[str]) -> Requirement:
        group = " / ".join(folders) or collection
        rid = clean_id(rid) if rid else find_id(name) or stable_id("PM", collection, group, name)
        return Requirement(
            id=rid, title=name, text=name, source=where, rows=rows, group=group,
            kind="postman", tags=tags, variables=dict(variables),
        )

    walk(data.get("item", []), [], data.get("auth"))
    _replay_dependencies(entries, set(variables))
    result.requirements = [entry[0] for entry in entries]
    return result


def _replay_dependencies(entries: list[tuple[Requirement, set[str], bool]], known: set[str]) -> None:
    """Prefix each request with the earlier requests that save the variables it uses."""
    closed: list[list[TestCaseRow]] = []
    for index, (requirement, _saved, self_contained) in enumerate(entries):
        prefix: list[TestCaseRow] = []
        if not self_contained:
            row = requirement.rows[0]
            needed = used_vars([row.path, row.headers, row.query, row.body, row.given]) - known
            producers = {
                producer
                for name in needed
                if (producer := next((i for i in range(index - 1, -1, -1) if name in entries[i][1]), None)) is not None
            }
            for producer in sorted(producers):
                for dep in closed[producer]:
                    if all(dep.source != p.source for p in prefix):
                        prefix.append(dep.model_copy(update={"replayed": True}))
        closed.append(prefix + requirement.rows)
        requirement.rows = closed[-1]
