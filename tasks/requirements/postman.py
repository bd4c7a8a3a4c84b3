"""Postman collections (v2.1) -> requirements, one per request.

Folders become features and requests scenarios; `{{var}}` becomes `${var}`.
Postman runs a collection in order with shared variables, but our scenarios
run in parallel, so a request that uses a variable an earlier request saved
(`pm.environment.set("userId", json.id)`) gets that earlier request replayed
at its start: every scenario stands on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tasks.requirements import pmscript
from tasks.requirements.cells import METHODS
from tasks.requirements.ids import clean_id, find_id, stable_id
from tasks.requirements.model import ReadResult, Requirement, RequirementError, TestCaseRow
from tasks.requirements.postman_auth import (
    AuthCatalogue,
    auth_spec,
    header_profile,
    is_credential_header,
    is_secret_field,
    is_secret_name,
)

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


def _auth(auth: dict | None, where: str, catalogue: AuthCatalogue) -> tuple[str | None, list[tuple[str, str]], list[str]]:
    """A Postman `auth` -> (auth profile name, query parameters, notes). Credentials become
    a named profile (or a secret variable for an API key in the query), never text."""
    if not auth or auth.get("type") in (None, "noauth"):
        return None, [], []
    spec, query, note = auth_spec(auth)
    if spec is not None:
        return catalogue.profile(spec, where), [], []
    if query is not None:
        return None, [(vars_to_gherkin(query[0]), catalogue.secret(query[1], query[0]))], []
    return None, [], [note] if note else []


def _secret_fields(value: Any, catalogue: AuthCatalogue) -> Any:
    """A JSON body whose credential-named fields (password, token, ...) hold a literal:
    the literal becomes a secret variable."""
    if isinstance(value, dict):
        return {
            key: catalogue.secret(item, key) if isinstance(item, str) and item and is_secret_field(key)
            and "${" not in item else _secret_fields(item, catalogue)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_secret_fields(item, catalogue) for item in value]
    return value


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


_SET_VARIABLE = re.compile(r'^the variable "(?P<name>[^"]+)" is "(?P<value>(?:[^"\\]|\\.)*)"$')


def _secret_set(line: str, catalogue: AuthCatalogue, secret: set[str]) -> bool:
    """A pre-request `pm.environment.set("token", "literal")` of a credential (by its
    name, or by its use in auth): the literal is a secret variable of the run, not a
    step. True when the line was taken."""
    match = _SET_VARIABLE.match(line)
    if not match or not (is_secret_name(match["name"]) or match["name"] in secret):
        return False
    catalogue.named_secret(match["name"], match["value"].replace('\\"', '"'))
    return True


def _row(item: dict, inherited: tuple[dict | None, str], base_vars: set[str], where: str, result: ReadResult,
         catalogue: AuthCatalogue) -> TestCaseRow:
    request = item.get("request")
    if isinstance(request, str):
        request = {"method": "GET", "url": request}
    method = str(request.get("method", "GET")).upper()
    if method not in METHODS:
        raise ValueError(f"unknown HTTP method {method!r}")
    path, query = _url_parts(request.get("url"))
    query = [(k, catalogue.secret(v, k) if v and is_secret_name(k) and "${" not in v else v) for k, v in query]
    own_auth = request.get("auth")
    auth_where = str(item.get("name") or "request") if own_auth else inherited[1]
    auth, auth_query, notes = _auth(own_auth or inherited[0], auth_where, catalogue)
    query += auth_query
    headers: dict[str, str] = {}
    for header in request.get("header", []) or []:
        if not (isinstance(header, dict) and not header.get("disabled") and header.get("key")):
            continue
        name, value = str(header["key"]), str(header.get("value", ""))
        if is_credential_header(name) and value.strip():
            profile = header_profile(name, value) if auth is None else None
            if profile is not None:
                auth = catalogue.profile(profile[0], auth_where, name=profile[1])
                continue
            headers[vars_to_gherkin(name)] = catalogue.secret(value, name)
            continue
        headers[vars_to_gherkin(name)] = vars_to_gherkin(value)
    body, _, body_notes = _body(request, where)
    body = _secret_fields(body, catalogue)
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
        auth=auth,
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
    """A collection -> requirements; credentials appear in them by name only (see postman_auth)."""
    return _parse(path)[0]


def read_postman_auth(path: Path) -> tuple[AuthCatalogue, dict[str, str], set[str]]:
    """What the names in a collection's requirements stand for: the auth catalogue, the
    collection variables' raw values, and which of them are secrets."""
    _, catalogue, values, secret = _parse(path)
    return catalogue, values, secret


