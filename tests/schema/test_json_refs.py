"""`$ref` across files: by relative path, by `$id`, from --schema-dir; never over the network."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.schema import read_schema_file
from tasks.schema.errors import SchemaError


def _write(path: Path, doc: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


INVOICE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/schemas/invoice",
    "title": "invoice",
    "type": "object",
    "required": ["number", "lines", "links"],
    "properties": {
        "number": {"type": "string", "pattern": "^INV-[0-9]{6}$"},
        "customer": {"$ref": "parties.json#/$defs/party"},
        "lines": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"$ref": "lines"}},
        "links": {"$ref": "https://example.com/schemas/links"},
    },
}


@pytest.fixture
def invoice(tmp_path: Path) -> Path:
    root = _write(tmp_path / "invoice.schema.json", INVOICE)
    _write(tmp_path / "parties.json", {"$defs": {"party": {
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
                                                              "vat": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{8}$"}}}}})
    _write(tmp_path / "lines.json", {"type": "object", "required": ["sku", "qty"], "properties": {
        "sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}}})
    _write(tmp_path / "other-name.json", {"$id": "https://example.com/schemas/links", "type": "array",
                                          "items": {"type": "string", "format": "uri"}})
    return root


def test_refs_resolve_by_relative_path_and_by_id(invoice: Path) -> None:
    table = read_schema_file(invoice).tables[0]
    customer = table.column("customer")
    assert customer.type == "object" and [f.name for f in customer.fields] == ["name", "vat"]
    lines = table.column("lines")  # "lines" under the root's $id folder -> lines.json beside it
    assert lines.type == "array" and [f.name for f in lines.items.fields] == ["sku", "qty"]
    links = table.column("links")  # by $id, whatever the file is called
    assert links.type == "array" and links.items.format == "uri"


def test_schema_dir_is_searched_and_a_missing_ref_names_itself(tmp_path: Path) -> None:
    root = _write(tmp_path / "a" / "order.json", {"title": "order", "type": "object", "properties": {
        "party": {"$ref": "common/party.json"}}})
    with pytest.raises(SchemaError, match=r"reference 'common/party.json' .*cannot be resolved offline") as err:
        read_schema_file(root)
    assert err.value.pointer == "/properties/party/$ref"
    _write(tmp_path / "shared" / "common" / "party.json", {"type": "object", "properties": {"id": {"type": "integer"}}})
    table = read_schema_file(root, schema_dirs=[tmp_path / "shared"]).tables[0]
    assert [f.name for f in table.column("party").fields] == ["id"]


def test_a_file_ref_outside_the_schema_folders_is_refused(tmp_path: Path) -> None:
    secret = _write(tmp_path / "elsewhere" / "secret.json", {"type": "string"})
    root = _write(tmp_path / "s" / "x.json", {"title": "x", "type": "object", "properties": {
        "a": {"$ref": secret.as_uri()}}})
    with pytest.raises(SchemaError, match="cannot be resolved offline"):
        read_schema_file(root)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = json.dumps({"type": "string"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/schema+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def schema_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that would serve any schema asked for (and records asks)."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_ref_is_never_fetched(tmp_path: Path, schema_server: str) -> None:
    ref = f"{schema_server}/schemas/name.json"
    root = _write(tmp_path / "p.json", {"title": "p", "type": "object", "properties": {"name": {"$ref": ref}}})
    with pytest.raises(SchemaError, match="nothing is fetched from the network") as err:
        read_schema_file(root)
    assert ref in str(err.value)
    assert _Recorder.hits == []  # the server was there and would have answered: nobody asked
