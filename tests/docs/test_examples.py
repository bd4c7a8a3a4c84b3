"""The examples the README runs stay true to what they stand for."""

from __future__ import annotations

import json

from examples.demo_api.app import create_app
from tasks.settings import project_root

EXAMPLES = project_root() / "examples"


def test_the_openapi_example_is_the_demo_apis_own_document():
    # `qaflow bdd run examples/openapi/demo-api.openapi.json` must test the API the demo serves
    saved = json.loads((EXAMPLES / "openapi" / "demo-api.openapi.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(create_app().openapi()))


def test_the_postman_environment_keeps_its_token_a_secret():
    environment = json.loads((EXAMPLES / "postman" / "local.postman_environment.json").read_text(encoding="utf-8"))
    kinds = {v["key"]: v["type"] for v in environment["values"]}
    assert kinds == {"baseUrl": "default", "token": "secret", "pageSize": "default"}
