"""Every catalogue step against the real demo API, passing and failing, through
`execute_features` on feature files written by the test."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.execution.conftest import TOKEN, failure

pytestmark = pytest.mark.server

CREATE_USER = '''
    When I send a POST request to "/users" with body:
      """json
      {"name": "Ann", "email": "ann-${uuid}@example.com", "age": 30}
      """
    Then the response status should be 201
    And I save the response JSON at "$.id" as "user_id"
'''


def test_request_steps(run, target, tmp_path):
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "user.json").write_text('{"name": "Cy", "email": "cy-${uuid}@example.com"}')
    (tmp_path / "bodies" / "broken.json").write_text('{"name": ')
    results = run(
        f'''Feature: request steps

  Scenario: base URL, header, variable, auth, query, bodies
    Given the base URL is "{target.base_url}"
    And the variable "who" is "Dee ${{uuid}}"
    And the request header "X-Trace" is "trace ${{who}}"
    And I am authenticated as "admin"
    And the request body is:
      """
      {{"name": "${{who}}", "email": "dee-${{uuid}}@example.com"}}
      """
    When I send a POST request to "/users"
    Then the response status should be 201
    And I save the response JSON at "$.name" as "saved"
    Given the request body is loaded from "bodies/user.json"
    When I send a POST request to "/users"
    Then the response status should be 201
    Given the query parameters are:
      | name | value |
      | page | 1     |
      | size | 2     |
    When I send a GET request to "/users"
    Then the response JSON at "$.size" should be 2
    And the response JSON at "$.items" should have 2 items
    When I send a GET request to "/users"
    Then the response JSON at "$.size" should be 20

  Scenario: a header set by hand authenticates
    Given the request header "Authorization" is "Bearer {TOKEN}"
    When I send a GET request to "/users"
    Then the response status should be 200

  Scenario: no authentication
    When I send a GET request to "/users"
    Then the response status should be 200

  Scenario: wrong credentials
    Given I am authenticated as "intruder"
    When I send a GET request to "/users"
    Then the response status should be 200

  Scenario: unknown auth profile
    Given I am authenticated as "nobody"
    When I send a GET request to "/users"

  Scenario: missing body file
    Given the request body is loaded from "bodies/none.json"

  Scenario: body file that is not JSON
    Given the request body is loaded from "bodies/broken.json"

  Scenario: doc string that is not JSON
    Given I am authenticated as "admin"
    When I send a POST request to "/users" with body:
      """
      {{"name": }}
      """
''',
        target,
        keep_bodies="all",
    )
    ok = results["base URL, header, variable, auth, query, bodies"]
    assert ok.status == "passed", [s.error for s in ok.steps]
    post = ok.steps[5]
    assert post.request["headers"]["X-Trace"].startswith("trace Dee ")
    assert post.request["headers"]["Authorization"] == "***"
    assert json.loads(post.request["body"])["name"].startswith("Dee ")
    listed = ok.steps[12]
    assert listed.request["url"].endswith("/users?page=1&size=2")
    assert ok.steps[15].request["url"].endswith("/users")  # query parameters applied once

    assert results["a header set by hand authenticates"].status == "passed"
    assert "expected status 200, got 401" in failure(results["no authentication"])
    assert "expected status 200, got 401" in failure(results["wrong credentials"])
    unknown = results["unknown auth profile"]
    assert unknown.status == "error"
    assert "no auth profile 'nobody'" in failure(unknown) and "admin, intruder" in failure(unknown)
    assert unknown.steps[-1].status == "skipped"
    assert "cannot read the request body file" in failure(results["missing body file"])
    assert "broken.json is not valid JSON" in failure(results["body file that is not JSON"])
    assert "the request body is not valid JSON" in failure(results["doc string that is not JSON"])


def test_poll(run, target):
    results = run(
        f'''Feature: poll
  Background:
    Given I am authenticated as "admin"
{CREATE_USER}
    When I send a POST request to "/orders" with body:
      """
      {{"user_id": "${{user_id}}", "items": [{{"sku": "A-1", "quantity": 2, "price": 2.5}}]}}
      """
    Then the response status should be 201
    And I save the response JSON at "$.id" as "order_id"

  Scenario: shipped in time
    When I send a POST request to "/orders/${{order_id}}/ship"
    Then the response status should be 202
    When I poll GET "/orders/${{order_id}}" until the response JSON at "$.status" is "shipped" within 12 attempts
    Then the response JSON at "$.status" should be "shipped"

  Scenario: never cancelled
    When I poll GET "/orders/${{order_id}}" until the response JSON at "$.status" is "cancelled" within 2 attempts
''',
        target,
    )
    assert results["shipped in time"].status == "passed", failure(results["shipped in time"])
    message = failure(results["never cancelled"])
    assert '$.status never became "cancelled" in 2 attempts; last value: "pending"' in message


def test_response_steps_pass(run, target, tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "user.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "required": ["id", "name", "email"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            }
        )
    )
    results = run(
        f'''Feature: response steps
  Scenario: all checks hold
    Given I am authenticated as "admin"
{CREATE_USER}
    And the response status should be one of [200, 201]
    And the response status should be one of 201, 204
    And the response header "Content-Type" should contain "application/json"
    And the response header "location" should contain "/users/${{user_id}}"
    And the response time should be less than 5000 ms
    And the response JSON at "$.id" should be ${{user_id}}
    And the response JSON at "$.name" should be "Ann"
    And the response JSON at "$.age" should be 30
    And the response JSON at "$.id" should exist
    And the response JSON at "$.password" should not exist
    And the response JSON at "$.email" should match "^ann-[0-9a-f-]+@example\\.com$"
    And the response JSON at "$.created_at" should match "^\\d{{4}}-\\d{{2}}-\\d{{2}}T"
    And the response JSON at "$.name" should be a string
    And the response JSON at "$.age" should be an integer
    And the response JSON at "$.age" should be a number
    And the response JSON at "$" should be an object
    And the response body should contain:
      """
      {{"id": "#number", "name": "Ann", "email": "#string", "role": "member", "created_at": "#ignore", "nope": "#ignore"}}
      """
    And the response should match the JSON schema "schemas/user.json"
    And the response should conform to the OpenAPI operation "create_user"
    And I save the response header "Location" as "where"
    When I send a GET request to "${{where}}"
    Then the response status should be 200
    And the response should conform to the OpenAPI operation "get_user"
    When I send a GET request to "/users?size=1"
    Then the response JSON at "$.items" should be an array
    And the response JSON at "$.items" should have 1 items
    And the response JSON at "$.items[*].id" should have 1 items
    And the response JSON at "$.total" should be a number
    And the response should conform to the OpenAPI operation "list_users"
    When I send a POST request to "/orders" with body:
      """
      {{"user_id": ${{user_id}}, "items": [{{"sku": "B", "quantity": 1, "price": 4}}]}}
      """
    Then the response JSON at "$.id" should match "^[0-9a-f-]{{36}}$"
    And the response body should contain:
      """
      {{"id": "#uuid", "total": 4, "status": "pending", "items": [{{"sku": "B", "quantity": 1, "price": "#number"}}]}}
      """
    And the response should conform to the OpenAPI operation "create_order"
    When I send a POST request to "/users" with body:
      """
      {{"name": "", "email": "x"}}
      """
    Then the response status should be 422
    And the response should conform to the OpenAPI operation "create_user"
    And the response JSON at "$.detail[*].loc[1]" should be ["name", "email"]
    When I send a DELETE request to "/users/${{user_id}}"
    Then the response status should be 204
''',
        target,
    )
    scenario = results["all checks hold"]
    assert scenario.status == "passed", failure(scenario)
    assert all(step.duration_s >= 0 for step in scenario.steps)


FAILING = {
    "status": ("the response status should be 200", "expected status 200, got 201"),
    "status one of": ("the response status should be one of [200, 204]", "expected status one of [200, 204], got 201"),
    "header value": ('the response header "content-type" should contain "text/html"', "expected header 'content-type' to contain 'text/html', got 'application/json'"),
    "header missing": ('the response header "X-Nope" should contain "a"', "the response has no such header"),
    "time": ("the response time should be less than 0.001 ms", "expected a response time below 0.001 ms"),
    "json value": ('the response JSON at "$.name" should be "Bob"', 'at $.name: expected "Bob", got "Ann"'),
    "json number": ('the response JSON at "$.age" should be 31', "at $.age: expected 31, got 30"),
    "json missing": ('the response JSON at "$.nope" should be 1', "nothing at $.nope in the response body"),
    "exists": ('the response JSON at "$.nope" should exist', "nothing at $.nope"),
    "not exists": ('the response JSON at "$.name" should not exist', 'expected nothing at $.name, got "Ann"'),
    "regex": ('the response JSON at "$.name" should match "^B"', 'at $.name: expected a value matching /^B/, got "Ann"'),
    "type": ('the response JSON at "$.name" should be a number', 'at $.name: expected a number, got string "Ann"'),
    "items": ('the response JSON at "$.name" should have 2 items', "at $.name: expected 2 items, got 1"),
    "schema": ('the response should match the JSON schema "strict.json"', "does not match the schema strict.json: $.age: 30 is not of type 'string'"),
    "openapi status": ('the response should conform to the OpenAPI operation "get_user"', "status 201 is not documented for GET /users/{user_id} (get_user); documented: 200, 401, 404, 422"),
    "openapi body": ('I send a GET request to "/users/${user_id}"\n    Then the response should conform to the OpenAPI operation "list_users"', "body does not match the 200 schema of GET /users (list_users)"),
    "save missing": ('I save the response JSON at "$.nope" as "x"', "nothing at $.nope"),
    "save header missing": ('I save the response header "X-Nope" as "x"', "expected a response header 'X-Nope' to save"),
    "unknown variable": ('the response JSON at "$.id" should be ${never_saved}', "unknown variable ${never_saved}"),
}


def test_response_steps_fail(run, target, tmp_path):
    (tmp_path / "strict.json").write_text('{"type": "object", "properties": {"age": {"type": "string"}}}')
    scenarios = "\n".join(
        f"  Scenario: {name}\n    Given I am authenticated as \"admin\"\n{CREATE_USER}    Then {step}\n"
        for name, (step, _) in FAILING.items()
    )
    body_contains = '''  Scenario: body contains
    Given I am authenticated as "admin"
''' + CREATE_USER + '''    Then the response body should contain:
      """
      {"id": "#string", "name": "Bob", "role": "member"}
      """
'''
    unknown_op = '''  Scenario: unknown operation
    Given I am authenticated as "admin"
''' + CREATE_USER + '''    Then the response should conform to the OpenAPI operation "no_such_op"
'''
    results = run(f"Feature: failing checks\n{scenarios}\n{body_contains}\n{unknown_op}", target)
    for name, (_, expected) in FAILING.items():
        scenario = results[name]
        assert scenario.status == "failed", (name, scenario.status, failure(scenario))
        assert expected in failure(scenario), (name, failure(scenario))
    contains = failure(results["body contains"])
    assert "$.id: expected #string, got " in contains and '$.name: expected "Bob", got "Ann"' in contains
    assert "role" not in contains
    unknown = results["unknown operation"]
    assert unknown.status == "error" and "no operation 'no_such_op'" in failure(unknown)
    assert "create_user" in failure(unknown)


def test_schema_refs_and_openapi_sources(run, target, tmp_path):
    (tmp_path / "item.json").write_text('{"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}')
    (tmp_path / "page.json").write_text(
        '{"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "item.json"}}}}'
    )
    (tmp_path / "strict_item.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}')
    (tmp_path / "strict_page.json").write_text(
        '{"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "strict_item.json"}}}}'
    )
    document = httpx.get(f"{target.base_url}/openapi.json").json()
    document["paths"]["/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object", "required": ["nothing_like_this"]
    }
    (tmp_path / "local-openapi.json").write_text(json.dumps(document))
    text = f'''Feature: schema refs
  Background:
    Given I am authenticated as "admin"
{CREATE_USER}
    When I send a GET request to "/users"

  Scenario: ref resolved next to the schema
    Then the response should match the JSON schema "page.json"

  Scenario: ref resolved and violated
    Then the response should match the JSON schema "strict_page.json"

  Scenario: conformance by a local document
    Then the response should conform to the OpenAPI operation "list_users"
'''
    results = run(text, target)
    assert results["ref resolved next to the schema"].status == "passed"
    assert "$.items[0].id: " in failure(results["ref resolved and violated"])
    assert results["conformance by a local document"].status == "passed"

    local = run(text, target, openapi=tmp_path / "local-openapi.json")
    assert "'nothing_like_this' is a required property" in failure(local["conformance by a local document"])
    missing = run(text, target, openapi=tmp_path / "none.json")
    scenario = missing["conformance by a local document"]
    assert scenario.status == "error" and failure(scenario).startswith("no OpenAPI document: ")
