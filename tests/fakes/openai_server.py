"""A real OpenAI-compatible HTTP server on 127.0.0.1 with scripted answers.

Tests run the real `openai` client (through `tasks.llm.complete_json`) against
it, so the HTTP, JSON and error paths are the ones a user's server exercises.
It is a test double for the remote model only: nothing in qaflow is mocked.

Usage (this API is shared by every pipeline's tests; keep it stable)::

    from tests.fakes.openai_server import FakeOpenAI, Reply, endpoint_for

    with FakeOpenAI() as llm:
        llm.reply({"name": "x"})                     # 200, content = json.dumps(dict)
        llm.reply("not json", '{"name": "x"}')       # several replies, served in order
        llm.reply(Reply(status=429, headers={"Retry-After": "0"}))
        llm.respond_with(lambda body: {"echo": body["messages"][-1]["content"]})
        answer = complete_json(messages, MyModel, endpoint=endpoint_for(llm))
        assert len(llm.requests) == 1                # request bodies, in order

- `FakeOpenAI(reject_json_schema=True)` answers 400 to any request whose
  `response_format.type` is "json_schema" (as older vLLM/Ollama builds do), so
  the JSON-mode fallback can be tested; `reject_json_object=True` does the same
  for "json_object" (as LM Studio does).
- Scripted replies are served first, in order; when the queue is empty the
  `respond_with` function (if any) computes the reply from the request body;
  otherwise the server answers 400 "no scripted reply left", which the client
  does not retry, so a test that under-scripts fails at once and clearly.
- A reply is a `Reply`, a str (200 with that content) or a dict (200 with
  `json.dumps(dict)` as content). A non-200 `Reply` gets an OpenAI error body
  (`{"error": {...}}`), `error` overriding the default one.
- `usage` in each answer is deterministic: prompt tokens = characters of all
  message contents // 4 + 1, completion tokens = characters of the answer // 4
  + 1, unless the `Reply` gives `usage`.
- `requests` holds every chat-completions body received (rejected ones too);
  `request_headers` the matching headers (lower-case names), to check e.g. that
  the key is sent as a bearer token.
- `endpoint_for(llm)` builds the `LLMEndpoint` every test should use: provider
  openai-compatible, this server's base_url, model "test-model", api_key
  "sk-test-secret" (`TEST_API_KEY`), a 5 s timeout and 2 retries.

The handler disables Nagle's algorithm: without it every call on loopback costs
~44 ms instead of ~1 ms (measured on loopback: delayed ACK against Nagle).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blocks.llm import LLMEndpoint

TEST_API_KEY = "sk-test-secret"
TEST_MODEL = "test-model"


@dataclass
class Reply:
    """One scripted answer. `status` != 200 sends an OpenAI error body instead of content."""

    content: str | None = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    error: dict | None = None
    usage: dict | None = None
    finish_reason: str = "stop"
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)


ReplyLike = Reply | str | dict
Responder = Callable[[dict], ReplyLike]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}


def _as_reply(item: ReplyLike) -> Reply:
    if isinstance(item, Reply):
        return item
    if isinstance(item, dict):
        return Reply(content=json.dumps(item))
    if isinstance(item, str):
        return Reply(content=item)
    raise TypeError(f"a reply is a Reply, str or dict, not {type(item).__name__}")


def _tokens(text: str) -> int:
    return len(text) // 4 + 1


def _prompt_text(body: dict) -> str:
    parts: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):  # content parts
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "".join(parts)


class FakeOpenAI:
    """The server; a context manager that starts it on a free loopback port."""

    def __init__(self, *, reject_json_schema: bool = False, reject_json_object: bool = False):
        self.reject_json_schema = reject_json_schema
        self.reject_json_object = reject_json_object
        self.requests: list[dict] = []
        self.request_headers: list[dict[str, str]] = []
        self._queue: deque[Reply] = deque()
        self._responder: Responder | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- scripting -------------------------------------------------------------

    def reply(self, *replies: ReplyLike) -> None:
        """Queue scripted replies, served in order before `respond_with` is asked."""
        with self._lock:
            self._queue.extend(_as_reply(r) for r in replies)

    def respond_with(self, fn: Responder) -> None:
        """Compute replies from the request body whenever the queue is empty."""
        with self._lock:
            self._responder = fn

    @property
    def pending(self) -> int:
        """Scripted replies not served yet."""
        with self._lock:
            return len(self._queue)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits up to one poll interval
            name=f"fake-openai-{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answering -------------------------------------------------------------

    def _record(self, body: dict, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.request_headers.append(headers)

    def _next_reply(self, body: dict) -> Reply:
        fmt = (body.get("response_format") or {}).get("type")
        if (fmt == "json_schema" and self.reject_json_schema) or (
            fmt == "json_object" and self.reject_json_object
        ):
            return Reply(
                status=400,
                error={
                    "message": f"response_format type '{fmt}' is not supported by this server",
                    "type": "invalid_request_error",
                    "param": "response_format",
                    "code": None,
                },
            )
        if body.get("stream"):
            return Reply(status=400, error={"message": "FakeOpenAI does not stream"})
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            responder = self._responder
        if responder is not None:
            return _as_reply(responder(body))
        return Reply(status=400, error={"message": "FakeOpenAI: no scripted reply left"})

    def _completion(self, body: dict, reply: Reply) -> dict:
        content = reply.content
        usage = reply.usage or {
            "prompt_tokens": _tokens(_prompt_text(body)),
            "completion_tokens": _tokens(content or ""),
        }
        usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", TEST_MODEL),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": usage,
        }


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops SYNs when tests open many connections at
    # once, and each dropped one costs a 1 s retransmit.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI  # set on the per-server subclass
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, error: dict | None, headers: dict | None = None) -> None:
        default = {
            "message": HTTPStatus(status).phrase
            if status in HTTPStatus._value2member_map_
            else "error",
            "type": _ERROR_TYPES.get(status, "server_error" if status >= 500 else "error"),
            "param": None,
            "code": None,
        }
        self._send(status, {"error": {**default, **(error or {})}}, headers)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": TEST_MODEL, "object": "model"}]})
        else:
            self._error(404, {"message": f"no route {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, {"message": f"no route {self.path}"})
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._error(400, {"message": "request body is not JSON"})
            return
        self.fake._record(body, {k.lower(): v for k, v in self.headers.items()})
        reply = self.fake._next_reply(body)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            self._error(reply.status, reply.error, reply.headers)
            return
        self._send(200, self.fake._completion(body, reply), reply.headers)


def endpoint_for(llm: FakeOpenAI, **overrides: Any) -> LLMEndpoint:
    """The `LLMEndpoint` pointed at `llm`, the same in every test (fields overridable)."""
    from pydantic import SecretStr

    from blocks.llm import LLMEndpoint

    fields: dict[str, Any] = {
        "provider": "openai-compatible",
        "base_url": llm.base_url,
        "model": TEST_MODEL,
        "api_key": SecretStr(TEST_API_KEY),
        "timeout": 5.0,
        "max_retries": 2,
    }
    fields.update(overrides)
    return LLMEndpoint(**fields)
