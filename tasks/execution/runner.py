"""Run bound scenarios against the target API, concurrently, on one HTTP client.

Scenarios run on a pool of `concurrency` threads sharing one HTTP session
(tasks/execution/http.py: HTTP/1.1 keep-alive, one pooled connection per thread);
how many are in flight at a time is the throttle's to say
(tasks/execution/throttle.py): up to `concurrency` while the threads wait on the
network, fewer while the client's own CPU is the limit. Threads were measured
against asyncio with one `httpx.AsyncClient` (profiling/bench_bdd.py
--compare-clients): on this kind of machine the synchronous client costs about
half the CPU per request, and a bdd run is CPU-bound on the client and the
API under test together, so threads finish sooner at every concurrency.

Each scenario has its own variables and request state and a deadline: no
request waits past it and a poll never sleeps past it. A scenario stops at its
first failing step (the rest are skipped, as in Cucumber).

Scenarios tagged `@in-order` are the exception, for what Newman does with a
collection: those of one feature run one after another in file order, each
starting from the variables (and Postman scopes) the one before left, so a
"delete, then check it is gone" pair means what it says. Other features and
untagged scenarios still run alongside them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from blocks.target_api import TargetAPI
from tasks.execution.context import RunShared, ScenarioContext
from tasks.execution.features import (
    FeatureError,
    PlannedScenario,
    feature_files,
    load_features,
    parse_files,
    tag_filter,
)
from tasks.execution.http import (
    BODY_CAP,
    HttpSession,
    ScenarioTimeout,
    StepError,
    StepFailed,
)
from tasks.execution.redaction import Redactor, redacting, target_redactor
from tasks.execution.result_log import ResultLog
from tasks.execution.results import (
    UNCHECKED_REASON,
    RunResult,
    ScenarioResult,
    StepResult,
    step_checks,
)
from tasks.execution.throttle import Throttle
from tasks.origins import OriginPolicy

OnResult = Callable[[ScenarioResult], Any]
IN_ORDER_TAG = "@in-order"


@dataclass
class Chain:
    """The `@in-order` scenarios of one feature: whose turn it is, and what the last one left."""

    variables: dict[str, Any]
    submitted: int = 0
    finished: int = 0
    postman: Any = None  # the PostmanScopes the previous scenario's scripts left
    cookies: CookieJar | None = None  # and the cookies its requests got
    turn: threading.Condition = field(default_factory=threading.Condition)

    def run(self, position: int, scenario: Callable[[Chain], ScenarioResult]) -> ScenarioResult:
        """Wait for the scenarios before this one (submitted earlier, so already running or done:
        the pool takes work in order, and this cannot deadlock), run it, pass the turn on."""
        with self.turn:
            self.turn.wait_for(lambda: self.finished == position)
        try:
            return scenario(self)
        finally:
            with self.turn:
                self.finished += 1
                self.turn.notify_all()


def execute_features(
    paths: list[Path],
    target: TargetAPI,
    *,
    concurrency: int = 8,
    tags: str | None = None,
    scenario_timeout: float = 60,
    transport_retries: int = 2,
    variables: dict | None = None,
    on_result: OnResult | None = None,
    openapi: str | Path | None = None,
    body_cap: int = BODY_CAP,
    keep_bodies: Literal["failed", "all"] = "failed",
    log: Path | None = None,
) -> RunResult:
    """Parse, bind and run the scenarios of `paths`; raises FeatureError before running
    anything if a file does not parse or a step matches no catalogue step.

    `on_result` is called in the calling thread as each scenario ends (for progress bars).
    `openapi` is a path or URL of the target's OpenAPI document; by default
    `<base_url>/openapi.json`, fetched once, the first time a step needs it.
    Bodies and headers of the HTTP exchanges are kept for steps that did not pass
    (`keep_bodies="failed"`, so a big run's result stays small) or for all steps.
    With `log`, results go to that JSON-lines file as they finish and are not kept in
    memory (see `run_scenarios`), and the scenarios are bound one file at a time once
    every file has been checked (`plan_lazily`): memory stays flat at any size.
    """
    scenarios = plan_lazily(paths, tags)[1] if log is not None else load_features(paths, tags)
    return run_scenarios(
        scenarios,
        target,
        concurrency=concurrency,
        scenario_timeout=scenario_timeout,
        transport_retries=transport_retries,
        variables=variables,
        on_result=on_result,
        openapi=openapi,
        body_cap=body_cap,
        keep_bodies=keep_bodies,
        log=log,
    )


def plan_lazily(paths: Iterable[Path | str], tags: str | None = None) -> tuple[int, Iterator[PlannedScenario]]:
    """How many scenarios the files hold (after `tags`), and an iterator binding them one
    file at a time. Every file is parsed and bound first, keeping nothing (a bound scenario
    is ~4 KB: 100,000 of them held at once would be 400 MB), and any problem raises
    FeatureError here, as `load_features` does, before anything runs."""
    files = feature_files(paths)
    if not files:
        raise FeatureError(["no .feature files found"])
    wanted = tag_filter(tags) if tags else None
    problems: list[str] = []
    count = sum(1 for found in parse_files(files, problems) for s in found if wanted is None or wanted(s.tags))
    if problems:
        raise FeatureError(problems)

    def planned() -> Iterator[PlannedScenario]:
        for found in parse_files(files, []):
            yield from (s for s in found if wanted is None or wanted(s.tags))

    return count, planned()


def run_scenarios(
    scenarios: Iterable[PlannedScenario],
    target: TargetAPI,
    *,
    concurrency: int = 8,
    scenario_timeout: float = 60,
    transport_retries: int = 2,
    variables: dict | None = None,
    on_result: OnResult | None = None,
    openapi: str | Path | None = None,
    body_cap: int = BODY_CAP,
    keep_bodies: Literal["failed", "all"] = "failed",
    log: Path | None = None,
) -> RunResult:
    """Run already bound scenarios; results come back in the order the scenarios were given.

    Requests go only to the target's origins (its base URL's, plus `allowed_hosts`);
    a bad `allowed_hosts` entry is a ValueError here, before anything is sent.

    With `log`, each result is appended to that JSON-lines log (tasks/execution/result_log.py)
    as it finishes and then dropped, so memory stays flat in the number of scenarios: the
    returned RunResult has no `scenarios`, but `logs=[log]`, the totals and the first failures.
    """
    # a list when results stay in memory; an iterator when they stream to a log (flat memory)
    planned: Iterable[PlannedScenario] = scenarios if log is not None else list(scenarios)
    concurrency = max(1, int(concurrency))
    origins = OriginPolicy.for_target(target.base_url, target.allowed_hosts)
    redactor = target_redactor(target)
    session = HttpSession(
        origins,
        timeout=target.timeout,
        transport_retries=transport_retries,
        redactor=redactor,
        max_connections=concurrency,
        body_cap=body_cap,
    )
    shared = RunShared(target=target, session=session, openapi_source=openapi)
    # the block's secret variables (a Postman {{apiKey}}) are ${name}s too; the run's own win
    secret_variables = getattr(target, "secret_variable_values", dict)()
    variables = {**secret_variables, **(variables or {})}
    started_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    started = time.perf_counter()
    sink = ResultLog(log) if log is not None else None
    results: dict[int, ScenarioResult] = {}

    chains: dict[Path, Chain] = {}
    throttle = Throttle(concurrency)

    def one(plan: PlannedScenario) -> ScenarioResult:
        return run_scenario(plan, shared, scenario_timeout, dict(variables or {}), redactor, keep_bodies == "all")

    def submit(pool: ThreadPoolExecutor, plan: PlannedScenario) -> Future[ScenarioResult]:
        if IN_ORDER_TAG not in plan.tags:
            return pool.submit(one, plan)
        chain = chains.setdefault(plan.feature_file, Chain(variables=dict(variables or {})))
        position, chain.submitted = chain.submitted, chain.submitted + 1
        return pool.submit(chain.run, position, lambda c: run_scenario(
            plan, shared, scenario_timeout, c.variables, redactor, keep_bodies == "all", chain=c))

    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="qaflow-bdd") as pool:
            # at most `throttle.limit` (<= concurrency) scenarios submitted at once, all of them
            # running: memory stays flat for big runs, and a chain's next scenario never waits
            # behind one queued after it
            pending: dict[Future[ScenarioResult], int] = {}
            queue = enumerate(planned)
            more = True
            while True:
                while more and len(pending) < throttle.limit:
                    following = next(queue, None)
                    if following is None:
                        more = False
                    else:
                        pending[submit(pool, following[1])] = following[0]
                if not pending:
                    break
                done, _ = wait(pending, timeout=throttle.window_s, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    finished = future.result()
                    if sink is not None:
                        sink.append(index, finished)
                    else:
                        results[index] = finished
                    if on_result is not None:
                        on_result(finished)
                throttle.update()
    except BaseException:
        if sink is not None:
            sink.discard()
        raise
    finally:
        session.close()
    if sink is not None:
        run = RunResult(base_url=shown_url(target.base_url, redactor), started_at=started_at,
                        logs=[str(sink.close())], failures=sink.tally.failures,
                        totals=sink.tally.totals(time.perf_counter() - started))
        return run
    run = RunResult(
        scenarios=[results[i] for i in sorted(results)], base_url=shown_url(target.base_url, redactor), started_at=started_at
    )
    run.recount(time.perf_counter() - started)
    return run


def run_scenario(
    plan: PlannedScenario,
    shared: RunShared,
    timeout: float,
    variables: dict[str, Any],
    redactor: Redactor,
    keep_bodies: bool = False,
    chain: Chain | None = None,
) -> ScenarioResult:
    """One scenario, step by step, under its own deadline; everything it returns is redacted.

    In a chain the variables are the chain's own dict, and the Postman scopes are taken
    from and handed back to it."""
    with redacting(redactor):
        return _run_scenario(plan, shared, timeout, variables, redactor, keep_bodies, chain)


def _run_scenario(
    plan: PlannedScenario,
    shared: RunShared,
    timeout: float,
    variables: dict[str, Any],
    redactor: Redactor,
    keep_bodies: bool,
    chain: Chain | None = None,
) -> ScenarioResult:
    ctx = ScenarioContext(shared=shared, feature_dir=plan.feature_file.parent, variables=variables)
    if chain is not None and chain.postman is not None:
        ctx.postman = chain.postman  # type: ignore[attr-defined]  # see tasks/execution/steps_postman.py
    if chain is not None and chain.cookies is not None:
        ctx.cookies = chain.cookies
    try:
        return _steps(plan, ctx, timeout, redactor, keep_bodies)
    finally:
        if chain is not None:
            chain.postman = getattr(ctx, "postman", None)
            chain.cookies = ctx.cookies


def _steps(plan: PlannedScenario, ctx: ScenarioContext, timeout: float, redactor: Redactor,
           keep_bodies: bool) -> ScenarioResult:
    steps = [
        StepResult(
            keyword=s.keyword,
            text=redactor.text(s.text),
            status="skipped",
            line=s.line,
            pattern=s.match.step.pattern,
            doc_string=redactor.text(s.doc_string) if s.doc_string is not None else None,
            data_table=[[redactor.text(c) for c in row] for row in s.data_table] if s.data_table else None,
        )
        for s in plan.steps
    ]
    status = "passed"
    scenario_error: str | None = None
    started = time.perf_counter()
    ctx.deadline = time.monotonic() + timeout
    for planned, result in zip(plan.steps, steps, strict=True):
        ctx.exchanges = []
        ctx.assertions = []
        retries_before = ctx.retries
        kwargs: dict[str, Any] = dict(planned.match.args)
        if planned.match.step.needs == "doc_string":
            kwargs["doc_string"] = planned.doc_string
        elif planned.match.step.needs == "data_table":
            kwargs["data_table"] = planned.data_table
        step_started = time.perf_counter()
        try:
            if time.monotonic() >= ctx.deadline:
                raise ScenarioTimeout("the scenario's time ran out")
            planned.match.step.func(ctx, **kwargs)
            result.status = "passed"
        except StepFailed as exc:
            result.status, result.error = "failed", redactor.text(str(exc))
        except ScenarioTimeout:
            result.status = "error"
            result.error = scenario_error = f"scenario timed out after {timeout:g} s"
        except StepError as exc:
            result.status, result.error = "error", redactor.text(str(exc))
        except Exception as exc:  # a bug in a step must not take the run down
            result.status, result.error = "error", redactor.text(f"{type(exc).__name__}: {exc}")
        result.duration_s = round(time.perf_counter() - step_started, 6)
        result.assertions = list(ctx.assertions)  # already redacted by the step that made them
        result.retries = ctx.retries - retries_before
        exchange = ctx.exchanges[-1] if ctx.exchanges else None
        if exchange is None and result.status != "passed":
            exchange = ctx.last_exchange  # a failed check shows the exchange it checked
        if exchange is not None:
            if result.status == "passed" and not keep_bodies:
                result.request, result.response = _brief(exchange.request), _brief(exchange.response)
            else:
                result.request, result.response = exchange.request, exchange.response
        if ctx.exchanges:
            ctx.last_exchange = ctx.exchanges[-1]
        if result.status != "passed":
            status = result.status
            break
    if status == "passed" and steps and not any(
        step_checks(p.match.step.kind, p.match.step.pattern, r.assertions) for p, r in zip(plan.steps, steps, strict=True)
    ):
        status, scenario_error = "unchecked", UNCHECKED_REASON  # a scenario that asserts nothing never passes
    return ScenarioResult(
        feature=redactor.text(plan.feature),
        feature_file=str(plan.feature_file),
        name=redactor.text(plan.name),
        requirement_ids=[redactor.text(r) for r in plan.requirement_ids],
        tags=[redactor.text(t) for t in plan.tags],
        status=status,
        duration_s=round(time.perf_counter() - started, 6),
        flaky=ctx.retries > 0,
        steps=steps,
        line=plan.line,
        keyword=plan.keyword,
        feature_line=plan.feature_line,
        feature_description=redactor.text(plan.feature_description),
        feature_tags=[redactor.text(t) for t in plan.feature_tags],
        tag_lines={redactor.text(k): v for k, v in plan.tag_lines.items()},
        error=scenario_error,
    )


_BRIEF_KEYS = ("method", "url", "status", "elapsed_ms", "error", "withheld")


def shown_url(url: str, redactor: Redactor) -> str:
    """A URL as results show it: user info masked, secrets redacted."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2])
    return redactor.text(urlunsplit(parts))


def _brief(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """A passed step's exchange without headers and bodies: what was asked and how it went."""
    if summary is None:
        return None
    return {key: summary[key] for key in _BRIEF_KEYS if key in summary}
