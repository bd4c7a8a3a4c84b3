"""A small booking API in the manner of the public Restful Booker, on 127.0.0.1, that
Newman and qaflow both run the parity collections against. In memory, one per
`booking_api()`, so each tool starts from the same empty store.

    GET  /ping                 201 "Created" (text)
    POST /auth                 {"token"} for admin/password123, else {"reason": "Bad credentials"}
    GET  /booking[?firstname=] [{"bookingid"}]
    POST /booking              {"bookingid", "booking"}; 400 on a body that is not a booking
    GET  /booking/<id>         the booking (404 "Not Found" text); ETag: md5 of the body
    PUT  /booking/<id>         needs Cookie token=<token> (403 "Forbidden" otherwise)
    DELETE /booking/<id>       201 "Created" with the cookie, 403 without
    GET  /echo                 what was sent: method, path, query, headers
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

USER, PASSWORD = "admin", "password123"
FIELDS = {"firstname": str, "lastname": str, "totalprice": int, "depositpaid": bool, "bookingdates": dict}


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bookings: dict[int, dict[str, Any]] = {}
        self.ids = itertools.count(1)
        self.tokens: set[str] = set()


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    store: _Store

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any, content_type: str = "application/json; charset=utf-8",
              extra: dict[str, str] | None = None) -> None:
        data = (json.dumps(body) if content_type.startswith("application/json") else str(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Powered-By", "parity")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _text(self, status: int, text: str) -> None:
        self._send(status, text, "text/plain; charset=utf-8")

    def _body(self) -> Any:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _authorised(self) -> bool:
        cookies = dict(part.strip().split("=", 1) for part in (self.headers.get("Cookie") or "").split(";") if "=" in part)
        return cookies.get("token") in self.store.tokens

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        store = self.store
        body = self._body() if method in ("POST", "PUT") else None
        if parts == ["ping"] and method == "GET":
            return self._text(201, "Created")
        if parts == ["echo"]:
            return self._send(200, {"method": method, "path": url.path, "query": dict(parse_qsl(url.query)),
                                    "headers": {k.lower(): v for k, v in self.headers.items()}})
        if parts == ["auth"] and method == "POST":
            if isinstance(body, dict) and body.get("username") == USER and body.get("password") == PASSWORD:
                token = secrets.token_hex(8)
                with store.lock:
                    store.tokens.add(token)
                return self._send(200, {"token": token})
            return self._send(200, {"reason": "Bad credentials"})
        if parts == ["booking"] and method == "GET":
            wanted = dict(parse_qsl(url.query)).get("firstname")
            with store.lock:
                found = [{"bookingid": i} for i, b in store.bookings.items() if wanted in (None, b["firstname"])]
            return self._send(200, found)
        if parts == ["booking"] and method == "POST":
            if not isinstance(body, dict) or any(not isinstance(body.get(k), t) for k, t in FIELDS.items()):
                return self._text(400, "Bad Request")
            with store.lock:
                booking_id = next(store.ids)
                store.bookings[booking_id] = body
            return self._send(200, {"bookingid": booking_id, "booking": body})
        if len(parts) == 2 and parts[0] == "booking" and parts[1].isdigit():
            booking_id = int(parts[1])
            with store.lock:
                booking = store.bookings.get(booking_id)
            if booking is None and method != "DELETE":
                return self._text(404, "Not Found")
            if method == "GET":
                text = json.dumps(booking)
                return self._send(200, booking, extra={"ETag": hashlib.md5(text.encode()).hexdigest()})
            if not self._authorised():
                return self._text(403, "Forbidden")
            if method == "PUT":
                if not isinstance(body, dict):
                    return self._text(400, "Bad Request")
                with store.lock:
                    store.bookings[booking_id] = body
                return self._send(200, body)
            if method == "DELETE":
                with store.lock:
                    store.bookings.pop(booking_id, None)
                return self._text(201, "Created")
        return self._text(404, "Not Found")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@contextmanager
def booking_api() -> Iterator[str]:
    """A fresh booking API on a free port; yields its base URL."""
    handler = type("Handler", (_Handler,), {"store": _Store()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="booking-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
