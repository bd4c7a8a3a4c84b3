"""The JavaScript engine Postman scripts run in: QuickJS (the `quickjs-ng` wheel), one
context per thread, reused from script to script.

Why QuickJS: measured here (profiling/bench_bdd.py's scripted collection and
tests/pmsandbox), a warm QuickJS context runs a typical test script in ~0.1 ms
against ~0.3 ms for V8 through `mini-racer`, and a new context with the sandbox
loaded costs ~5 ms against ~75 ms; both enforce a time and memory limit, and
neither has files, network or a process object unless the host adds them. qaflow
adds nothing to the global object but the sandbox's own JavaScript (QuickJS may not
call back into Python while a time limit is armed, so hashes and JSON Schema are
JavaScript too, and Faker's values for `{{$random...}}` are drawn before the script
runs).

Isolation between scripts that share a context: the sandbox's intrinsics and
libraries are frozen after loading (a script cannot change `Array.prototype`,
`JSON` or `require('lodash')` for the next one); each script runs as a fresh
function, so its `var`s are its own; globals it creates by assignment are deleted
when it ends (or, with `keep_globals`, when a script of another scenario comes: Postman
keeps them for the run, and collections define helpers in the collection's pre-request
script that their test scripts call); a context that a script ran out of time or memory in, or left in a
state that cannot be cleaned, is thrown away and the next script gets a new one.
`WeakRef` and `FinalizationRegistry` are removed, so nothing of one script can
run during another.

A context is only ever used by the thread that made it (QuickJS runtimes are not
thread-safe); `quickjs` releases the GIL while JavaScript runs, so scenario
threads run scripts in parallel.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tasks.pmsandbox.dynamic import dynamic_value

JS_DIR = Path(__file__).with_name("js")
JS_FILES = ("hashes.js", "chai.js", "libs.js", "pm.js")
DEFAULT_TIME_LIMIT_S = 5.0
BASE_MEMORY_BYTES = 48 * 1024 * 1024
MAX_MEMORY_BYTES = 512 * 1024 * 1024
MAX_TICKS = 10_000  # timers and promise jobs a script may schedule
# the sandbox's own files start this many lines down, so a stack frame below it is a script's
# (QuickJS names every evaluated source "<input>"): pm.js adds "line N of the script" to a
# TypeError/ReferenceError from that frame (QuickJS says only "not a function")
LIB_LINE_OFFSET = 10_000

_HARDEN = r"""
(function () {
  delete globalThis.WeakRef;
  delete globalThis.FinalizationRegistry;
  var keep = null;
  Object.defineProperty(globalThis, '__qaflow_clean', {
    // after each script: delete the globals it made; false when the global object cannot be
    // brought back to its first state (the context is then thrown away)
    value: function () {
      var names = Object.getOwnPropertyNames(globalThis);
      var symbols = Object.getOwnPropertySymbols(globalThis);
      if (names.length === keep.size && symbols.length === 0) return true;
      var clean = true;
      names.forEach(function (k) { if (!keep.has(k) && !delete globalThis[k]) clean = false; });
      symbols.forEach(function (k) { if (!delete globalThis[k]) clean = false; });
      return clean && Object.getOwnPropertyNames(globalThis).length === keep.size;
    },
    writable: false, configurable: false, enumerable: false,
  });
  var seen = new Set();
  function harden(o) {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
    seen.add(o);
    Object.freeze(o);
    Reflect.ownKeys(o).forEach(function (k) {
      var d = Object.getOwnPropertyDescriptor(o, k);
      if (!d) return;
      if ('value' in d) harden(d.value); else { harden(d.get); harden(d.set); }
    });
    harden(Object.getPrototypeOf(o));
  }
  Object.getOwnPropertyNames(globalThis).forEach(function (k) {
    if (k === 'globalThis') return;
    var d = Object.getOwnPropertyDescriptor(globalThis, k);
    if ('value' in d) harden(d.value);
    if (d.configurable || d.writable) Object.defineProperty(globalThis, k, { writable: false, configurable: false });
  });
  harden(Object.getPrototypeOf(globalThis));
  keep = new Set(Object.getOwnPropertyNames(globalThis));
  return true;
})()
"""
_RUN = "(function (payload, code) { __qaflow_api.run(payload, code); })"
# after the promise jobs: the next timer ('' when one ran), or the outcome as JSON with the
# globals the script made deleted; one call, as every call into QuickJS hands the GIL round.
# JSON.stringify's own string: QuickJS-ng's rope strings (a + b) do not cross to Python
_SETTLE = "(function () { return __qaflow_api.tick() ? '' : __qaflow_api.finish(__qaflow_clean()); })"
# the same, keeping the globals the scripts made for the next script of the same scenario
_SETTLE_KEEP = "(function () { return __qaflow_api.tick() ? '' : __qaflow_api.finish(true); })"
_CLEAN = "(function () { return __qaflow_clean(); })"
# pm.sendRequest: the requests a script queued (JSON, '' when none), and their answers handed back
_OUTBOX = "(function () { return __qaflow_api.outbox(); })"
_DELIVER = "(function (replies) { __qaflow_api.deliver(replies); })"
Sender = Callable[[dict[str, Any]], dict[str, Any]]


class SandboxError(RuntimeError):
    """The engine could not run a script at all (not a failure inside the script)."""


@dataclass
class TestOutcome:
    """One `pm.test` (or legacy `tests["..."]`) as it ended."""

    name: str
    passed: bool
    error: str | None = None
    skipped: bool = False


@dataclass
class ScriptOutcome:
    """What one script did: its tests, the error that stopped it, its console lines and
    the variable scopes as it left them."""

    tests: list[TestOutcome] = field(default_factory=list)
    error: str | None = None
    error_at: int | None = None  # which of the scripts stopped on `error` (None: the engine stopped it)
    logs: list[tuple[str, str]] = field(default_factory=list)
    scopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    unset: dict[str, list[str]] = field(default_factory=dict)
    touched: list[str] = field(default_factory=list)
    header_ops: list[tuple[str, str, str | None]] = field(default_factory=list)
    duration_ms: float = 0.0


@lru_cache(maxsize=1)
def _sources() -> tuple[str, ...]:
    return tuple((JS_DIR / name).read_text(encoding="utf-8") for name in JS_FILES)


_DYNAMIC_USE = re.compile(r"\{\{\$(\w+)\}\}")
MAX_DYNAMIC_VALUES = 20


def dynamic_pools(code: str, locale: str | None = None) -> dict[str, list[str]]:
    """Fresh values for each `{{$name}}` the script spells out, one per place it appears
    (at most MAX_DYNAMIC_VALUES): QuickJS may not call back into Python while a time limit
    is armed, so `pm.variables.replaceIn` draws from these."""
    counts: dict[str, int] = {}
    for name in _DYNAMIC_USE.findall(code):
        counts[name] = counts.get(name, 0) + 1
    pools: dict[str, list[str]] = {}
    for name, count in counts.items():
        first = dynamic_value(name, locale=locale)
        if first is not None:
            pools[name] = [first] + [dynamic_value(name, locale=locale) or "" for _ in range(min(count, MAX_DYNAMIC_VALUES) - 1)]
    return pools


def _js_string(text: str) -> str:
    return json.dumps(text)


class Sandbox:
    """One QuickJS context with the Postman API loaded; use from one thread only (see `for_thread`)."""

    def __init__(self) -> None:
        self._ctx: Any = None
        self._calls: tuple[Any, ...] = (None,) * 6
        self._kept: object | None = None  # whose globals the context holds (run's keep_globals)
        self.contexts_made = 0

    def _context(self) -> Any:
        if self._ctx is None:
            quickjs = _quickjs()
            ctx = quickjs.Context()
            ctx.set_memory_limit(BASE_MEMORY_BYTES)
            ctx.set_time_limit(DEFAULT_TIME_LIMIT_S)
            ctx.set_max_stack_size(512 * 1024)
            try:
                for name, source in zip(JS_FILES, _sources(), strict=True):
                    ctx.eval("\n" * LIB_LINE_OFFSET + source + f"\n//# sourceURL={name}")
                ctx.eval(_HARDEN)
                self._calls = (ctx.eval(_RUN), ctx.eval(_SETTLE), ctx.eval(_OUTBOX), ctx.eval(_DELIVER),
                               ctx.eval(_SETTLE_KEEP), ctx.eval(_CLEAN))
            except quickjs.JSException as exc:  # our own bundle failed to load: a bug, said plainly
                raise SandboxError(f"the Postman sandbox did not load: {exc}") from exc
            self._ctx = ctx
            self.contexts_made += 1
        return self._ctx

    def discard(self) -> None:
        """Drop the context; the next script gets a fresh one."""
        self._ctx = None
        self._calls = (None,) * 6
        self._kept = None

    def run(
        self,
        code: str | list[str],
        payload: dict[str, Any],
        *,
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        memory_limit_bytes: int | None = None,
        send: Sender | None = None,
        keep_globals: object | None = None,
    ) -> ScriptOutcome:
        """Run one script, or several in order (a request's collection, folder and request
        scripts: one call, each in its own scope), with `payload` (event, info, request,
        response, scopes, fallback, locale).

        A script that runs past `time_limit_s` (its timers included) or past its memory
        limit stops with an error in the outcome; so does a script that throws. Its
        tests up to that point are kept where the engine could still report them.

        `send` lets `pm.sendRequest` work: it gets each request the script queued
        ({id, method, url, headers, body}) and returns {id, response} or {id, error};
        without it, `pm.sendRequest` stops the script with an error saying so. The time
        a request takes counts against `time_limit_s`.

        `keep_globals` (a scenario's own token): the globals the scripts make by assignment
        (`Utility = {...}` in a collection's pre-request script) stay for the next run with
        the same token, as Postman keeps them for the run; a run with another token (or
        none) starts from a clean global object.
        """
        started = time.perf_counter()
        deadline = time.monotonic() + time_limit_s
        body = ((payload.get("response") or {}).get("body") or "")
        limit = memory_limit_bytes or min(MAX_MEMORY_BYTES, BASE_MEMORY_BYTES + 12 * len(body))
        codes = [code] if isinstance(code, str) else list(code)
        if "dynamic" not in payload:
            payload = {**payload, "dynamic": dynamic_pools("\n".join(codes), payload.get("locale"))}
        if send is not None and not any("sendRequest" in c for c in codes):
            send = None  # no outbox to look at: one call into QuickJS fewer per script
        if send is not None:
            payload = {**payload, "network": True}
        ctx = self._context()
        if self._kept is not None and self._kept != keep_globals:
            self._kept = None
            if not self._calls[5]():  # another scenario's globals could not all be deleted
                self.discard()
                ctx = self._context()
        ctx.set_memory_limit(limit)
        quickjs = _quickjs()
        outcome: ScriptOutcome
        try:
            run, settle, outbox, deliver, settle_keep, _ = self._calls
            if keep_globals is not None:
                settle = settle_keep
            ctx.set_time_limit(max(time_limit_s, 0.001))
            run(json.dumps(payload, default=str), json.dumps(codes))  # a value JSON cannot hold goes as text
            ticks = 0
            while True:
                while ctx.execute_pending_job():
                    ticks += 1
                    self._check(ticks, deadline, time_limit_s)
                self._arm(ctx, deadline, time_limit_s)
                queued = outbox() if send is not None else ""
                if queued:
                    replies = [_sent(send, request) for request in json.loads(queued)]
                    self._arm(ctx, deadline, time_limit_s)
                    deliver(json.dumps(replies, default=str))
                    ticks += 1
                    self._check(ticks, deadline, time_limit_s)
                    continue
                settled = settle()
                if settled:
                    break
                ticks += 1
                self._check(ticks, deadline, time_limit_s)
            ctx.set_time_limit(DEFAULT_TIME_LIMIT_S)
            data = json.loads(settled)
            outcome = _outcome(data)
            if outcome.error is not None and "out of memory" in outcome.error:
                outcome.error = _out_of_memory(limit)  # caught by the sandbox's own try: said plainly all the same
                self.discard()
            elif data.get("clean") is not True:  # a global the script made could not be deleted
                self.discard()
            elif keep_globals is not None:
                self._kept = keep_globals
        except _Overrun as exc:
            self.discard()
            outcome = ScriptOutcome(error=str(exc))
        except quickjs.StackOverflow:
            self.discard()
            outcome = ScriptOutcome(error="RangeError: Maximum call stack size exceeded")
        except quickjs.JSException as exc:
            self.discard()
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "interrupted" in message:
                message = f"the script ran longer than its time limit of {time_limit_s:g} s and was stopped"
            elif "out of memory" in message:
                message = _out_of_memory(limit)
            outcome = ScriptOutcome(error=message)
        outcome.duration_ms = (time.perf_counter() - started) * 1000
        return outcome

    @staticmethod
    def _arm(ctx: Any, deadline: float, time_limit_s: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Overrun(f"the script ran longer than its time limit of {time_limit_s:g} s and was stopped")
        ctx.set_time_limit(left)

    @staticmethod
    def _check(ticks: int, deadline: float, time_limit_s: float) -> None:
        if ticks > MAX_TICKS:
            raise _Overrun(f"the script scheduled more than {MAX_TICKS} timers and promise jobs and was stopped")
        if time.monotonic() > deadline:
            raise _Overrun(f"the script ran longer than its time limit of {time_limit_s:g} s and was stopped")


def _sent(send: Sender, request: dict[str, Any]) -> dict[str, Any]:
    """One `pm.sendRequest` through the host's sender: its answer, or its error as the
    script's callback gets it (`err`), never an exception into the engine."""
    try:
        reply = send(request)
    except Exception as exc:
        return {"id": request.get("id"), "error": str(exc) or type(exc).__name__}
    return {"id": request.get("id"), **reply}


def _quickjs() -> Any:
    """The `quickjs` module, imported on first use: importing it starts a worker thread, and
    the warm runner (flows/warm.py) preloads flows.bdd and must not hold threads when it forks."""
    import quickjs

    return quickjs


def _out_of_memory(limit: int) -> str:
    return f"the script ran out of memory (limit {limit // (1024 * 1024)} MiB) and was stopped"


class _Overrun(Exception):
    pass


def _outcome(data: dict[str, Any]) -> ScriptOutcome:
    return ScriptOutcome(
        tests=[TestOutcome(str(t["name"]), bool(t["passed"]), t.get("error"), bool(t.get("skipped"))) for t in data["tests"]],
        error=data.get("error"),
        error_at=data.get("errorAt"),
        logs=[(str(level), str(text)) for level, text in data.get("logs", [])],
        scopes=data.get("scopes") or {},
        unset=data.get("unset") or {},
        touched=list(data.get("touched") or []),
        header_ops=[(op, key, value) for op, key, value in data.get("headerOps", [])],
    )


_local = threading.local()


def for_thread() -> Sandbox:
    """This thread's sandbox (made on first use): scenario threads each keep their own context."""
    sandbox = getattr(_local, "sandbox", None)
    if sandbox is None:
        sandbox = _local.sandbox = Sandbox()
    return sandbox
