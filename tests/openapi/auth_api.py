"""A real HTTP API on 127.0.0.1 with one operation per kind of security scheme, an OAuth2
token endpoint (client-credentials and password grants) that counts what it issues, and an
echo that parses request bodies the way a server does (form, multipart, XML, bytes)."""

from __future__ import annotations

import base64
import email.parser
import json
import secrets
import threading
import xml.etree.ElementTree as ElementTree
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "api-key-5e2c91"
COOKIE_KEY = "cookie-key-0b7d33"
QUERY_KEY = "query-key-44af10"
USER, PASSWORD = "ann", "basic-password-8c1e"
BEARER = "static-bearer-72d9aa"
CLIENT_ID, CLIENT_SECRET = "qaflow-client", "client-secret-3f9b27"
OAUTH_USER, OAUTH_PASSWORD = "kim", "oauth-password-61c0de"


def document() -> dict[str, Any]:
    """The API's OpenAPI 3.1 document: each operation names the scheme it needs."""
    def op(op_id: str, scheme: str | None) -> dict[str, Any]:
        return {"operationId": op_id, "tags": ["auth"], "security": [{scheme: []}] if scheme else [],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}}}},
                    "401": {"description": "no"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Auth kinds", "version": "1"},
        "paths": {
            "/header-key": {"get": op("headerKey", "headerKey")},
            "/query-key": {"get": op("queryKey", "queryKey")},
            "/cookie-key": {"get": op("cookieKey", "cookieKey")},
            "/basic": {"get": op("basic", "basicAuth")},
            "/bearer": {"get": op("bearer", "bearerAuth")},
            "/client": {"get": op("client", "clientAuth")},
            "/client/again": {"get": op("clientAgain", "clientAuth")},
            "/password": {"get": op("password", "passwordAuth")},
            "/open": {"get": op("open", None)},
        },
        "components": {"securitySchemes": {
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "queryKey": {"type": "apiKey", "in": "query", "name": "key"},
            "cookieKey": {"type": "apiKey", "in": "cookie", "name": "sid"},
            "basicAuth": {"type": "http", "scheme": "basic"},
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            "clientAuth": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "/oauth/token", "scopes": {}}}},
            "passwordAuth": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/oauth/token", "scopes": {}}}},
        }},
    }


class AuthAPI:
    def __init__(self) -> None:
        self.issued: dict[str, list[str]] = {"client_credentials": [], "password": []}
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:
                body = self._body()
                if self.path == "/oauth/token":
                    self._answer(*api.token(self.headers.get("Authorization", ""), body))
                elif urlsplit(self.path).path.startswith("/echo"):  # /echo and any path under it
                    echoed = api.echo(self.headers.get("Content-Type", ""), body)
                    self._answer(200, {**echoed, "query": parse_qs(urlsplit(self.path).query)})
                else:
                    self._answer(404, {"error": "no such path"})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                self._answer(*api.check(url.path, parse_qs(url.query), self.headers))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, authorization: str, body: bytes) -> tuple[int, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        client = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {client}":
            return 401, {"error": "invalid_client"}
        grant = form.get("grant_type", "")
        if grant == "password" and (form.get("username"), form.get("password")) != (OAUTH_USER, OAUTH_PASSWORD):
            return 400, {"error": "invalid_grant"}
        if grant not in self.issued:
            return 400, {"error": "unsupported_grant_type"}
        token = f"issued-{grant}-{secrets.token_hex(8)}"
        with self.lock:
            self.issued[grant].append(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def check(self, path: str, query: dict[str, list[str]], headers: Any) -> tuple[int, Any]:
        authorization = headers.get("Authorization", "")
        cookies = dict(part.strip().split("=", 1) for part in headers.get("Cookie", "").split(";") if "=" in part)
        basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        with self.lock:
            issued = {grant: list(tokens) for grant, tokens in self.issued.items()}
        allowed = {
            "/header-key": headers.get("X-Key") == API_KEY,
            "/query-key": query.get("key") == [QUERY_KEY],
            "/cookie-key": cookies.get("sid") == COOKIE_KEY,
            "/basic": authorization == f"Basic {basic}",
            "/bearer": authorization == f"Bearer {BEARER}",
            "/client": authorization.removeprefix("Bearer ") in issued["client_credentials"],
            "/client/again": authorization.removeprefix("Bearer ") in issued["client_credentials"],
            "/password": authorization.removeprefix("Bearer ") in issued["password"],
            "/open": True,
        }
        if path not in allowed:
            return 404, {"error": "no such path"}
        if not allowed[path]:
            return 401, {"error": "unauthorised"}
        # echo the credential back, as careless APIs do: the report must still not show it
        return 200, {"ok": True, "you_sent": authorization or None}

    def echo(self, content_type: str, body: bytes) -> dict[str, Any]:
        """The body parsed as a server would parse its content type."""
        base = content_type.split(";")[0].strip().lower()
        if base == "application/x-www-form-urlencoded":
            return {"kind": "form", "fields": parse_qs(body.decode())}
        if base == "multipart/form-data":
            message = email.parser.BytesParser().parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            parts = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True).decode()
                     for p in message.get_payload()}
            files: dict[str, list[list[str]]] = {}  # the parts a server reads as uploads: those with a filename
            for part in message.get_payload():
                if part.get_filename():
                    name = part.get_param("name", header="content-disposition")
                    files.setdefault(name, []).append([part.get_filename(), part.get_content_type()])
            return {"kind": "multipart", "fields": parts, "files": files}
        if base.endswith("xml"):
            root = ElementTree.fromstring(body)
            return {"kind": "xml", "root": root.tag, "children": {c.tag: c.text for c in root}, "attrs": root.attrib}
        if base == "application/json":
            return {"kind": "json", "value": json.loads(body)}
        return {"kind": "bytes", "hex": body.hex(), "size": len(body)}
