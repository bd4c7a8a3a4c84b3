"""Postman collections (v2.1) -> requirements, one per request.

Folders become features and requests scenarios; `{{var}}` becomes `${var}`.
Postman runs a collection in order with shared variables and server state
("delete it, then check it is gone"), so the requests of one folder become
`@in-order` scenarios: they run one after another and share what their scripts
set (tasks/execution/runner.py), while folders run alongside each other. A
request that uses a variable an earlier request of *another* folder saved
(`pm.environment.set("token", ...)` in a login folder) gets that request
replayed at its start, so each folder stands on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tasks.pmsandbox.scopes import BASE_URL_NAMES
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
SCHEMAS = ("/v2.1", "/v2.0")  # collection/v2.1.0/collection.json, collection/v2.0.0/...
SCENARIO_MARK = "qaflow:scenario"
_VAR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_DYNAMIC = {"$guid": "uuid", "$randomUUID": "uuid"}  # other {{$name}}s stay ${$name} (tasks/pmsandbox/dynamic.py)
_REQ_TAG = re.compile(r"@REQ-(\S+)")
_TAG = re.compile(r"@([\w.-]+)")
IN_ORDER = "in-order"  # tasks.execution.runner.IN_ORDER_TAG without its @


def vars_to_gherkin(text: str) -> str:
    """`{{name}}` -> `${name}`; Postman's dynamic `{{$guid}}` -> `${uuid}`, `{{$timestamp}}` -> `${$timestamp}`."""
    return _VAR.sub(lambda m: "${" + _DYNAMIC.get(m.group(1), m.group(1)) + "}", text)


