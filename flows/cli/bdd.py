"""`qaflow bdd run|generate|execute|steps|import-postman|export-postman`.

`run` calls the Prefect flow (flows/bdd.py: artifacts, retries); `generate`,
`import-postman`, `export-postman` (tasks/scenarios/direct.py) and `execute`
(tasks/reports/direct.py) call the stages' public functions directly, so they
answer in a second without a Prefect API (unless a block has to be loaded).
This module parses arguments, calls one of those, and prints the result model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from flows.cli import common

app = typer.Typer(help="Requirements -> Gherkin scenarios -> run against a REST API -> reports.",
                  no_args_is_help=True)

TargetOption = typer.Option("default", "--target", help="TargetAPI block name (auth profiles, allowed hosts).")
BaseUrlOption = typer.Option(None, "--base-url", help="Base URL of the API under test (overrides the block).")
LlmOption = typer.Option(None, "--llm", help='LLMEndpoint block name, or "offline"; default: the "default" block.')
TagsOption = typer.Option(None, "--tags", help='Tag expression, e.g. "@smoke and not @slow".')
AuthOption = typer.Option(None, "--auth", metavar="PROFILE=SPEC",
                          help="An auth profile whose values are in environment variables or Secret blocks "
                               "(repeatable): PROFILE=ENV (bearer), apikey:header|query|cookie:NAME:ENV, "
                               "basic:USER_ENV:PASS_ENV, oauth2:client:ID_ENV:SECRET_ENV, "
                               "oauth2:password:USER_ENV:PASS_ENV; any ENV may be secret:BLOCK.")
RefreshOption = typer.Option(False, "--refresh",
                             help="Ask the LLM again instead of using its cached answers (fresh answers are cached).")
PostmanEnvOption = typer.Option(None, "--environment", "-e", "--postman-env", exists=True, dir_okay=False,
                                help="Postman environment file (as for `newman run -e`): fills the collections' "
                                     "{{vars}}, credentials included.")
GlobalsOption = typer.Option(None, "--globals", "-g", exists=True, dir_okay=False,
                             help="Postman globals file (as for `newman run -g`).")
EnvVarOption = typer.Option(None, "--env-var", metavar="NAME=VALUE",
                            help="A Postman environment value over the file's (as for `newman run --env-var`; "
                                 "repeatable). A credential-looking NAME stays a secret.")
RequireChecksOption = typer.Option(False, "--require-checks",
                                   help="A scenario that asserts nothing (unchecked) fails the run.")
StrictOption = typer.Option(False, "--strict",
                            help="Requirements that did not run (waiting for an LLM, unsupported) fail the run.")


def parse_env_vars(values: list[str] | None) -> dict[str, str] | None:
    """`--env-var NAME=VALUE` -> {NAME: VALUE}; a credential's value goes into this process's
    environment and the pair names it (`env:VAR`), so it never becomes a flow parameter."""
    import os

    from tasks.requirements.model import RequirementError
    from tasks.requirements.postman_vars import parse_env_vars as parse

    try:
        return parse(values, os.environ) or None  # type: ignore[arg-type]
    except RequirementError as exc:
        raise common.UserError(str(exc)) from None


def parse_auth(values: list[str] | None) -> dict[str, str] | None:
    """`--auth default=API_TOKEN` -> {"default": "API_TOKEN"} (the token itself never on the command line)."""
    if not values:
        return None
    pairs = {}
    for value in values:
        profile, sep, variable = value.partition("=")
        if not sep or not profile.strip() or not variable.strip():
            raise common.UserError(f"--auth {value!r}: expected PROFILE=ENV_VAR or PROFILE=SPEC")
        from tasks.execution.auth_specs import AuthSpecError, parse_spec

        try:  # the form checked here; the values are read where the run happens
            parse_spec(profile.strip(), variable.strip())
        except AuthSpecError as exc:
            raise common.UserError(str(exc)) from None
        pairs[profile.strip()] = variable.strip()
    return pairs


@contextmanager
def progress_bars() -> Iterator[None]:
    """Rich progress bars for the bdd stages ("generate", "execute"), drawn from the progress
    events of tasks/execution/progress.py while the block runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tasks.execution.progress import PROGRESS
    from tasks.progress import ProgressEvent

    progress = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=common.console(), transient=False)
    bars: dict[str, Any] = {}

    def hook(event: ProgressEvent) -> None:
        if event.stage not in bars:
            bars[event.stage] = progress.add_task(event.stage, total=event.total or None)
        if event.total:
            progress.update(bars[event.stage], total=event.total)
        if event.advance:
            progress.advance(bars[event.stage], event.advance)

    with progress, PROGRESS.listening(hook):
        yield


