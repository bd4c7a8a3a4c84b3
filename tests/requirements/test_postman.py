"""Postman collections: folders -> groups, {{vars}} -> ${vars}, pm.test assertions ->
checks and steps, dependencies replayed, untranslated lines counted, bad versions refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.requirements import read_requirements
from tasks.requirements.pmscript import translate
from tasks.settings import project_root

EXAMPLE = project_root() / "examples" / "requirements" / "demo-api.postman_collection.json"


def collection(items: list, schema: str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
               **extra: object) -> dict:
    return {"info": {"name": "C", "schema": schema}, "item": items, **extra}


def write(tmp_path: Path, data: dict, name: str = "c.postman_collection.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_the_example_collection() -> None:
    result = read_requirements(EXAMPLE)
    assert result.errors == []
    by_title = {r.title: r for r in result.requirements}
    assert list(by_title) == ["Health", "Create user", "Get user", "Rename user", "Delete user", "Users are paged"]
    assert {r.group for r in result.requirements} == {"Demo API (Postman)", "Users"}
    # the collection variable "token" is a credential: supplied at run time, never written
    assert all(r.kind == "postman" and r.variables == {} for r in result.requirements)

    health = by_title["Health"].rows[0]
    assert health.path == "/health" and health.headers == {} and health.auth is None  # noauth overrides
    assert health.expected_status == [200]
    assert [(c.path, c.op, c.value) for c in health.checks] == [("$.status", "==", "ok")]

    create = by_title["Create user"].rows[0]
    # inherited bearer auth -> a named profile, never the token; Content-Type dropped
    assert create.headers == {} and create.auth == "postman-bearer"
    assert create.body["email"] == "dana-${uuid}@example.com"  # {{$guid}} -> ${uuid}
    # its test script also logs (console.log), which no catalogue step says: the script runs as written,
    # whole, in the sandbox (issue 13), and sets userId there
    assert create.saves == [] and create.comments == []
    assert create.then[0].startswith('the Postman tests of "Create user" pass:\n// ---- request "Create user" ----\n')
    assert 'pm.environment.set("userId", json.id);' in create.then[0]

    # "Get user" uses {{userId}}, saved by "Create user" just before it in the same folder: the folder's
    # requests run @in-order with shared variables (as in Newman), so nothing is replayed
    get_user = by_title["Get user"]
    assert [r.method for r in get_user.rows] == ["GET"] and not get_user.rows[0].replayed
    assert get_user.rows[0].path == "/users/${userId}"
    assert get_user.rows[0].then == ["the response time should be less than 2000 ms"]
    assert all("in-order" in r.tags for r in result.requirements)

    paged = by_title["Users are paged"].rows[0]
    assert paged.query == [("page", "1"), ("size", "5")] and paged.expected_status == [200]
    assert len(by_title["Users are paged"].rows) == 1  # no variables used: nothing replayed
    assert result.untranslated == 1  # postman.setNextRequest (the sandbox ignores it: each request is a scenario)


@pytest.mark.parametrize(
    ("line", "attribute", "expected"),
    [
        ("pm.response.to.have.status(201);", "statuses", [201]),
        ('pm.response.to.have.status("Not Found");', "statuses", [404]),
        ("pm.response.to.be.created;", "statuses", [201]),
        ("pm.expect(pm.response.code).to.be.oneOf([200, 204]);", "statuses", [200, 204]),
        ("pm.expect(pm.response.code).to.equal(202);", "statuses", [202]),
    ],
)
def test_status_assertions(line: str, attribute: str, expected: list) -> None:
    assert getattr(translate([line]), attribute) == expected


def test_json_assertions_and_saves() -> None:
    result = translate([
        "const body = pm.response.json();",
        "pm.test('x', () => {",
        "  pm.expect(body.items[0]['first-name']).to.eql('Ann');",
        "  pm.expect(body.count).to.not.eql(0);",
        "  pm.expect(body.tags).to.have.lengthOf(2);",
        "  pm.expect(body.id).to.be.a('number');",
        "  pm.expect(body.gone).to.not.exist;",
        "  pm.expect(body.meta).to.deep.include({total: 3});",
        "});",
        'pm.response.to.have.jsonBody("data.id", 7);',
        'pm.collectionVariables.set("loc", pm.response.headers.get("Location"));',
        'pm.expect(pm.response.headers.get("Content-Type")).to.include("json");',
        "pm.environment.set('mode', 'fast');",
        "if (x) { doSomething(); }",
    ])
    assert [(c.path, c.op, c.value) for c in result.checks] == [
        ("$.items[0]['first-name']", "==", "Ann"), ("$.count", "!=", 0), ("$.tags", "len", 2),
        ("$.id", "type", "number"), ("$.data.id", "==", 7),
    ]
    assert result.then[0] == 'the response JSON at "$.gone" should not exist'
    assert result.then[1].startswith("the response body should contain:\n")
    assert result.then[2] == 'the response header "Content-Type" should contain "json"'
    assert [(s.name, s.header) for s in result.saves] == [("loc", "Location")]
    assert result.given == ['the variable "mode" is "fast"']
    assert result.comments == ["if (x) { doSomething()"]  # kept (as a comment), counted once


def test_other_versions_and_broken_files_are_refused(tmp_path: Path) -> None:
    v10 = write(tmp_path, collection([], schema="https://schema.getpostman.com/json/collection/v1.0.0/collection.json"))
    error = str(read_requirements(v10).errors[0])
    assert str(v10) in error and "version v1.0.0" in error and "only v2.0 and v2.1" in error

    broken = tmp_path / "broken.json"
    broken.write_text('{"info": {')
    assert "not a JSON file" in str(read_requirements(broken).errors[0])

    other = write(tmp_path, {"name": "not postman"}, "other.json")
    assert "neither a Postman collection" in str(read_requirements(other).errors[0])


def test_a_bad_request_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    data = collection([
        {"name": "Folder", "item": [
            {"name": "Weird", "request": {"method": "FETCH", "url": "{{baseUrl}}/x"}},
            {"name": "Fine", "request": {"method": "GET", "url": "http://api.example.com/health?x=1"}},
        ]},
    ], variable=[{"key": "baseUrl", "value": "http://api.example.com"}])
    result = read_requirements(write(tmp_path, data))
    assert [r.title for r in result.requirements] == ["Fine"]
    assert result.requirements[0].rows[0].path == "/health" and result.requirements[0].rows[0].query == [("x", "1")]
    assert "item 'Folder / Weird'" in str(result.errors[0]) and "unknown HTTP method 'FETCH'" in str(result.errors[0])


def test_a_folder_runs_in_order_and_other_folders_replay_what_they_need(tmp_path: Path) -> None:
    def request(name: str, method: str, url: str, test: str = "") -> dict:
        item = {"name": name, "request": {"method": method, "url": url}}
        if test:
            item["event"] = [{"listen": "test", "script": {"exec": [test]}}]
        return item

    data = collection([
        {"name": "Auth", "item": [request("Login", "POST", "{{baseUrl}}/login",
                                          'pm.environment.set("session", pm.response.json().session);')]},
        {"name": "Users", "item": [
            request("Create", "POST", "{{baseUrl}}/users?s={{session}}", 'pm.environment.set("id", pm.response.json().id);'),
            request("Delete", "DELETE", "{{baseUrl}}/users/{{id}}?s={{session}}"),
            request("Gone", "GET", "{{baseUrl}}/users/{{id}}?s={{session}}"),
        ]},
        {"name": "Round trip", "description": "qaflow:scenario", "item": [
            request("Make", "POST", "{{baseUrl}}/users?s={{session}}", 'pm.environment.set("id", pm.response.json().id);'),
            request("Read", "GET", "{{baseUrl}}/users/{{id}}"),
        ]},
    ])
    result = read_requirements(write(tmp_path, data))
    assert result.errors == []
    by_title = {r.title: r for r in result.requirements}
    # Users' requests need Auth's session: Login (another folder) is replayed at the start of each...
    assert [(r.method, r.replayed) for r in by_title["Create"].rows] == [("POST", True), ("POST", False)]
    assert [(r.method, r.replayed) for r in by_title["Gone"].rows] == [("POST", True), ("GET", False)]
    # ...but "id" comes from Create, which ran just before in the same folder: not replayed
    assert all(r.path != "/users" for r in by_title["Gone"].rows)
    assert all("in-order" in by_title[t].tags for t in ("Login", "Create", "Delete", "Gone"))
    # a qaflow:scenario folder is one scenario of its own, run alongside the others
    assert "in-order" not in by_title["Round trip"].tags