def _parse(path: Path) -> tuple[ReadResult, AuthCatalogue, dict[str, str], set[str]]:
    data = load_collection(path)
    result = ReadResult(path=str(path))
    catalogue = AuthCatalogue()
    collection = str(data["info"].get("name") or path.stem)
    base_vars = _base_var(data)
    declared = [v for v in data.get("variable", []) or [] if isinstance(v, dict) and v.get("key") and not v.get("disabled")]
    raw_values = {str(v["key"]): "" if v.get("value") is None else str(v.get("value")) for v in declared}
    declared_secret = {str(v["key"]) for v in declared if v.get("type") == "secret" or is_secret_name(str(v["key"]))}
    variables = {
        str(v["key"]): vars_to_gherkin(str(v.get("value", "")))
        for v in declared
        if str(v["key"]) not in base_vars
    }
    # (requirement, rows saved names) in collection order, for dependency replay
    entries: list[tuple[Requirement, set[str], bool]] = []

    def walk(items: list, folders: list[str], auth: tuple[dict | None, str]) -> None:
        for item in items:
            name = str(item.get("name") or "unnamed")
            where = f"{path} item '{' / '.join([*folders, name])}'"
            if "item" in item:
                folder_auth = (item["auth"], name) if item.get("auth") else auth
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
                row = _row(item, auth, base_vars, where, result, catalogue)
            except (ValueError, TypeError, AttributeError) as exc:
                result.error(f"{exc}; request skipped", where.removeprefix(f"{path} "))
                continue
            rid, tags = _meta(item)
            requirement = _requirement(rid, name, folders, [row], where, tags)
            entries.append((requirement, {s.name for s in row.saves}, False))

    def add_scenario(folder: dict, folders: list[str], auth: tuple[dict | None, str], where: str) -> None:
        rows = []
        for index, item in enumerate(folder.get("item", []), start=1):
            try:
                rows.append(_row(item, auth, base_vars, f"{where} request {index}", result, catalogue))
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

    walk(data.get("item", []), [], (data.get("auth"), collection))
    for requirement, _, _ in entries:
        for row in requirement.rows:
            row.given = [line for line in row.given
                         if not _secret_set(line, catalogue, catalogue.secret_refs | declared_secret)]
    _replay_dependencies(entries, set(variables) | set(catalogue.literal_secrets))
    secret = declared_secret | (catalogue.secret_refs & set(raw_values))
    scrub = _scrubber(catalogue.known_secrets(raw_values) + [raw_values[n] for n in secret if raw_values.get(n)])
    for requirement, _, _ in entries:
        # secret variables are supplied at run time (postman_credentials), never written
        requirement.variables = {k: v for k, v in requirement.variables.items() if k not in secret}
        for row in requirement.rows:
            row.comments = [scrub(c) for c in row.comments]
    result.requirements = [entry[0] for entry in entries]
    return result, catalogue, raw_values, secret


def _scrubber(secrets: list[str]) -> Callable[[str], str]:
    """Untranslated script lines are kept as comments: a credential in one is masked."""
    ordered = sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)

    def scrub(text: str) -> str:
        for secret in ordered:
            text = text.replace(secret, "***")
        return text
    return scrub


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
