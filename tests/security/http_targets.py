"""Real servers on 127.0.0.1 for the HTTP attack tests: a target API that records what it
gets, and a bare TCP listener that records every connection (so even a TLS hello or a
half-sent request to the wrong origin is seen)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Listener:
    """Accepts TCP connections on a free port of 127.0.0.1, keeps what each one sent, and
    answers a small HTTP 200 (an attacker's echo server would answer too)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[bytes] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self.received)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        data = b""
        with conn:
            conn.settimeout(2)
            try:
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            with self._lock:  # kept before the answer: a client that got it may count at once
                self.received.append(data)
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                             b"Connection: close\r\n\r\n{}")

    def close(self) -> None:
        self.sock.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: TargetServer

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.record(self.command, self.path, dict(self.headers.items()))
        route = parts.path
        if route == "/redirect":
            self._answer(302, b"{}", Location=query["to"])
        elif route == "/set-cookie":
            self._answer(200, b"{}", Set_Cookie=f"session={self.server.cookie}; Path=/")
        elif route == "/echo-headers":
            self._answer(200, json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode())
        elif route == "/big":
            self._answer(200, self.server.big_body.encode(), "text/plain; charset=utf-8")
        elif route == "/openapi.json":
            self._answer(200, json.dumps(self.server.openapi).encode())
        else:
            self._answer(200, json.dumps({"ok": True, "path": route}).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class TargetServer(ThreadingHTTPServer):
    """The API under test: records every request (method, path, headers) it gets."""

    daemon_threads = True

    def __init__(self, tls: tuple[Path, Path] | None = None, cookie: str = "c00kie-session-value") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server_address[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.cookie = cookie
        self.big_body = ""
        self.openapi: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((method, path, headers))

    def headers_of(self, path: str) -> list[dict[str, str]]:
        """The headers of each request to `path` (query string ignored), lower-case names."""
        with self._lock:
            return [{k.lower(): v for k, v in h.items()} for _, p, h in self.requests if urlsplit(p).path == path]

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), made with `cryptography`."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
