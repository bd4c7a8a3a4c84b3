"""Executing Gherkin scenarios against a REST API.

    catalogue.py    CATALOGUE: the step vocabulary, listed in docs/steps.md (registry.py holds the machinery)
    steps_request.py, steps_response.py   the code of each step
    features.py     .feature files -> bound scenarios (gherkin-official), tag expressions
    runner.py       execute_features(): threads sharing one httpx.Client, deadlines, retries
    http.py         the client: every request (redirect hops too) checked against the allowed origins,
                    credentials to the target's own origin only, transport retries, truncation
    (tasks/origins.py, a base module: origins (scheme, host, port), the target's own, allowed_hosts, the refusal)
    redaction.py    Redactor (secrets in every shape, redacted before any cut), clip()
    context.py      per-scenario state; values.py, jsonpaths.py, openapi.py its helpers
    results.py      RunResult / ScenarioResult / StepResult (what reports are written from)
    runs.py         a run over several features as one: count, merge, each requirement's worst status
    progress.py     PROGRESS: the "generate" and "execute" progress events of a bdd run
    steps.py        the Prefect task of the bdd flow (execute_feature), not the step vocabulary
"""