def _document(source: str | None) -> str | None:
    """A file path made absolute (the flow may run elsewhere), a URL as given."""
    if not source or "://" in source:
        return source
    return str(Path(source).expanduser().resolve())


def _needs_api() -> None:
    """Blocks (target, LLM) and flows need a Prefect API: start it early (see flows.prefect_api)."""
    from flows.prefect_api import start_api

    start_api()


def _summary_render(summary: dict[str, Any]) -> None:
    console = common.console()
    totals = summary["totals"]
    colour = "green" if summary.get("ok") else "red"
    console.print(f"[bold {colour}]{totals['passed']}/{totals['scenarios']} scenarios passed[/] "
                  f"({totals['failed']} failed, {totals['error']} errors, {totals.get('unchecked', 0)} unchecked, "
                  f"{totals['flaky']} flaky) in {totals['duration_s']} s")
    _requirements_line(summary)
    if summary.get("coverage"):
        console.print(f"  OpenAPI coverage: {summary['coverage']['line']}", highlight=False)
    for failed in summary.get("failed_scenarios", []):
        console.print(f"  [red]FAILED[/] {failed['scenario']}: {failed['error']}", highlight=False)
    for item in summary.get("needs_llm", []):
        console.print(f"  [yellow]needs an LLM[/] {item['requirement_id']} {item['title']}", highlight=False)
    for item in summary.get("ungenerated", []):
        console.print(f"  [yellow]not generated[/] {item['requirement_id']}: {item['reason']}", highlight=False)
    for error in summary.get("read_errors", []):
        console.print(f"  [red]input error[/] {error}", highlight=False)
    if summary.get("untranslated"):
        console.print(f"  {len(summary['untranslated'])} Postman script line(s) kept as comments", highlight=False)
    _usage_line(summary)
    for name, path in summary.get("reports", {}).items():
        console.print(f"  {name}: {path}", highlight=False)


def _requirements_line(summary: dict[str, Any]) -> None:
    """The pass rate over all requirements, and why the run failed (when it did)."""
    console = common.console()
    if "requirements_total" in summary:
        console.print(f"  {summary['requirements_passed']}/{summary['requirements_total']} requirements passed "
                      f"({summary['requirement_pass_rate']}%; {summary['requirements_not_run']} did not run)",
                      highlight=False)
    for reason in summary.get("verdict", []):
        console.print(f"  [red]run failed[/] {reason}", highlight=False)
    parts = summary.get("postman_parts")
    if parts:
        console.print(f"  Postman: {parts['translated']} assertion(s) translated to steps, {parts['scripted']} "
                      f"script step(s), {parts['unsupported']} unsupported part(s) kept as comments", highlight=False)


def _usage_line(payload: dict[str, Any]) -> None:
    """One terminal line of LLM usage for this run (only when prose needed the LLM)."""
    if not payload.get("llm_requested"):
        return
    console = common.console()
    usage = payload.get("llm_usage") or {}
    colour = "red" if not payload.get("llm_generated") else "default"
    console.print(f"  [{colour}]LLM[/] {payload.get('llm_generated', 0)}/{payload['llm_requested']} prose "
                  f"requirement(s) generated; {usage.get('calls', 0)} calls, {usage.get('cache_hits', 0)} cache hits, "
                  f"{usage.get('prompt_tokens', 0)}+{usage.get('completion_tokens', 0)} tokens, "
                  f"{usage.get('repairs', 0)} repairs, {usage.get('retries', 0)} retries, "
                  f"{usage.get('failures', 0)} failures", highlight=False)


