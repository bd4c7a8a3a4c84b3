"""Shapes of real public OpenAPI documents that qaflow once got wrong (found by running
public specs against Prism, see the sweep in the report of issue 13), each sent to a real
local server that parses the request as a server would (tests/openapi/auth_api.py):

- a JSON request body whose schema is a string (tictactoe's `mark`, typesense's JSONL import)
  is a JSON string, not the bare text inside it; an object's example written as JSON text
  (typesense's `/config`) is the object it spells;
- a `format: binary` multipart property (a file upload) is a file part with a filename, which
  is what makes a server read it as an upload; an array of them, each item;
- an optional object parameter whose properties carry the document's examples (typesense's
  `deleteDocumentsParameters` with its required `filter_by`) is sent, as the document shows;
- an operation without an operationId is still checked against the document, by method and path;
- an operation that accepts several security schemes runs with whichever has a profile;
- a Swagger 2.0 document (gotify's, many in-house APIs') is read converted to OpenAPI 3.0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from blocks.target_api import AuthProfile, TargetAPI
from tasks.execution.http import Response
from tasks.execution.openapi import conformance_problems
from tasks.execution.openapi_swagger2 import to_openapi3
from tasks.execution.runner import execute_features
from tasks.requirements.openapi import read_openapi
from tasks.requirements.openapi_requests import request_body, security_schemes
from tasks.scenarios.generate import generate_features
from tests.openapi import auth_api
from tests.openapi.auth_api import AuthAPI

ECHOED = {"description": "what the server parsed",
          "content": {"application/json": {"schema": {"type": "object", "required": ["kind"]}}}}

DOC = {
    "openapi": "3.0.3",
    "info": {"title": "shapes", "version": "1"},
    "paths": {
        "/echo/board/{row}": {"post": {
            "operationId": "putSquare",
            "parameters": [{"name": "row", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 3}}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"type": "string", "enum": [".", "X", "O"], "example": "X"}}}},
            "responses": {"200": ECHOED},
        }},
        "/echo/config": {"post": {
            "operationId": "setConfig",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["slow-ms"], "properties": {"slow-ms": {"type": "integer"}},
                "example": "{\"slow-ms\": 2000}\n"}}}},  # an object's example written as JSON text
            "responses": {"200": ECHOED},
        }},
        "/echo/upload": {"post": {
            "operationId": "upload",
            "requestBody": {"content": {"multipart/form-data": {
                "schema": {"type": "object", "properties": {
                    "orderId": {"type": "integer", "example": 7},
                    "document": {"type": "string", "format": "binary"},
                    "photos": {"type": "array", "items": {"type": "string", "format": "binary"}}}},
                "encoding": {"photos": {"contentType": "image/png"}}}}},
            "responses": {"200": ECHOED},
        }},
        "/echo/anonymous": {"post": {  # no operationId: checked by its method and path
            "responses": {"200": ECHOED},
        }},
        "/echo/documents": {"post": {
            "operationId": "deleteByFilter",
            "parameters": [
                {"name": "filter", "in": "query", "schema": {
                    "type": "object", "required": ["filter_by"],
                    "properties": {"filter_by": {"type": "string", "example": "num:>100"},
                                   "batch_size": {"type": "integer"}}}},
                {"name": "unrelated", "in": "query", "schema": {"type": "object", "properties": {
                    "x": {"type": "string"}}}},
            ],
            "responses": {"200": ECHOED},
        }},
    },
}


@pytest.fixture(scope="module")
def api() -> Iterator[AuthAPI]:
    server = AuthAPI()
    try:
        yield server
    finally:
        server.close()


def test_real_spec_shapes_are_sent_as_a_server_reads_them(api: AuthAPI, tmp_path: Path) -> None:
    spec = tmp_path / "shapes.json"
    spec.write_text(json.dumps(DOC))
    read = read_openapi(spec)
    rows = {r.id: r.rows[0] for r in read.requirements}
    anonymous = next(r for r in read.requirements if r.id.startswith("OP-"))
    assert anonymous.rows[0].then == ['the response should conform to the OpenAPI operation "POST /echo/anonymous"']
    assert read.warnings == [f"{spec}: POST /echo/anonymous has no operationId; requirement id {anonymous.id}"]
    assert rows["putSquare"].body == '"X"'  # JSON text of the string, as the doc string carries it
    assert rows["setConfig"].body == {"slow-ms": 2000}  # the JSON the text spells, the schema being an object
    assert rows["upload"].body == {"orderId": 7, "document": "@blob:example.bin", "photos": ["@blob:example.png"]}
    assert rows["deleteByFilter"].query == [("filter_by", "num:>100"), ("batch_size", "1")]

    generated = generate_features(read.requirements, tmp_path / "features")
    result = execute_features([Path(f.path) for f in generated.files], TargetAPI(base_url=api.url),
                              openapi=spec, keep_bodies="all")
    failed = {s.name: s.failed_step.error for s in result.scenarios if s.status != "passed"}
    assert failed == {} and result.totals.passed == 5

    assert [s.steps[-1].text for s in result.scenarios if s.requirement_ids == [anonymous.id]] == [
        'the response should conform to the OpenAPI operation "POST /echo/anonymous"']
    # and the check is real: an answer that breaks the documented schema fails it
    broken = Response(200, httpx.Headers({"content-type": "application/json"}), b'{"no": "kind"}', 1.0)
    assert conformance_problems(DOC, "POST /echo/anonymous", broken) == [
        "body does not match the 200 schema of POST /echo/anonymous: $: "
        "'kind' is a required property"]

    echoed = {s.requirement_ids[0]: json.loads(step.response["body"]) for s in result.scenarios
              for step in s.steps if step.response and step.response.get("body")}
    assert echoed["putSquare"]["kind"] == "json" and echoed["putSquare"]["value"] == "X"
    assert echoed["setConfig"]["value"] == {"slow-ms": 2000}
    upload = echoed["upload"]
    assert upload["kind"] == "multipart" and upload["fields"]["orderId"] == "7"
    assert upload["files"] == {"document": [["example.bin", "application/octet-stream"]],
                               "photos": [["example.png", "image/png"]]}
    assert echoed["deleteByFilter"]["query"] == {"filter_by": ["num:>100"], "batch_size": ["1"]}


SWAGGER = {
    "swagger": "2.0", "info": {"title": "old", "version": "1"}, "host": "api.example.com", "basePath": "/v1",
    "schemes": ["https"], "produces": ["application/json", "application/xml"],
    "securityDefinitions": {
        "basic": {"type": "basic"},
        "key": {"type": "apiKey", "in": "query", "name": "token"},
        "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://auth.example.com/token",
                "scopes": {"read": "read"}},
    },
    "parameters": {
        "Limit": {"name": "limit", "in": "query", "type": "integer", "maximum": 50, "x-example": 5},
        "NewPet": {"name": "pet", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}},
    },
    "paths": {"/pets/{id}": {
        "parameters": [{"name": "id", "in": "path", "type": "integer", "required": True}],
        "get": {"operationId": "getPet", "security": [{"key": []}, {"basic": []}],
                "parameters": [{"$ref": "#/parameters/Limit"},
                               {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"},
                                "collectionFormat": "multi"},
                               {"name": "X-Ids", "in": "header", "type": "array", "items": {"type": "integer"}}],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"},
                                      "examples": {"application/json": {"name": "Rex"}}},
                              "404": {"description": "none"}}},
        "put": {"operationId": "putPet", "parameters": [{"$ref": "#/parameters/NewPet"}],
                "responses": {"default": {"$ref": "#/responses/Problem"}}},
        "post": {"operationId": "addPhoto", "consumes": ["multipart/form-data"], "parameters": [
                    {"name": "photo", "in": "formData", "type": "file", "required": True},
                    {"name": "caption", "in": "formData", "type": "string", "x-example": "hi"}],
                 "responses": {"201": {"description": "made"}}},
    }},
    "definitions": {"Pet": {"type": "object", "discriminator": "kind", "required": ["name"], "properties": {
        "name": {"type": "string"}, "kind": {"type": "string"},
        "nick": {"type": "string", "x-nullable": True},
        "friend": {"$ref": "#/definitions/Pet"}}}},
    "responses": {"Problem": {"description": "problem", "schema": {"type": "object"}}},
}


def test_a_swagger_2_document_is_read_as_openapi_3() -> None:
    """The 3.0 specification's mapping, word by word (a real 2.0 document runs against Prism in
    test_prism.py); every `$ref` points at its new home and nothing of the input is changed."""
    before = json.dumps(SWAGGER, sort_keys=True)
    doc = to_openapi3(SWAGGER)
    assert json.dumps(SWAGGER, sort_keys=True) == before
    assert doc["openapi"] == "3.0.3" and doc["servers"] == [{"url": "https://api.example.com/v1"}]
    assert doc["components"]["securitySchemes"] == {
        "basic": {"type": "http", "scheme": "basic"},
        "key": {"type": "apiKey", "in": "query", "name": "token"},
        "app": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "https://auth.example.com/token", "scopes": {"read": "read"}}}},
    }
    pet = doc["components"]["schemas"]["Pet"]
    assert pet["discriminator"] == {"propertyName": "kind"} and pet["properties"]["nick"]["nullable"] is True
    assert pet["properties"]["friend"] == {"$ref": "#/components/schemas/Pet"}
    assert doc["components"]["parameters"] == {"Limit": {"name": "limit", "in": "query", "example": 5,
                                                         "schema": {"type": "integer", "maximum": 50}}}

    item = doc["paths"]["/pets/{id}"]
    assert item["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    get = item["get"]
    assert get["parameters"] == [
        {"$ref": "#/components/parameters/Limit"},
        {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "style": "form", "explode": True},
        {"name": "X-Ids", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}},
         "style": "simple", "explode": False},
    ]
    assert get["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}, "example": {"name": "Rex"}},
        "application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}},
    }
    assert get["responses"]["404"] == {"description": "none"}
    put = item["put"]  # a shared body parameter becomes the request body
    assert "parameters" not in put and put["requestBody"] == {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
    assert put["responses"]["default"] == {"$ref": "#/components/responses/Problem"}
    form = item["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form == {"type": "object", "required": ["photo"], "properties": {
        "photo": {"type": "string", "format": "binary"}, "caption": {"type": "string", "example": "hi"}}}

    # and the importer reads it: the alternatives of getPet, the file part of addPhoto
    assert security_schemes(doc, get) == ["key or basic"]
    assert request_body(doc, item["post"]) == (
        "multipart/form-data", {"photo": "@blob:example.bin", "caption": "hi"})


def test_security_alternatives_run_with_the_profile_the_user_gave(api: AuthAPI, tmp_path: Path) -> None:
    """An operation that takes a header key, a query key or basic auth runs with whichever one
    has a profile (gotify's API: most users give a client token, some basic auth)."""
    spec = tmp_path / "alternatives.json"
    spec.write_text(json.dumps({
        "openapi": "3.0.3", "info": {"title": "alt", "version": "1"},
        "security": [{"headerKey": []}, {"queryKey": []}, {"basicAuth": []}],
        "components": {"securitySchemes": {
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "queryKey": {"type": "apiKey", "in": "query", "name": "key"},
            "basicAuth": {"type": "http", "scheme": "basic"}}},
        "paths": {"/basic": {"get": {"operationId": "basic", "responses": {"200": {"description": "ok"}}}}},
    }))
    read = read_openapi(spec)
    assert read.requirements[0].rows[0].given == [
        'I am authenticated for the security scheme "headerKey or queryKey or basicAuth"']
    generated = generate_features(read.requirements, tmp_path / "features")
    target = TargetAPI(base_url=api.url)
    target.auth_profiles["basicAuth"] = AuthProfile(kind="basic", username=auth_api.USER,
                                                    password=SecretStr(auth_api.PASSWORD))
    result = execute_features([Path(f.path) for f in generated.files], target, openapi=spec)
    assert result.totals.passed == 1, [s.failed_step.error for s in result.scenarios if s.failed_step]

    target.auth_profiles.clear()  # none of them: the error names them all
    result = execute_features([Path(f.path) for f in generated.files], target, openapi=spec)
    assert "no auth profile 'headerKey' or 'queryKey' or 'basicAuth' (nor 'default')" in \
        result.scenarios[0].failed_step.error
