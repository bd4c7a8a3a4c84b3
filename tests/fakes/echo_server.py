"""A real HTTP server on 127.0.0.1 that answers with what it received, as JSON, so a
test can check what a client really sent: method, path, query, headers, and the body
read the way its Content-Type says (JSON, form, multipart parts with file names and
sizes, text). Paths under /secure/ answer 401 unless the request carries one of the
credentials the server was started with. Paths under /status/NNN answer NNN."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def _parts(content_type: str, body: bytes) -> list[dict]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        parts.append({"name": part.get_param("name", header="content-disposition"),
                      "filename": part.get_filename(), "type": part.get_content_type(), "size": len(payload),
                      "text": payload.decode("utf-8", "replace") if part.get_filename() is None else None})
    return parts


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    credentials: frozenset[str] = frozenset()

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type") or ""
        media = content_type.split(";")[0].strip().lower()
        echo: dict = {"method": self.command, "path": url.path, "query": dict(parse_qsl(url.query)),
                      "content_type": media, "size": len(body),
                      "headers": {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}}
        if "json" in media and body:
            echo["json"] = json.loads(body)
        elif media == "application/x-www-form-urlencoded":
            echo["form"] = dict(parse_qsl(body.decode()))
            echo["form_pairs"] = parse_qsl(body.decode())
        elif media == "multipart/form-data":
            echo["parts"] = _parts(content_type, body)
        elif body:
            echo["text"] = body.decode("utf-8", "replace")
        status = 200
        if url.path.startswith("/secure/"):
            given = {self.headers.get("Authorization") or "", self.headers.get("X-API-Key") or "",
                     dict(parse_qsl(url.query)).get("api_key", "")}
            status = 200 if given & self.credentials else 401
        elif url.path.startswith("/status/"):
            status = int(url.path.split("/")[2])
        data = json.dumps(echo).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


@contextmanager
def echo_server(credentials: set[str] | None = None) -> Iterator[str]:
    """Serve on a free port of 127.0.0.1; yields the base URL. `credentials`: the
    Authorization header values, X-API-Key values or api_key query values /secure/ accepts."""
    handler = type("Handler", (_Handler,), {"credentials": frozenset(credentials or ())})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