def used_vars(value: Any) -> set[str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return {name for name in re.findall(r"\$\{([^}]+)\}", text) if not name.startswith(("env.", "$")) and name not in ("uuid", "now")}


def load_collection(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequirementError(f"{path}: not a JSON file ({exc})") from None
    info = data.get("info") if isinstance(data, dict) else None
    if isinstance(data, dict) and info is None and isinstance(data.get("item"), list) and "requests" not in data:
        # v2 without its `info` block (hand-written collections; Newman runs them as v2.1)
        data["info"] = info = {"name": path.stem, "schema": "https://schema.getpostman.com/json/collection/v2.1.0/"}
    if not isinstance(info, dict) or "item" not in data:
        raise RequirementError(f"{path}: not a Postman collection (no info/item)")
    schema = str(info.get("schema", ""))
    if not any(version in schema for version in SCHEMAS):
        version = re.search(r"v\d+(?:\.\d+)*", schema)
        raise RequirementError(
            f"{path}: Postman collection of version {version.group(0) if version else schema or 'unknown'}; "
            "only v2.0 and v2.1 are supported (in Postman: Export -> Collection v2.1)"
        )
    return data


def _auth_params(auth: dict) -> dict:
    """A v2.0 `auth` holds its parameters as an object (`"bearer": {"token": ...}`), v2.1
    as a list of {key, value}: the list form for both."""
    kind = auth.get("type")
    params = auth.get(kind) if isinstance(kind, str) else None
    if isinstance(params, dict):
        return {**auth, kind: [{"key": k, "value": v} for k, v in params.items()]}
    return auth


def _base_var(data: dict) -> set[str]:
    """Collection variables that hold a URL: these stand for the target's base URL."""
    names = set(BASE_URL_NAMES)
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
    spec, query, note = auth_spec(_auth_params(auth))
    if spec is not None:
        return catalogue.profile(spec, where), [], []
    if query is not None:
        return None, [(vars_to_gherkin(query[0]), catalogue.secret(query[1], query[0]))], []
    return None, [], [note] if note else []


def _own_auth(auth: Any) -> dict | None:
    """An item's own `auth`, or None when it inherits its parent's (no auth, or type
    "inherit"); `noauth` is its own (it sends nothing), as in Postman."""
    if not isinstance(auth, dict) or auth.get("type") in (None, "", "inherit"):
        return None
    return auth


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


_RAW_TYPES = {"json": "application/json", "text": "text/plain", "xml": "application/xml", "html": "text/html",
              "javascript": "application/javascript"}
FILE_FIELD = "@file:"  # a multipart field read from a file (tasks/execution/bodies.py)


def _header(headers: list, name: str) -> str | None:
    return next((str(h.get("value", "")) for h in headers or [] if isinstance(h, dict) and not h.get("disabled")
                 and str(h.get("key", "")).lower() == name.lower()), None)


def _src_file(src: Any, root: Path | None, what: str) -> str:
    """A file a body names, resolved inside the collection's folder (never outside it:
    a collection is untrusted input); its absolute path for the feature."""
    if isinstance(src, list):
        src = src[0] if len(src) == 1 else None
    if not src or not isinstance(src, str):
        raise ValueError(f"{what}: no file (or several files) named")
    if root is None:
        raise ValueError(f"{what}: file {src!r} cannot be resolved")
    base = root.resolve()
    path = (base / src).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"{what}: file {src!r} is outside the collection's folder {base}")
    if not path.is_file():
        raise ValueError(f"{what}: file {src!r} not found in the collection's folder {base}")
    return str(path)


def _fields(pairs: list, mode: str, root: Path | None) -> dict[str, Any]:
    """urlencoded/formdata parameters -> a JSON object of fields (a repeated key -> a list)."""
    fields: dict[str, Any] = {}
    for param in pairs or []:
        if not isinstance(param, dict) or param.get("disabled") or not param.get("key"):
            continue
        key = vars_to_gherkin(str(param["key"]))
        if mode == "formdata" and param.get("type") == "file":
            value: Any = FILE_FIELD + _src_file(param.get("src"), root, f"file field {key!r}")
        else:
            value = vars_to_gherkin(str(param.get("value", "") if param.get("value") is not None else ""))
        if key in fields:
            fields[key] = [*fields[key], value] if isinstance(fields[key], list) else [fields[key], value]
        else:
            fields[key] = value
    return fields


def _body(request: dict, where: str, root: Path | None = None) -> tuple[Any, str | None, list[str], list[str]]:
    """A request's body -> (body, its Content-Type, steps to put before the request, notes).

    JSON (raw JSON, graphql) is a JSON value sent as JSON; raw text and XML go as text
    with their Content-Type; urlencoded and formdata are a JSON object of fields sent as
    that media type (bodies.py encodes them; file fields `@file:<path>`); a file body is
    loaded from the file by a step. Files are resolved inside the collection's folder."""
    body = request.get("body") or {}
    mode = body.get("mode")
    headers = request.get("header") or []
    given_type = _header(headers, "Content-Type")
    if not mode or body.get("disabled"):
        return None, None, [], []
    if mode == "raw":
        text = vars_to_gherkin(body.get("raw") or "")
        if not text.strip():
            return None, None, [], []
        language = str(((body.get("options") or {}).get("raw") or {}).get("language") or "")
        media = given_type or _RAW_TYPES.get(language) or ("application/json" if text.lstrip()[:1] in "{[" else "text/plain")
        if "json" in media.lower():
            try:
                return json.loads(text), "application/json", [], []
            except json.JSONDecodeError:
                # a raw body with unquoted ${var} (e.g. "age": ${age}) still goes as JSON text
                return text, "application/json", [], []
        return text, media, [], []
    if mode == "urlencoded":
        return _fields(body.get("urlencoded"), mode, root), "application/x-www-form-urlencoded", [], []
    if mode == "formdata":
        return _fields(body.get("formdata"), mode, root), "multipart/form-data", [], []
    if mode == "file":
        path = _src_file((body.get("file") or {}).get("src"), root, "file body")
        media = given_type or "application/octet-stream"
        return None, media, [f'the request header "Content-Type" is "{media}"',
                             f'the request body is loaded from "{path}"'], []
    if mode == "graphql":
        graphql = body.get("graphql") or {}
        variables = graphql.get("variables") or {}
        if isinstance(variables, str):
            try:
                variables = json.loads(vars_to_gherkin(variables)) if variables.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f"graphql variables are not JSON ({exc})") from None
        return {"query": vars_to_gherkin(str(graphql.get("query") or "")), "variables": variables}, \
            "application/json", [], []
    return None, None, [], [f"body mode {mode!r} is not translated"]


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


