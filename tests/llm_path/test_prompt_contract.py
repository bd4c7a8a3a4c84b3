"""The prompt carries the API's contract: the OpenAPI operations relevant to the
requirement (bounded; others left out) and the target's auth profile names; the
contract is part of the answer cache key."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.requirements.model import Requirement
from tasks.scenarios.contract import MAX_OPERATIONS, load_contract
from tasks.scenarios.generate import generate_features
from tests.fakes.openai_server import FakeOpenAI, endpoint_for
from tests.llm_path.conftest import ANSWER

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Shop", "version": "1"},
    "paths": {
        "/users": {"post": {"operationId": "createUser", "summary": "Create a user", "tags": ["users"],
                            "requestBody": {"content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/NewUser"}}}},
                            "responses": {"201": {"description": "created"}, "422": {"description": "bad"}}}},
        "/users/{id}": {"get": {"operationId": "getUser", "summary": "Read a user", "tags": ["users"],
                                "responses": {"200": {"description": "ok"}}}},
        "/invoices": {"get": {"operationId": "listInvoices", "summary": "List invoices", "tags": ["billing"],
                              "responses": {"200": {"description": "ok"}}}},
    },
    "components": {"schemas": {"NewUser": {"type": "object", "required": ["email"],
                                           "properties": {"name": {"type": "string"}, "email": {"type": "string"}}}}},
}
PROSE = Requirement(id="REQ-7", title="Users can be created",
                    text="Creating a user with a name and an email answers 201; without an email 422.",
                    source="/home/someone/checkout/docs/srs.docx § Users", group="Users")


def test_the_prompt_carries_the_relevant_operations_and_the_profile_names(tmp_path: Path) -> None:
    spec = tmp_path / "shop.openapi.json"
    spec.write_text(json.dumps(OPENAPI))
    (tmp_path / "notes.md").write_text("# not an OpenAPI document\n")
    contract = load_contract([spec, tmp_path / "notes.md"], ["reader", "admin", "admin"])
    assert len(contract.operations) == 3 and contract.auth_profiles == ["admin", "reader"]
    with FakeOpenAI() as llm:
        llm.respond_with(lambda body: ANSWER)
        generate_features([PROSE], tmp_path / "out", endpoint_for(llm))
        generate_features([PROSE], tmp_path / "out", endpoint_for(llm), contract=contract)
        assert len(llm.requests) == 2  # the contract is part of the key: asked again
        plain, with_contract = (r["messages"][1]["content"] for r in llm.requests)
    assert "POST /users" not in plain and "Source: srs.docx § Users" in plain
    assert "/home/someone" not in plain + with_contract
    assert "- POST /users; operationId createUser; Create a user; body fields: name, email*; responses: 201, 422" \
        in with_contract
    assert "GET /users/{id}; operationId getUser" in with_contract
    assert "/invoices" not in with_contract  # not relevant to this requirement
    assert 'Auth profiles of the target (use these names in \'I am authenticated as "..."\'): admin, reader' \
        in with_contract


def test_the_operations_in_a_prompt_are_bounded(tmp_path: Path) -> None:
    many = {"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {
        f"/users/{i}/things": {"get": {"operationId": f"userThing{i}", "summary": "user things " * 30}}
        for i in range(40)}}
    spec = tmp_path / "many.json"
    spec.write_text(json.dumps(many))
    lines = load_contract([spec]).prompt_section(PROSE)
    operations = [line for line in lines if line.startswith("- GET")]
    assert 0 < len(operations) <= MAX_OPERATIONS and sum(len(line) for line in operations) <= 4000
    assert lines == load_contract([spec]).prompt_section(PROSE)  # stable: the same prompt every run


def test_the_contract_the_target_serves_and_the_profile_names_reach_the_flows_prompts(tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tasks.scenarios.contract import prompt_contract

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps(OPENAPI).encode()
            status = 200 if self.path == "/api/openapi.json" else 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        notes = tmp_path / "notes.md"
        notes.write_text("# Notes\n")
        served = prompt_contract([str(notes)], "", f"{base}/api", {"admin": "ADMIN_TOKEN"})
        assert [op.operation_id for op in served.operations] == ["createUser", "getUser", "listInvoices"]
        assert served.auth_profiles == ["admin"]
        assert prompt_contract([str(notes)], "", f"{base}/elsewhere", None).operations == []  # 404: none
    finally:
        server.shutdown()
        server.server_close()