@app.command()
def run(
    requirements: list[Path] = typer.Argument(..., help="Requirement files or folders."),
    base_url: str | None = BaseUrlOption,
    target: str = TargetOption,
    out: Path = typer.Option(Path("out/bdd"), "--out", help="Folder for features/ and reports/."),
    tags: str | None = TagsOption,
    llm: str | None = LlmOption,
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Most scenarios in flight per feature (fewer while the CPU is the limit)."),
    fail_on_failure: bool = typer.Option(True, "--fail-on-failure/--no-fail-on-failure",
                                         help="Exit 1 (and fail the flow run) when a scenario fails, an input "
                                              "is unreadable or nothing ran."),
    auth: list[str] | None = AuthOption,
    postman_env: Path | None = PostmanEnvOption,
    globals_file: Path | None = GlobalsOption,
    env_var: list[str] | None = EnvVarOption,
    require_checks: bool = RequireChecksOption,
    strict: bool = StrictOption,
    refresh: bool = RefreshOption,
    openapi: str | None = typer.Option(None, "--openapi", help="The team's OpenAPI document (file or URL): the "
                                       "conformance steps check against it and the summary reports its operation "
                                       "coverage (e.g. of a Postman collection run)."),
    as_json: bool = common.JsonOption,
) -> None:
    """Ingest, generate, validate, execute and report: the whole pipeline as a Prefect flow.

    A Postman collection runs directly, as with Newman: `qaflow bdd run COLLECTION.json -e ENV.json
    --base-url URL`. Exit 1 when a scenario failed, an input could not be read or nothing ran."""
    common.use_json(as_json)
    with common.errors_as_lines():
        _needs_api()
        from flows.bdd import LLMGenerationFailed, ScenariosFailed, bdd_pipeline
        from flows.prefect_api import cli_flow_runs

        failed = False
        with progress_bars(), cli_flow_runs():
            try:
                summary = bdd_pipeline(
                    requirements=[str(p) for p in requirements], target=target, base_url=base_url, out_dir=str(out),
                    llm=llm, tags=tags, concurrency=concurrency, fail_on_failure=fail_on_failure,
                    auth=parse_auth(auth), postman_environment=str(postman_env.resolve()) if postman_env else None,
                    refresh=refresh, postman_globals=str(globals_file.resolve()) if globals_file else None,
                    env_vars=parse_env_vars(env_var), require_checks=require_checks, strict=strict,
                    openapi=_document(openapi))
            except (ScenariosFailed, LLMGenerationFailed) as exc:
                failed, summary = True, exc.summary
        common.emit(summary.model_dump(mode="json"), as_json, _summary_render)
        if failed:
            raise typer.Exit(1)