def _script_secrets(line: str, catalogue: AuthCatalogue, secret: set[str]) -> str:
    """A script that sets a credential to a literal reads it from a secret variable of the run instead."""
    line, taken = pmscript.protect_secrets(line, lambda name: is_secret_name(name) or name in secret)
    for name, value in taken.items():
        catalogue.named_secret(name, value.replace('\\"', '"'))
    return line


def _row(item: dict, inherited: tuple[dict | None, str], base_vars: set[str], where: str, result: ReadResult,
         catalogue: AuthCatalogue, root: Path | None = None, chain: pmscript.Chain | tuple = ()) -> TestCaseRow:
    request = item.get("request")
    if isinstance(request, str):
        request = {"method": "GET", "url": request}
    method = str(request.get("method", "GET")).upper()
    if method not in METHODS:
        raise ValueError(f"unknown HTTP method {method!r}")
    path, query = _url_parts(request.get("url"))
    query = [(k, catalogue.secret(v, k) if v and is_secret_name(k) and "${" not in v else v) for k, v in query]
    own_auth = _own_auth(request.get("auth"))
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
    body, media, body_given, body_notes = _body(request, where, root)
    body = _secret_fields(body, catalogue)
    if media == "application/json":
        # the runner sends JSON bodies as JSON; Postman needs the header spelled out
        headers = {k: v for k, v in headers.items() if not (k.lower() == "content-type" and "json" in v.lower())}
    elif media is not None:
        # the body's mode decides its type, as in Postman (a file body sets it in its own steps)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        if not body_given:
            headers["Content-Type"] = media
    tests, pre = pmscript.request_scripts(item, chain)  # exact steps, or a step running the scripts as written
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
        given=pre.given + body_given,
        then=[t if pmscript.is_script_step(t) else vars_to_gherkin(t) for t in tests.then],
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


