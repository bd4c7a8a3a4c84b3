"""OpenAPI 3 documents -> one smoke requirement per operation, with bodies that are
valid against the operation's schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from examples.demo_api.app import create_app
from tasks.requirements import read_requirements
from tasks.requirements.openapi import example_for


def test_every_operation_of_the_demo_api(tmp_path: Path) -> None:
    document = create_app().openapi()
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    result = read_requirements(path)
    assert result.errors == [] and result.warnings == []
    operations = {r.id: r for r in result.requirements}
    expected = {op["operationId"] for item in document["paths"].values() for op in item.values() if "operationId" in op}
    assert set(operations) == expected
    create = operations["create_user"].rows[0]
    # the security scheme the operation names (the demo's HTTPBearer; the 'default' profile stands in for it)
    assert (create.method, create.path) == ("POST", "/users")
    assert create.given == ['I am authenticated for the security scheme "HTTPBearer"']
    assert create.headers["Accept"].startswith("application/json")
    assert 201 in create.expected_status and create.then == ['the response should conform to the OpenAPI operation "create_user"']
    schema = {**document, "$ref": "#/components/schemas/UserIn"}
    jsonschema.validate(create.body, schema)  # the generated body is valid, email pattern included
    order = operations["create_order"].rows[0]
    jsonschema.validate(order.body, {**document, "$ref": "#/components/schemas/OrderIn"})
    assert operations["get_order"].rows[0].path.startswith("/orders/") and "{" not in operations["get_order"].rows[0].path
    assert operations["health"].rows[0].given == []  # no security on the operation
    assert all("smoke" in r.tags and r.kind == "openapi" for r in result.requirements)


def test_yaml_with_examples_and_a_wrong_version(tmp_path: Path) -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1"},
        "paths": {"/pets": {"post": {
            "tags": ["pets"],
            "requestBody": {"content": {"application/json": {"example": {"name": "Rex"}}}},
            "responses": {"201": {"description": "made"}},
        }}},
    }
    path = tmp_path / "pets.yaml"
    path.write_text(yaml.safe_dump(document))
    result = read_requirements(path)
    (pet,) = result.requirements
    assert pet.group == "pets" and pet.rows[0].body == {"name": "Rex"} and pet.id.startswith("OP-")
    assert "has no operationId" in result.warnings[0]

    swagger = tmp_path / "old.yaml"
    swagger.write_text("swagger: '2.0'\ninfo: {title: x}\n")
    old = read_requirements(swagger)  # Swagger 2.0 is converted to OpenAPI 3.0 as it is read (tests/openapi)
    assert old.errors == [] and "a Swagger 2.0 document, read as OpenAPI 3.0" in old.warnings[0]
    wrong = tmp_path / "events.yaml"
    wrong.write_text("openapi: '2.5'\ninfo: {title: x}\n")
    assert "not an OpenAPI 3 document (openapi: 2.5)" in str(read_requirements(wrong).errors[0])
    # a YAML alias inside its own node: an error naming the file, not a RecursionError
    looped = tmp_path / "looped.yaml"
    looped.write_text("swagger: '2.0'\ninfo: {title: x}\npaths:\n  /a: &p\n    get:\n"
                      "      responses: {'200': {description: ok}}\n      x-self: *p\n")
    (error,) = read_requirements(looped).errors
    assert str(looped) in str(error) and "refers to itself" in str(error)


def test_examples_from_schemas() -> None:
    doc = {"components": {"schemas": {"Id": {"type": "integer", "minimum": 5}}}}
    schema = {"type": "object", "required": ["id", "kind", "when"], "properties": {
        "id": {"$ref": "#/components/schemas/Id"}, "kind": {"enum": ["a", "b"]},
        "when": {"type": "string", "format": "date-time"}, "optional": {"type": "string"}}}
    # every property, not only the required ones
    assert example_for(doc, schema) == {"id": 5, "kind": "a", "when": "2026-01-01T00:00:00Z", "optional": "example"}
