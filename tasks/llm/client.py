"""`complete_json`: ask an OpenAI-compatible endpoint for JSON that a pydantic model validates.

Every LLM call in qaflow goes through here, so that structured output, repair,
retries, caching and token accounting are done once and the same way:

- Structured output first (`response_format` json_schema); servers that reject it
  (older vLLM and Ollama builds, llama.cpp) get JSON mode with the schema in the
  system message, and servers that reject JSON mode too (LM Studio) get the
  instruction alone. The fallback is remembered per endpoint for the process.
- The answer is validated by the pydantic model; an invalid one is sent back with
  the validation errors for repair, a bounded number of times.
- Timeouts, connection errors, 429 and 5xx are retried with exponential backoff
  and jitter (the openai client's own retries are off so that there is one policy
  and every retry is logged with its reason); a small Retry-After is honoured.
- A caller's own check (`check=`: e.g. "every step binds to the catalogue") runs
  on every answer that validates; its problems go back for repair like schema
  errors do.
- Only answers that pass both are cached on disk (`tasks.llm.cache`), under the
  key of the original messages; a hit makes no call. `use_cache=False` re-asks
  (and still stores the fresh answer).
- Circuit breaker: once an endpoint has failed for good in this process (retries
  exhausted, or refused: 401/403/404, a 5xx after the retries), the following
  calls to it fail at once with the first reason, said once in the log;
  `reset_circuits()` (called at the start of each run) closes them again, and an
  open circuit closes by itself after `CIRCUIT_OPEN_S` (for long-lived worker
  processes). A 400 about one request (too long, bad field) does not open it.
- At most `MAX_IN_FLIGHT` requests are in flight per endpoint in a process, so
  callers may ask from many threads and the endpoint's rate limits are respected
  (a 429 is still retried after its Retry-After).
- Tokens, calls, cache hits, repairs, retries and failures go to the process-wide
  ledger (`tasks.llm.usage`).

Errors name the endpoint (`LLMEndpoint.describe()`), never the key.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from blocks.llm import LLMEndpoint
from tasks.llm import cache as llm_cache
from tasks.llm.usage import record

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # local servers ignore the key, but the client insists on one


class LLMError(RuntimeError):
    """An LLM call did not produce a valid answer."""


class LLMUnavailable(LLMError):
    """No LLM is configured (the offline provider): do the deterministic thing instead."""


class LLMRequestError(LLMError):
    """The endpoint could not be reached or refused the request (after retries where they help)."""


class LLMInvalidAnswer(LLMError):
    """The answers did not validate against the schema, repairs included.

    `answer` is the last answer that validated against the schema but not the
    caller's `check` (None when none did): callers may keep its good parts.
    It is never cached."""

    def __init__(self, message: str, answer: BaseModel | None = None):
        super().__init__(message)
        self.answer = answer


@dataclass
class Backoff:
    """Delays between retries: base * 2**n capped, times a random factor in 1 +/- jitter.

    A Retry-After (or retry-after-ms) header up to `max_retry_after` seconds is
    used as the delay instead; a longer one is ignored in favour of our own.
    Tests shrink `base`; `sleep` is replaceable to observe delays.
    """

    base: float = 1.0
    cap: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 30.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        if retry_after is not None and 0 <= retry_after <= self.max_retry_after:
            return retry_after
        raw = min(self.cap, self.base * 2**retry)
        return max(0.0, raw * (1 + random.uniform(-self.jitter, self.jitter)))


BACKOFF = Backoff()
sleep = time.sleep

# Ways to ask for JSON, most structured first; a server that rejects one gets the next.
MODES = ("json_schema", "json_object", "plain")
_REJECTION_HINTS = (
    "response_format",
    "json_schema",
    "json_object",
    "structured",
    "response format",
)
_mode_index: dict[tuple[str, str], int] = {}
# Endpoints whose model refuses a set temperature (OpenAI's reasoning models): sent without it.
_no_temperature: set[tuple[str, str]] = set()
_mode_lock = threading.Lock()
# Circuit breaker: endpoint (base_url, model) -> (why it is considered down, since when).
_open_circuits: dict[tuple[str, str], tuple[str, float]] = {}
CIRCUIT_OPEN_S = 300.0
# HTTP statuses that are about one request, not the endpoint: they never open the circuit.
_REQUEST_SPECIFIC = (400, 413, 422)
# Requests in flight per endpoint per process.
MAX_IN_FLIGHT = 4
_in_flight: dict[tuple[str, str], threading.BoundedSemaphore] = {}


def _slot(endpoint: LLMEndpoint) -> threading.BoundedSemaphore:
    with _mode_lock:
        return _in_flight.setdefault(_ident(endpoint), threading.BoundedSemaphore(MAX_IN_FLIGHT))


def reset_circuits() -> None:
    """Forget which endpoints failed: called at the start of each run (flow or CLI command)."""
    with _mode_lock:
        _open_circuits.clear()


def circuit_open(endpoint: LLMEndpoint) -> str | None:
    """Why `endpoint` is not asked any more in this run, or None while it is."""
    with _mode_lock:
        entry = _open_circuits.get(_ident(endpoint))
        if entry is None:
            return None
        if time.monotonic() - entry[1] > CIRCUIT_OPEN_S:
            del _open_circuits[_ident(endpoint)]
            return None
        return entry[0]


def _ident(endpoint: LLMEndpoint) -> tuple[str, str]:
    return (endpoint.base_url or DEFAULT_BASE_URL, endpoint.model)


def _trip(endpoint: LLMEndpoint, reason: str, logger: logging.Logger | logging.LoggerAdapter) -> None:
    with _mode_lock:
        first = _ident(endpoint) not in _open_circuits
        _open_circuits.setdefault(_ident(endpoint), (reason, time.monotonic()))
    if first:
        logger.error("LLM endpoint %s is unavailable (%s); not calling it again in this run",
                     endpoint.describe(), reason)

INSTRUCTION = (
    "Answer with one JSON object and nothing else (no prose, no code fences). "
    "It must validate against this JSON Schema:\n{schema}"
)
REPAIR = (
    "Your answer is not valid:\n{errors}\n"
    "Reply with the corrected JSON object only, valid against the schema."
)


def complete_json(
    messages: list[dict],
    schema: type[T],
    *,
    endpoint: LLMEndpoint | None = None,
    repair_attempts: int = 2,
    use_cache: bool = True,
    check: Callable[[T], list[str]] | None = None,
) -> T:
    """Ask `endpoint` (default: the resolved `LLMEndpoint` block) for an instance of `schema`.

    `messages` are OpenAI chat messages (`{"role": ..., "content": ...}`). Raises
    `LLMUnavailable` for the offline provider (callers check `endpoint.offline`
    first and fall back to their deterministic path), `LLMRequestError` when the
    endpoint cannot be reached after `endpoint.max_retries` retries or refuses
    the request (or failed earlier in this run: the circuit is open),
    `LLMInvalidAnswer` when no answer validates after `repair_attempts` repairs.
    `check(answer)` returns the problems of an answer the schema accepted
    (empty: accepted); they are repaired the same way. With `use_cache=False`
    the cache is not read, but a fresh valid answer still replaces the cached one.

    Usage is recorded in the process-wide ledger: to show a flow's LLM cost,
    take `usage_totals()` before and after and report the difference
    (`(usage_totals() - before).describe()`).
    """
    if endpoint is None:
        endpoint = LLMEndpoint.resolve()
    if endpoint.offline:
        raise LLMUnavailable(
            "no LLM is configured (provider 'offline'); set OPENAI_BASE_URL / OPENAI_API_KEY "
            "or save an LLMEndpoint block with provider 'openai-compatible'"
        )
    logger = _logger()
    json_schema = schema.model_json_schema()
    key = llm_cache.cache_key(endpoint.model, messages, json_schema, kind=endpoint.provider,
                              temperature=endpoint.temperature)
    if use_cache:
        cached = llm_cache.load(key)
        if cached is not None:
            try:
                answer = schema.model_validate(cached)
                stale = check(answer) if check is not None else []
            except ValidationError:
                stale = ["no longer validates"]
            if stale:
                logger.warning("cached LLM answer %s no longer passes (%s); asking again", key[:12],
                               _one_line("; ".join(stale), 120))
            else:
                record(cache_hits=1)
                logger.debug("LLM cache hit %s (%s)", key[:12], schema.__name__)
                return answer

    down = circuit_open(endpoint)
    if down is not None:
        record(failures=1)
        raise LLMRequestError(f"LLM endpoint {endpoint.describe()} not asked: it failed earlier in this run ({down})")

    repair_attempts = max(0, repair_attempts)
    conversation = [dict(m) for m in messages]
    problems = ""
    partial: T | None = None
    for attempt in range(repair_attempts + 1):
        try:
            content, finish_reason = _ask(endpoint, conversation, schema.__name__, json_schema, logger)
        except LLMRequestError:
            record(failures=1)
            raise
        try:
            answer = _parse(content, finish_reason, schema)
            if check is not None and (failed := check(answer)):
                partial = answer
                raise _CheckFailed("\n".join(f"- {p}" for p in failed)[:2000])
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            problems = _problems(exc)
            if attempt == repair_attempts:
                break
            record(repairs=1)
            logger.warning(
                "answer from %s is not a valid %s (%s); asking for a repair (%d/%d)",
                endpoint.describe(),
                schema.__name__,
                _one_line(problems),
                attempt + 1,
                repair_attempts,
            )
            conversation.append({"role": "assistant", "content": content or ""})
            conversation.append({"role": "user", "content": REPAIR.format(errors=problems)})
            continue
        try:
            llm_cache.store(
                key,
                answer.model_dump(mode="json", by_alias=True),
                model=endpoint.model,
                schema_name=schema.__name__,
            )
        except OSError as exc:  # a full or read-only disk costs a re-ask next time, no more
            logger.warning("could not cache the LLM answer (%s)", exc)
        return answer
    record(failures=1)
    raise LLMInvalidAnswer(
        f"{endpoint.describe()} gave no valid {schema.__name__} after {repair_attempts} "
        f"repair attempt(s): {_redact(_one_line(problems), endpoint)}",
        answer=partial,
    )


class _CheckFailed(ValueError):
    """The answer validated against the schema but not the caller's check; the text is the problems."""


