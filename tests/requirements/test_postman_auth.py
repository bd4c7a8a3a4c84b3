"""Postman credentials -> profile names in the requirements, values only at run time."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tasks.requirements.model import RequirementError
from tasks.requirements.postman import read_postman
from tasks.requirements.postman_auth import load_environment, postman_credentials

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def _request(name: str, path: str, **request: object) -> dict:
    return {"name": name, "request": {"method": "GET", "url": "{{baseUrl}}" + path, **request}}


def _bearer(token: str) -> dict:
    return {"type": "bearer", "bearer": [{"key": "token", "value": token}]}


def _write(tmp_path: Path, data: dict, name: str = "c.postman_collection.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _everything(requirements: list) -> str:
    return json.dumps([r.model_dump(mode="json") for r in requirements])


def test_each_distinct_credential_gets_one_name(tmp_path: Path) -> None:
    collection = {
        "info": {"name": "C", "schema": SCHEMA},
        "auth": _bearer("collection-token-1"),
        "variable": [{"key": "baseUrl", "value": "http://127.0.0.1:1"}],
        "item": [
            _request("Inherits", "/a"),
            {"name": "Admin", "auth": _bearer("admin-token-22"), "item": [_request("Admin thing", "/b")]},
            {"name": "Same", "auth": _bearer("collection-token-1"), "item": [_request("Same token", "/c")]},
            _request("Own basic", "/d", auth={"type": "basic", "basic": [
                {"key": "username", "value": "bob"}, {"key": "password", "value": "pw-333"}]}),
            _request("Raw header", "/e", auth={"type": "noauth"},
                     header=[{"key": "Authorization", "value": "Basic " + base64.b64encode(b"eve:pw-4444").decode()}]),
            _request("Exported", "/f", auth={"type": "noauth"},
                     header=[{"key": "Authorization", "value": "Bearer {{adminToken}}"}]),
            _request("Pre-request", "/g", auth={"type": "noauth"}, header=[{"key": "X-Token", "value": "{{tok}}"}]),
        ],
    }
    collection["item"][-1]["event"] = [{"listen": "prerequest", "script": {"exec": [
        "pm.environment.set('tok', 'pre-secret-55555');", "console.log('using collection-token-1');"]}}]
    path = _write(tmp_path, collection)
    requirements = {r.title: r for r in read_postman(path).requirements}
    auth = {title: r.rows[-1].auth for title, r in requirements.items()}
    assert auth == {
        "Inherits": "postman-bearer", "Admin thing": "postman-bearer-admin", "Same token": "postman-bearer",
        "Own basic": "postman-basic", "Raw header": "postman-basic-raw-header", "Exported": "admin",
        "Pre-request": None,
    }
    assert requirements["Pre-request"].rows[-1].headers == {"X-Token": "${tok}"}
    # the script runs as written (issue 13), reading the literal from a secret variable of the run
    (pre,) = requirements["Pre-request"].rows[-1].given
    assert "pm.environment.set('tok', pm.variables.get(\"tok\"));" in pre
    text = _everything(list(requirements.values()))
    for secret in ("collection-token-1", "admin-token-22", "pw-333", "pw-4444", "pre-secret-55555"):
        assert secret not in text  # not even in the kept comment (console.log)

    credentials = postman_credentials(path)
    headers = {name: profile.headers() for name, profile in credentials.profiles.items()}
    assert headers["postman-bearer"] == {"Authorization": "Bearer collection-token-1"}
    assert headers["postman-bearer-admin"] == {"Authorization": "Bearer admin-token-22"}
    assert headers["postman-basic-raw-header"] == {"Authorization": "Basic " + base64.b64encode(b"eve:pw-4444").decode()}
    assert credentials.secrets["tok"].get_secret_value() == "pre-secret-55555"
    assert any("'admin'" in line for line in credentials.missing)  # {{adminToken}} is set nowhere


def test_environment_values_fill_credentials_and_secret_flags(tmp_path: Path) -> None:
    collection = {"info": {"name": "C", "schema": SCHEMA}, "auth": _bearer("{{token}}"),
                  "variable": [{"key": "token", "value": "from-collection"}],
                  "item": [_request("One", "/users/{{userId}}")]}
    path = _write(tmp_path, collection)
    (requirement,) = read_postman(path).requirements
    assert requirement.variables == {}  # "token" is a credential: never a `the variable` step
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"values": [
        {"key": "token", "value": "from-environment", "type": "secret"},
        {"key": "userId", "value": "7", "type": "default"},
        {"key": "off", "value": "x", "enabled": False}]}))
    credentials = postman_credentials(path, env)  # the environment wins, as in Postman
    assert credentials.profiles["postman-bearer"].headers() == {"Authorization": "Bearer from-environment"}
    assert credentials.variables == {"userId": "7"} and "off" not in credentials.secrets
    assert credentials.secrets["token"].get_secret_value() == "from-environment"


def test_a_bad_environment_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(RequirementError, match="bad.json"):
        load_environment(bad)
    bad.write_text(json.dumps({"name": "no values"}))
    with pytest.raises(RequirementError, match="bad.json.*values"):
        load_environment(bad)
