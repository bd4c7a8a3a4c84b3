"""Everything else a Postman collection holds: v2.0 (Newman's own sample), auth at
collection, folder and request level in Postman's order (inherit, noauth, v2.0's
object form), every body mode (raw JSON/text/XML, urlencoded, formdata with files
inside the collection's folder only, file, graphql), and environment/globals/--env-var
values baked into the requirements in Postman's order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.requirements import read_requirements
from tasks.requirements.model import RequirementError
from tasks.requirements.postman_auth import credentials_for
from tasks.requirements.postman_vars import SCOPES_KEY, bake, load_scopes, parse_env_vars

HERE = Path(__file__).parent
V21 = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def write(folder: Path, data: dict, name: str = "c.postman_collection.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def request(name: str, method: str = "GET", url: str = "{{baseUrl}}/x", **extra: object) -> dict:
    return {"name": name, "request": {"method": method, "url": url, **extra}}


def test_newmans_own_v2_0_sample_is_read() -> None:
    result = read_requirements(HERE / "fixtures" / "newman-sample-v2.0.postman_collection.json")
    assert result.errors == []
    get, text, as_json = (r.rows[0] for r in result.requirements)
    assert (get.method, get.path, get.query) == ("GET", "/get", [("source", "newman-sample-github-collection")])
    assert text.body.startswith("Duis posuere") and text.headers == {"Content-Type": "text/plain"}
    assert as_json.body == {"text": "Duis posuere augue vel cursus pharetra. In luctus a ex nec pretium..."}
    assert "Content-Type" not in as_json.headers  # JSON is sent as JSON


def test_auth_in_postmans_order(tmp_path: Path) -> None:
    bearer = {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}"}]}
    basic_v20 = {"type": "basic", "basic": {"username": "ann", "password": "{{password}}"}}  # v2.0's object form
    data = {
        "info": {"name": "Auth", "schema": V21},
        "auth": bearer,
        "item": [
            request("from the collection"),
            request("inherits explicitly", auth={"type": "inherit"}),
            request("no auth", auth={"type": "noauth"}),
            {"name": "Basic folder", "auth": basic_v20, "item": [
                request("from the folder"),
                request("own api key in the query",
                        auth={"type": "apikey", "apikey": [{"key": "key", "value": "api_key"},
                                                           {"key": "value", "value": "{{apiKey}}"},
                                                           {"key": "in", "value": "query"}]}),
                {"name": "Open folder", "auth": {"type": "noauth"}, "item": [request("nothing below noauth")]},
            ]},
        ],
    }
    result = read_requirements(write(tmp_path, data))
    rows = {r.title: r.rows[0] for r in result.requirements}
    assert rows["from the collection"].auth == rows["inherits explicitly"].auth == "postman-bearer"
    assert rows["no auth"].auth is None and rows["nothing below noauth"].auth is None
    assert rows["from the folder"].auth == "postman-basic"
    assert rows["own api key in the query"].auth is None
    assert rows["own api key in the query"].query == [("api_key", "${apiKey}")]

    env = tmp_path / "env.json"
    env.write_text(json.dumps({"values": [{"key": "token", "value": "t-1"}, {"key": "password", "value": "pw"}]}))
    credentials = credentials_for([write(tmp_path, data)], env, env_vars={"apiKey": "k-9"})
    assert credentials.profiles["postman-bearer"].token.get_secret_value() == "t-1"
    assert credentials.profiles["postman-basic"].password.get_secret_value() == "pw"
    assert credentials.secrets["apiKey"].get_secret_value() == "k-9"  # --env-var fills a credential too


def test_every_body_mode(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "photo.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "payload.bin").write_bytes(b"\x00\x01")
    data = {"info": {"name": "Bodies", "schema": V21}, "item": [
        request("xml", "POST", body={"mode": "raw", "raw": "<a>{{v}}</a>", "options": {"raw": {"language": "xml"}}}),
        request("text", "POST", body={"mode": "raw", "raw": "hello {{name}}"}),
        request("json", "POST", header=[{"key": "Content-Type", "value": "application/json"}],
                body={"mode": "raw", "raw": '{"n": 1}'}),
        request("form", "POST", body={"mode": "urlencoded", "urlencoded": [
            {"key": "a", "value": "1"}, {"key": "a", "value": "2"}, {"key": "b", "value": "{{v}}"},
            {"key": "off", "value": "x", "disabled": True}]}),
        request("multipart", "POST", body={"mode": "formdata", "formdata": [
            {"key": "title", "value": "hi", "type": "text"},
            {"key": "photo", "type": "file", "src": "files/photo.png"}]}),
        request("binary", "PUT", body={"mode": "file", "file": {"src": "payload.bin"}}),
        request("graphql", "POST", body={"mode": "graphql", "graphql": {
            "query": "query ($id: ID!) { user(id: $id) { name } }", "variables": '{"id": "{{userId}}"}'}}),
        request("escape", "POST", body={"mode": "formdata", "formdata": [
            {"key": "f", "type": "file", "src": "../../etc/passwd"}]}),
        request("escape by file body", "POST", body={"mode": "file", "file": {"src": "/etc/passwd"}}),
    ]}
    result = read_requirements(write(tmp_path, data))
    rows = {r.title: r.rows[0] for r in result.requirements}
    assert rows["xml"].body == "<a>${v}</a>" and rows["xml"].headers == {"Content-Type": "application/xml"}
    assert rows["text"].body == "hello ${name}" and rows["text"].headers == {"Content-Type": "text/plain"}
    assert rows["json"].body == {"n": 1} and rows["json"].headers == {}
    assert rows["form"].body == {"a": ["1", "2"], "b": "${v}"}
    assert rows["form"].headers == {"Content-Type": "application/x-www-form-urlencoded"}
    photo = str((tmp_path / "files" / "photo.png").resolve())
    assert rows["multipart"].body == {"title": "hi", "photo": "@file:" + photo}
    assert rows["multipart"].headers == {"Content-Type": "multipart/form-data"}
    assert rows["binary"].body is None and rows["binary"].given == [
        'the request header "Content-Type" is "application/octet-stream"',
        f'the request body is loaded from "{(tmp_path / "payload.bin").resolve()}"']
    assert rows["graphql"].body == {"query": "query ($id: ID!) { user(id: $id) { name } }",
                                    "variables": {"id": "${userId}"}}
    # a file outside the collection's folder is refused, by name, and the rest goes on
    assert "escape" not in rows and "escape by file body" not in rows
    errors = [str(e) for e in result.errors]
    assert any("'escape'" in e and "outside the collection's folder" in e for e in errors)
    assert any("escape by file body" in e and "outside the collection's folder" in e for e in errors)
    assert result.untranslated == 0  # every mode is translated; nothing left as a comment


def test_environment_globals_and_env_vars_in_postmans_order(tmp_path: Path) -> None:
    data = {"info": {"name": "Vars", "schema": V21},
            "variable": [{"key": "who", "value": "collection"}, {"key": "size", "value": "1"}],
            "item": [request("one", url="{{baseUrl}}/items/{{who}}?size={{size}}&region={{region}}",
                             header=[{"key": "X-Trace", "value": "{{trace}}"}])]}
    collection = write(tmp_path, data)
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"values": [
        {"key": "who", "value": "environment"}, {"key": "region", "value": "eu"},
        {"key": "sessionToken", "value": "never-in-a-feature"}, {"key": "off", "value": "x", "enabled": False}]}))
    glob = tmp_path / "globals.json"
    glob.write_text(json.dumps({"values": [{"key": "region", "value": "global"}, {"key": "trace", "value": "g-1"}]}))

    scopes = load_scopes(collection, env, glob, parse_env_vars(["size=5"]))
    assert scopes.plain()["who"] == "environment" and scopes.plain()["region"] == "eu"  # env over globals
    assert scopes.plain()["size"] == "5"  # --env-var over the collection
    assert "sessionToken" not in scopes.plain() and "off" not in scopes.plain()
    runtime = scopes.runtime_variables()
    assert runtime[SCOPES_KEY]["globals"] == {"region": "global", "trace": "g-1"}
    assert runtime[SCOPES_KEY]["collection"]["who"] == "collection"

    requirements = read_requirements(collection).requirements
    assert bake(requirements, load_scopes(None, env, glob, {"size": "5"})) == 4
    assert requirements[0].variables == {"who": "environment", "size": "5", "region": "eu", "trace": "g-1"}


def test_env_var_secrets_stay_out_of_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    environ: dict[str, str] = {}
    pairs = parse_env_vars(["apiKey=k-1", "page=2"], environ)
    assert pairs == {"apiKey": "env:QAFLOW_ENV_VAR_APIKEY", "page": "2"} and environ == {"QAFLOW_ENV_VAR_APIKEY": "k-1"}
    monkeypatch.setenv("QAFLOW_ENV_VAR_APIKEY", "k-1")
    scopes = load_scopes(env_vars=pairs)
    assert scopes.environment["apiKey"].value == "k-1" and scopes.environment["apiKey"].secret
    assert scopes.plain() == {"page": "2"}
    with pytest.raises(RequirementError, match="expected NAME=VALUE"):
        parse_env_vars(["nonsense"])


def test_the_environment_gives_the_base_url(tmp_path: Path) -> None:
    from tasks.requirements.postman_vars import base_url_from

    collection = write(tmp_path, {"info": {"name": "B", "schema": V21}, "item": [request("one")]})
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"values": [{"key": "baseUrl", "value": "http://127.0.0.1:9/api/"}]}))
    assert base_url_from([collection], load_scopes(environment=env)) == "http://127.0.0.1:9/api"
    assert base_url_from([collection], load_scopes()) is None