# -- one answer: format fallback and retries ----------------------------------------


def _ask(
    endpoint: LLMEndpoint,
    conversation: list[dict],
    schema_name: str,
    json_schema: dict,
    logger: logging.Logger | logging.LoggerAdapter,
) -> tuple[str | None, str | None]:
    """One answer's content and finish_reason, falling back to simpler JSON modes
    (and to no temperature) when the server rejects what it was sent."""
    import openai

    client = _client(endpoint.base_url or DEFAULT_BASE_URL, _key(endpoint), endpoint.timeout)
    ident = _ident(endpoint)
    while True:
        with _mode_lock:
            index = _mode_index.get(ident, 0)
            send_temperature = ident not in _no_temperature
        request = {
            "model": endpoint.model,
            **({"temperature": endpoint.temperature} if send_temperature else {}),
            **_format(MODES[index], conversation, schema_name, json_schema),
        }
        try:
            response = _with_retries(client, request, endpoint, logger)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            if send_temperature and "temperature" in _status_message(exc).lower():
                with _mode_lock:
                    _no_temperature.add(ident)
                logger.warning(
                    "%s rejected temperature %g (%s); sending none for the rest of this process",
                    endpoint.describe(),
                    endpoint.temperature,
                    _redact(_one_line(_status_message(exc)), endpoint),
                )
                continue
            if index + 1 < len(MODES) and _is_format_rejection(exc):
                with _mode_lock:
                    _mode_index[ident] = max(_mode_index.get(ident, 0), index + 1)
                logger.warning(
                    "%s rejected response_format %s (%s); using %s for the rest of this process",
                    endpoint.describe(),
                    MODES[index],
                    _redact(_one_line(_status_message(exc)), endpoint),
                    MODES[index + 1],
                )
                continue
            raise _refused(exc, endpoint, logger) from None
        except openai.APIStatusError as exc:
            raise _refused(exc, endpoint, logger) from None
        except openai.OpenAIError as exc:  # malformed responses and the like
            raise LLMRequestError(
                f"LLM request to {endpoint.describe()} failed: "
                f"{type(exc).__name__}: {_redact(_one_line(str(exc)), endpoint)}"
            ) from None
        usage = response.usage
        record(
            calls=1,
            prompt_tokens=(usage.prompt_tokens or 0) if usage else 0,
            completion_tokens=(usage.completion_tokens or 0) if usage else 0,
        )
        if not response.choices:
            return None, None
        choice = response.choices[0]
        return choice.message.content, choice.finish_reason