@app.command()
def generate(
    requirements: list[Path] = typer.Argument(..., help="Requirement files or folders."),
    out: Path = typer.Option(Path("features"), "--out", help="Folder for the .feature files."),
    llm: str | None = LlmOption,
    refresh: bool = RefreshOption,
    as_json: bool = common.JsonOption,
) -> None:
    """Requirements -> validated .feature files (no execution; exit 1 when prose needed the LLM and none
    could be generated)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        if llm != "offline":
            _needs_api()
        from tasks.changes import context_retriever
        from tasks.scenarios.direct import generate_documents
        from tasks.scenarios.llm import context_or_hint, resolve_llm

        endpoint = resolve_llm(llm)
        context = None if endpoint.offline else context_or_hint(context_retriever())
        with progress_bars():
            result = generate_documents(requirements, out, endpoint, context=context, refresh=refresh)

        def render(r: dict[str, Any]) -> None:
            console = common.console()
            for f in r["files"]:
                console.print(f"  {f['path']}: {f['scenarios']} scenario(s)", highlight=False)
            for u in r["ungenerated"]:
                label = "needs an LLM" if u["needs_llm"] else "not generated"
                console.print(f"  [yellow]{label}[/] {u['requirement_id']} {u['title']}: {u['reason']}", highlight=False)
            for e in r["read_errors"]:
                console.print(f"  [red]input error[/] {e}", highlight=False)
            _usage_line(r)

        common.emit(result.model_dump(mode="json"), as_json, render)
        if result.llm_outage:
            raise typer.Exit(1)


@app.command()
def execute(
    features: list[Path] = typer.Argument(..., help=".feature files or folders."),
    base_url: str | None = BaseUrlOption,
    target: str = TargetOption,
    out: Path = typer.Option(Path("bdd-reports"), "--out",
                             help="Folder for reports/ (junit.xml, cucumber.json, report.html), results/ and "
                                  "summary.json: the layout of `bdd run --out`."),
    tags: str | None = TagsOption,
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Most scenarios in flight (fewer while the CPU is the limit)."),
    auth: list[str] | None = AuthOption,
    openapi: str | None = typer.Option(None, "--openapi", help="OpenAPI document (file or URL) for conformance "
                                       "steps; default: <base-url>/openapi.json."),
    postman: list[Path] | None = typer.Option(
        None, "--postman", exists=True, dir_okay=False,
        help="Postman collection the features were imported from: its credentials become the auth profiles "
             "and secret variables the features name (repeatable)."),
    postman_env: Path | None = PostmanEnvOption,
    globals_file: Path | None = GlobalsOption,
    env_var: list[str] | None = EnvVarOption,
    require_checks: bool = RequireChecksOption,
    as_json: bool = common.JsonOption,
) -> None:
    """Run .feature files against the API and write the reports (exit 1 when a scenario fails or
    nothing ran; with --require-checks also when a scenario asserted nothing)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        _needs_api()
        from tasks.reports.direct import execute_and_report
        from tasks.requirements.credentials import TargetSpec

        spec = TargetSpec(target=target, base_url=base_url, auth=parse_auth(auth),
                          postman=[str(p) for p in postman or []], env_vars=parse_env_vars(env_var),
                          postman_environment=str(postman_env) if postman_env else None,
                          postman_globals=str(globals_file) if globals_file else None)
        block, variables, missing = spec.resolve()
        for line in missing:
            common.console().print(f"  [yellow]credentials[/] {line}", highlight=False)
        with progress_bars():
            summary = execute_and_report(features, block, out, variables=variables, tags=tags, concurrency=concurrency,
                                         openapi=openapi, require_checks=require_checks)
        common.emit(summary.model_dump(mode="json"), as_json, _summary_render)
        if not postman and any("no auth profile 'postman-" in (f["error"] or "") for f in summary.failed_scenarios):
            common.console().print("  features imported from Postman name its credentials: add --postman COLLECTION "
                                   "[-e ENVIRONMENT], or import with --save-credentials", highlight=False)
        if summary.verdict:
            raise typer.Exit(1)


