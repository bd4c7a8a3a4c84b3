"""Executing Gherkin scenarios against a REST API.

    catalogue.py    CATALOGUE: the step vocabulary of shared/STEPS.md (registry.py holds the machinery)
    steps_request.py, steps_response.py   the code of each step
    features.py     .feature files -> bound scenarios (gherkin-official), tag expressions
    runner.py       execute_features(): threads sharing one httpx.Client, deadlines, retries
    http.py         the client: every request (redirect hops too) checked against the allowed origins,
                    credentials to the target's own origin only, transport retries, truncation
    origins.py      origins (scheme, host, port): the target's own, allowed_hosts entries, the refusal
    redaction.py    Redactor (secrets in every shape, redacted before any cut), clip()
    context.py      per-scenario state; values.py, jsonpaths.py, openapi.py its helpers
    results.py      RunResult / ScenarioResult / StepResult (what reports are written from)
"""
