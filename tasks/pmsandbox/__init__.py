"""Postman scripts (pre-request and tests) run in an embedded JavaScript engine.

    engine.py    QuickJS, one context per thread: limits, isolation between scripts, the host calls
    js/          the sandbox API in JavaScript: chai.js (pm.expect), libs.js (lodash, moment, uuid,
                 crypto-js, tv4), pm.js (pm.*, the legacy globals, console, timers, require)
    dynamic.py   Postman's dynamic variables ({{$guid}}, {{$randomFirstName}}...), Faker behind them
    scopes.py    variable scopes of a scenario (globals, collection, environment, local) and how a
                 script's changes flow into the scenario's ${variables}
    docstring.py how a request's scripts travel in a feature (one doc string, a header line per level)
"""

from tasks.pmsandbox.dynamic import DYNAMIC, dynamic_value, is_dynamic
from tasks.pmsandbox.engine import Sandbox, SandboxError, ScriptOutcome, TestOutcome, for_thread

__all__ = [
    "DYNAMIC",
    "Sandbox",
    "SandboxError",
    "ScriptOutcome",
    "TestOutcome",
    "dynamic_value",
    "for_thread",
    "is_dynamic",
]
