"""The request an operation gets (parameters by style, the body's media type, Accept, the
security scheme chosen), responses judged by their own content type, OpenAPI 3.0's own
schema words, and the coverage arithmetic: plain functions, no server."""

from __future__ import annotations

import httpx

from tasks.execution.http import Response
from tasks.execution.openapi import conformance_problems
from tasks.execution.results import ScenarioResult, StepResult
from tasks.reports.coverage import operation_coverage
from tasks.requirements.openapi_requests import build_request, security_schemes

DOC = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "security": [{"oidc": []}, {"key": []}],
    "paths": {
        "/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": "a b/c"}],
            "post": {
                "operationId": "make",
                "parameters": [
                    {"name": "ids", "in": "query", "required": True, "style": "pipeDelimited",
                     "schema": {"type": "array", "items": {"type": "integer"}}, "example": [1, 2]},
                    {"name": "filter", "in": "query", "style": "deepObject", "example": {"kind": "x"}},
                    {"name": "skipped", "in": "query", "schema": {"type": "string"}},
                    {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string", "example": "t-1"}},
                    {"name": "Accept", "in": "header", "required": True, "schema": {"type": "string"}},
                    {"name": "lang", "in": "cookie", "schema": {"type": "string", "default": "ko"}},
                ],
                "requestBody": {"content": {
                    "application/xml": {"schema": {"$ref": "#/components/schemas/Thing"}},
                    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Thing"}},
                }},
                "responses": {
                    "200": {"description": "ok", "content": {
                        "application/xml": {"schema": {"type": "object"}},
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "4XX": {"description": "client error"},
                },
            },
        },
        "/things/special": {"get": {"operationId": "special", "security": [], "responses": {"204": {"description": "x"}}}},
    },
    "components": {
        "schemas": {"Thing": {"type": "object", "required": ["name"], "properties": {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string", "nullable": True, "example": "n"},
            "size": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 9}}}},
        "securitySchemes": {"oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://x/.well-known"},
                            "key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    },
}


def test_the_request_a_careful_client_sends() -> None:
    item = DOC["paths"]["/things/{id}"]
    request = build_request(DOC, "/things/{id}", item, item["post"])
    assert request.path == "/things/a%20b%2Fc"
    assert request.query == [("ids", "1|2"), ("filter[kind]", "x")]  # optional without a value: left out
    assert request.headers == {"X-Trace": "t-1", "Cookie": "lang=ko", "Accept": "application/json, application/xml;q=0.9",
                               "Content-Type": "application/x-www-form-urlencoded"}  # form before XML
    assert request.body == {"name": "n", "size": 1}  # readOnly id left out, exclusive minimum honoured
    assert request.schemes == ["key"]  # openIdConnect cannot be done alone: the API-key alternative
    assert security_schemes(DOC, DOC["paths"]["/things/special"]["get"]) == []  # security: [] is none


def _response(status: int, content_type: str, body: bytes) -> Response:
    return Response(status, httpx.Headers({"content-type": content_type} if content_type else {}), body, 1.0)


def test_responses_are_judged_by_their_own_content_type() -> None:
    assert conformance_problems(DOC, "make", _response(200, "application/json", b'{"name": null}')) == []  # 3.0 nullable
    assert conformance_problems(DOC, "make", _response(200, "application/xml", b"<thing/>")) == []
    (bad_xml,) = conformance_problems(DOC, "make", _response(200, "application/xml; charset=utf-8", b"<thing>"))
    assert "not well-formed XML" in bad_xml
    (other,) = conformance_problems(DOC, "make", _response(200, "text/html", b"<p>hi</p>"))
    assert "content-type 'text/html'" in other and "application/json" in other
    (size,) = conformance_problems(DOC, "make", _response(200, "application/json", b'{"name": "a", "size": 0}'))
    assert "size" in size  # 3.0's boolean exclusiveMinimum: 0 is out
    assert conformance_problems(DOC, "make", _response(404, "text/plain", b"nope")) == []  # 4XX, no content documented
    bomb = b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    assert "DTD" in conformance_problems(DOC, "make", _response(200, "application/xml", bomb))[0]


def test_coverage_matches_literal_paths_before_templates_and_statuses_to_ranges() -> None:
    def step(method: str, url: str, status: int) -> StepResult:
        return StepResult(keyword="When", text="x", status="passed", request={"method": method, "url": url},
                          response={"status": status})
    scenario = ScenarioResult(feature="f", feature_file="f", name="s", status="passed", steps=[
        step("POST", "http://h:1/api/things/7?x=1", 200), step("POST", "http://h:1/api/things/8", 418),
        step("POST", "http://h:1/api/things/9", 500),
        step("GET", "http://h:1/api/things/special", 204), step("GET", "http://h:1/api/nowhere", 200)])
    coverage = operation_coverage(DOC, [scenario], "http://h:1/api/")
    assert coverage.line() == "2/2 operations, 3/3 documented responses"
    make = next(o for o in coverage.operations if o.operation_id == "make")
    assert make.requests == 3 and make.responses == {"200": True, "4XX": True} and make.undocumented == [500]
    assert coverage.unmatched_requests == 1