@app.command()
def steps(as_json: bool = common.JsonOption) -> None:
    """The step catalogue: every sentence a scenario may use."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from tasks.execution.catalogue import CATALOGUE

        described = CATALOGUE.describe()

        def render(items: list[dict[str, Any]]) -> None:
            console = common.console()
            for kind in ("request", "response"):
                console.print(f"[bold]{kind} steps[/]")
                for item in (i for i in items if i["kind"] == kind):
                    extra = {"doc_string": "  (doc string)", "data_table": "  (data table)"}.get(item["needs"] or "", "")
                    console.print(f"  {item['pattern']}{extra}", highlight=False, markup=False)
                    console.print(f"      {item['doc']}", style="dim", highlight=False, markup=False)

        common.emit(described, as_json, render)


@app.command("import-postman")
def import_postman(
    collection: Path = typer.Argument(..., help="Postman collection v2.0 or v2.1 (.json)."),
    out: Path = typer.Option(Path("features"), "--out", help="Folder for the .feature files."),
    postman_env: Path | None = PostmanEnvOption,
    globals_file: Path | None = GlobalsOption,
    env_var: list[str] | None = EnvVarOption,
    save_credentials: bool = typer.Option(
        False, "--save-credentials",
        help="Save the collection's credentials as secret auth profiles and variables of the TargetAPI block "
             "--target, so `qaflow bdd execute` and deployments find them by name."),
    target: str = TargetOption,
    as_json: bool = common.JsonOption,
) -> None:
    """A Postman collection -> .feature files (folders -> features, requests -> scenarios).

    Credentials (collection/folder/request auth, credential headers, secret variables)
    are never written: the features name them (`I am authenticated as "postman-bearer"`,
    `${apiKey}`), and `bdd execute --postman COLLECTION [-e ENV]` or a TargetAPI block
    saved with --save-credentials supplies them. The environment's (and globals', and
    --env-var's) non-secret values are baked into the scenarios, over the collection's."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from tasks.scenarios.direct import import_postman as import_collection

        env_vars = parse_env_vars(env_var)
        if save_credentials:
            _needs_api()
        payload = import_collection(collection, out, postman_env, globals_file, env_vars,
                                    save_to=target if save_credentials else None).model_dump(mode="json")

        def render(r: dict[str, Any]) -> None:
            console = common.console()
            console.print(f"{r['scenarios']} scenario(s) in {len(r['features'])} feature file(s) under {out}",
                          highlight=False)
            parts = r["postman_parts"]
            console.print(f"  {parts['requests']} request(s): {parts['translated']} assertion(s) translated to steps, "
                          f"{parts['scripted']} script step(s), {parts['unsupported']} unsupported part(s) kept as "
                          f"comments; {r['baked_values']} environment value(s) baked in", highlight=False)
            if r["auth_profiles"] or r["secret_variables"]:
                named = ", ".join(r["auth_profiles"] + [f"${{{v}}}" for v in r["secret_variables"]])
                where = (f"saved in the TargetAPI block {r['credentials_saved_to']!r}" if r["credentials_saved_to"]
                         else f"run with: qaflow bdd execute {out} --postman {collection}"
                         + (f" -e {postman_env}" if postman_env else ""))
                console.print(f"  credentials by name: {named} ({where})", highlight=False)
            for line in r["missing_credentials"]:
                console.print(f"  [yellow]credentials[/] {line}", highlight=False)
            for line in r["untranslated"]:
                console.print(f"  [yellow]kept as a comment[/] {line}", highlight=False)
            for error in r["errors"]:
                console.print(f"  [red]error[/] {error}", highlight=False)

        common.emit(payload, as_json, render)


@app.command("export-postman")
def export_postman(
    features: list[Path] = typer.Argument(..., help=".feature files or folders."),
    out: Path = typer.Option(Path("collection.json"), "--out", help="Collection file to write."),
    name: str = typer.Option("qaflow scenarios", "--name", help="Collection name."),
    base_url: str = typer.Option("http://127.0.0.1:8000", "--base-url", help="Value of the {{baseUrl}} variable."),
    as_json: bool = common.JsonOption,
) -> None:
    """.feature files -> a Postman collection v2.1 with pm.test scripts for the response steps."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from tasks.execution.features import feature_files
        from tasks.scenarios.direct import export_postman as export_collection

        paths = feature_files(features)
        if not paths:
            raise common.UserError("no .feature files found")
        payload = export_collection(paths, out, name, base_url).model_dump(mode="json")

        def render(r: dict[str, Any]) -> None:
            console = common.console()
            console.print(f"{r['requests']} request(s) written to {r['collection']}", highlight=False)
            for line in r["not_exported"]:
                console.print(f"  [yellow]not exported[/] {line}", highlight=False)

        common.emit(payload, as_json, render)