def collection_parts(requirements: list[Requirement]) -> dict[str, int]:
    """What became of a collection's parts, so nothing is dropped silently: `translated`
    (status and JSON/header assertions and saves that became catalogue steps), `scripted`
    (steps that run a request's Postman script) and `unsupported` (parts kept as comments)."""
    counts = {"requests": 0, "translated": 0, "scripted": 0, "unsupported": 0}
    for requirement in requirements:
        if requirement.kind != "postman":
            continue
        for row in requirement.rows:
            if row.replayed:
                continue
            scripted = sum(1 for line in [*row.given, *row.then] if pmscript.is_script_step(line))
            counts["requests"] += 1
            counts["scripted"] += scripted
            counts["translated"] += (bool(row.expected_status) + len(row.checks) + len(row.saves)
                                     + sum(1 for line in row.then if not pmscript.is_script_step(line)))
            counts["unsupported"] += len(row.comments)
    return counts


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
    chains = pmscript.script_chain(data)  # the collection's and folders' scripts around each request
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
                folder_auth = (item["auth"], name) if _own_auth(item.get("auth")) else auth
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
                row = _row(item, auth, base_vars, where, result, catalogue, path.parent, chains.get(id(item), ()))
            except (ValueError, TypeError, AttributeError) as exc:
                result.error(f"{exc}; request skipped", where.removeprefix(f"{path} "))
                continue
            rid, tags = _meta(item)
            requirement = _requirement(rid, name, folders, [row], where, tags)
            entries.append((requirement, {s.name for s in row.saves} | _script_sets([row]), False))

    def add_scenario(folder: dict, folders: list[str], auth: tuple[dict | None, str], where: str) -> None:
        rows = []
        for index, item in enumerate(folder.get("item", []), start=1):
            try:
                rows.append(_row(item, auth, base_vars, f"{where} request {index}", result, catalogue, path.parent,
                                 chains.get(id(item), ())))
            except (ValueError, TypeError, AttributeError) as exc:
                result.error(f"{exc}; scenario skipped", where.removeprefix(f"{path} "))
                return
        rid, tags = _meta(folder)
        requirement = _requirement(rid, str(folder.get("name")), folders, rows, where, tags)
        entries.append((requirement, {s.name for r in rows for s in r.saves} | _script_sets(rows), True))

    def _requirement(rid: str | None, name: str, folders: list[str], rows: list[TestCaseRow], where: str, tags: list[str]) -> Requirement:
        group = " / ".join(folders) or collection
        rid = clean_id(rid) if rid else find_id(name) or stable_id("PM", collection, group, name)
        return Requirement(
            id=rid, title=name, text=name, source=where, rows=rows, group=group,
            kind="postman", tags=tags, variables=dict(variables),
        )

    walk(data.get("item", []), [], (_own_auth(data.get("auth")), collection))
    for requirement, _, _ in entries:
        for row in requirement.rows:
            row.given = [line for line in row.given
                         if not _secret_set(line, catalogue, catalogue.secret_refs | declared_secret)]
            row.given = [_script_secrets(line, catalogue, catalogue.secret_refs | declared_secret) for line in row.given]
            row.then = [_script_secrets(line, catalogue, catalogue.secret_refs | declared_secret) for line in row.then]
    _replay_dependencies(entries, set(variables) | set(catalogue.literal_secrets))
    secret = declared_secret | (catalogue.secret_refs & set(raw_values))
    scrub = _scrubber(catalogue.known_secrets(raw_values) + [raw_values[n] for n in secret if raw_values.get(n)])
    for requirement, _, _ in entries:
        # secret variables are supplied at run time (postman_credentials), never written
        requirement.variables = {k: v for k, v in requirement.variables.items() if k not in secret}
        for row in requirement.rows:
            row.comments = [scrub(c) for c in row.comments]
            # a script is written whole into the feature: any credential still in it is masked
            row.given = [scrub(line) if pmscript.is_script_step(line) else line for line in row.given]
            row.then = [scrub(line) if pmscript.is_script_step(line) else line for line in row.then]
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


def _script_sets(rows: list[TestCaseRow]) -> set[str]:
    """The variables the rows' Postman scripts set (a later request that reads one replays them)."""
    return {name for row in rows for name in pmscript.script_names([*row.given, *row.then])[0]}


def _replay_dependencies(entries: list[tuple[Requirement, set[str], bool]], known: set[str]) -> None:
    """Tag each request `@in-order` and prefix it with the earlier requests of other folders
    that save the variables it uses (those of its own folder ran just before it)."""
    closed: list[list[TestCaseRow]] = []
    for index, (requirement, _saved, self_contained) in enumerate(entries):
        prefix: list[TestCaseRow] = []
        if not self_contained:
            if IN_ORDER not in requirement.tags:
                requirement.tags.append(IN_ORDER)
            row = requirement.rows[0]
            script_sets, script_reads = pmscript.script_names([*row.given, *row.then])
            needed = (used_vars([row.path, row.headers, row.query, row.body,
                                 [g for g in row.given if not pmscript.is_script_step(g)]]) | script_reads) - script_sets - known
            producers = {
                producer
                for name in needed
                if (producer := next((i for i in range(index - 1, -1, -1) if name in entries[i][1]), None)) is not None
                and not _chained(entries[producer], requirement)
            }
            for producer in sorted(producers):
                for dep in closed[producer]:
                    if all(dep.source != p.source for p in prefix):
                        prefix.append(dep.model_copy(update={"replayed": True}))
        closed.append(prefix + requirement.rows)
        requirement.rows = closed[-1]


def _chained(producer: tuple[Requirement, set[str], bool], consumer: Requirement) -> bool:
    """Whether the producer runs just before the consumer in the same @in-order chain (one feature)."""
    requirement, _saved, self_contained = producer
    return not self_contained and requirement.group == consumer.group and requirement.source.split(" ", 1)[0] \
        == consumer.source.split(" ", 1)[0]