def _with_retries(
    client: openai.OpenAI,
    request: dict,
    endpoint: LLMEndpoint,
    logger: logging.Logger | logging.LoggerAdapter,
) -> Any:
    """The completion, retrying what a retry can fix; other API errors propagate."""
    import openai

    attempts = endpoint.max_retries + 1
    for attempt in range(attempts):
        retry_after: float | None = None
        try:
            with _slot(endpoint):
                down = circuit_open(endpoint)
                if down is not None:  # it went down while this request waited for a slot
                    raise LLMRequestError(f"LLM endpoint {endpoint.describe()} not asked: {down}")
                return client.chat.completions.create(**request)
        except openai.APIStatusError as exc:
            if not _retriable(exc.status_code):
                raise
            reason = f"HTTP {exc.status_code} ({_redact(_one_line(_status_message(exc), 120), endpoint)})"
            retry_after = _retry_after(exc.response.headers)
        except openai.APITimeoutError:
            reason = f"timed out after {endpoint.timeout:g} s"
        except openai.APIConnectionError as exc:
            reason = f"connection error: {_redact(_one_line(str(exc.__cause__ or exc)), endpoint)}"
        if attempt + 1 >= attempts:
            _trip(endpoint, f"failed after {attempts} attempt(s); last error: {reason}", logger)
            raise LLMRequestError(
                f"LLM request to {endpoint.describe()} failed after {attempts} attempt(s); "
                f"last error: {reason}"
            ) from None
        down = circuit_open(endpoint)
        if down is not None:  # another request gave up on this endpoint meanwhile
            raise LLMRequestError(f"LLM endpoint {endpoint.describe()} not asked again: {down}") from None
        delay = BACKOFF.delay(attempt, retry_after)
        record(retries=1)
        logger.warning(
            "LLM request to %s failed (%s); retry %d/%d in %.2f s",
            endpoint.describe(),
            reason,
            attempt + 1,
            endpoint.max_retries,
            delay,
        )
        sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _retriable(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _retry_after(headers: Any) -> float | None:
    """Seconds from retry-after-ms or retry-after (numbers only; an HTTP date is ignored)."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            continue
    return None


def _format(mode: str, conversation: list[dict], name: str, json_schema: dict) -> dict:
    """The request fields for one JSON mode (messages and response_format)."""
    if mode == "json_schema":
        return {
            "messages": conversation,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "answer",
                    "schema": json_schema,
                    "strict": False,
                },
            },
        }
    instruction = INSTRUCTION.format(schema=json.dumps(json_schema, ensure_ascii=False))
    if conversation and conversation[0].get("role") == "system":
        first = dict(conversation[0])
        first["content"] = f"{first.get('content') or ''}\n\n{instruction}".strip()
        messages = [first, *conversation[1:]]
    else:
        messages = [{"role": "system", "content": instruction}, *conversation]
    fields: dict[str, Any] = {"messages": messages}
    if mode == "json_object":
        fields["response_format"] = {"type": "json_object"}
    return fields


def _is_format_rejection(exc: openai.APIStatusError) -> bool:
    text = _status_message(exc).lower()
    return any(hint in text for hint in _REJECTION_HINTS)


def _status_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            param = inner.get("param")
            return f"{inner['message']}" + (f" (param {param})" if param else "")
        return json.dumps(body)[:500]
    return str(exc.message)


def _refused(
    exc: openai.APIStatusError, endpoint: LLMEndpoint, logger: logging.Logger | logging.LoggerAdapter
) -> LLMRequestError:
    hint = " (check the api_key)" if exc.status_code in (401, 403) else ""
    message = _redact(_one_line(_status_message(exc)), endpoint)
    if exc.status_code not in _REQUEST_SPECIFIC:
        _trip(endpoint, f"HTTP {exc.status_code}{hint}: {message}", logger)
    return LLMRequestError(
        f"LLM request to {endpoint.describe()} was refused: HTTP {exc.status_code}{hint}: {message}"
    )


# -- answers -------------------------------------------------------------------------

_FENCE = re.compile(r"^```[A-Za-z0-9_-]*\s*\n?(.*?)\n?```$", re.DOTALL)


def _parse(content: str | None, finish_reason: str | None, schema: type[T]) -> T:
    if not content or not content.strip():
        raise ValueError("the answer was empty; send one JSON object")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:  # small local models like code fences even in JSON mode
        text = fenced.group(1).strip()
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        if finish_reason == "length":
            raise ValueError(
                "the answer was cut off at the token limit (finish_reason=length); "
                "answer more briefly"
            ) from exc
        raise


def _problems(exc: ValueError) -> str:
    """Validation errors as short lines an LLM can act on (capped)."""
    if isinstance(exc, _CheckFailed):
        return str(exc)
    if isinstance(exc, ValidationError):
        lines = []
        for error in exc.errors(include_url=False)[:20]:
            where = ".".join(str(part) for part in error.get("loc", ())) or "(root)"
            lines.append(f"- {where}: {error.get('msg')}")
        return "\n".join(lines)[:2000]
    return f"- {exc}"[:2000]


# -- plumbing --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _client(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    """One client (and connection pool) per endpoint per process."""
    import openai

    return openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)


def _key(endpoint: LLMEndpoint) -> str:
    if endpoint.api_key is None:
        return NO_KEY
    return endpoint.api_key.get_secret_value() or NO_KEY


def _redact(text: str, endpoint: LLMEndpoint) -> str:
    secret = endpoint.api_key.get_secret_value() if endpoint.api_key else ""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _logger() -> logging.Logger | logging.LoggerAdapter:
    """The run logger inside a flow or task run (so retries show in the UI), else ours."""
    try:
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger
    except ImportError:  # pragma: no cover
        return log
    try:
        return get_run_logger()
    except MissingContextError:
        return log
