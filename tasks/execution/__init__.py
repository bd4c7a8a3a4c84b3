"""Executing Gherkin scenarios against a REST API.

    catalogue.py    CATALOGUE: the step vocabulary, listed in docs/steps.md (registry.py holds the machinery)
    steps_request.py, steps_response.py   the code of each step
    features.py     .feature files -> bound scenarios (gherkin-official), tag expressions
    runner.py       execute_features(): threads sharing one HTTP session, deadlines, retries
    throttle.py     how many scenarios are in flight: up to --concurrency, fewer while the CPU is the limit
    http.py         the session: every request (redirect hops too) checked against the allowed origins,
                    credentials to the target's own origin only, a cookie jar per scenario, transport
                    retries, truncation
    openapi_swagger2.py   a Swagger 2.0 document converted to OpenAPI 3.0 (read by requirements too)
    (tasks/origins.py, a base module: origins (scheme, host, port), the target's own, allowed_hosts, the refusal)
    redaction.py    Redactor (secrets in every shape, redacted before any cut), clip()
    context.py      per-scenario state; values.py, jsonpaths.py, openapi.py its helpers
    results.py      RunResult / ScenarioResult / StepResult (what reports are written from)
    runs.py         a run over several features as one: count, merge, each requirement's worst status
    progress.py     PROGRESS: the "generate" and "execute" progress events of a bdd run
    steps.py        the Prefect task of the bdd flow (execute_feature), not the step vocabulary
"""
