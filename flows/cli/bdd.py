"""`qaflow bdd run|generate|execute|steps|import-postman|export-postman`.

`run` is the Prefect flow (artifacts, caching, retries); the other commands
call the same plain functions directly, so they answer in a second without a
Prefect API (unless a block has to be loaded).
"""

from __future__ import annotations

import json
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
def progress_bars() -> Iterator[Any]:
    """Rich progress bars for the stages ("generate", "execute"), fed by (stage, advance, total)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=common.console(), transient=False)
    bars: dict[str, Any] = {}

    def hook(stage: str, advance: int, total: int = 0) -> None:
        if stage not in bars:
            bars[stage] = progress.add_task(stage, total=total or None)
        if total:
            progress.update(bars[stage], total=total)
        if advance:
            progress.advance(bars[stage], advance)

    with progress:
        yield hook


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
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Scenarios in flight per feature."),
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
    as_json: bool = common.JsonOption,
) -> None:
    """Ingest, generate, validate, execute and report: the whole pipeline as a Prefect flow.

    A Postman collection runs directly, as with Newman: `qaflow bdd run COLLECTION.json -e ENV.json
    --base-url URL`. Exit 1 when a scenario failed, an input could not be read or nothing ran."""
    common.use_json(as_json)
    with common.errors_as_lines():
        _needs_api()
        from flows.bdd import LLMGenerationFailed, ScenariosFailed, bdd_pipeline, set_progress_hook
        from flows.prefect_api import cli_flow_runs

        failed = False
        with progress_bars() as hook, cli_flow_runs():
            set_progress_hook(hook)
            try:
                bdd_pipeline(requirements=[str(p) for p in requirements], target=target, base_url=base_url,
                             out_dir=str(out), llm=llm, tags=tags, concurrency=concurrency,
                             fail_on_failure=fail_on_failure, auth=parse_auth(auth),
                             postman_environment=str(postman_env.resolve()) if postman_env else None,
                             refresh=refresh, postman_globals=str(globals_file.resolve()) if globals_file else None,
                             env_vars=parse_env_vars(env_var), require_checks=require_checks, strict=strict)
            except (ScenariosFailed, LLMGenerationFailed):
                failed = True
            finally:
                set_progress_hook(None)
        summary = json.loads((out.resolve() / "summary.json").read_text(encoding="utf-8"))
        common.emit(summary, as_json, _summary_render)
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
        from tasks.requirements import expand_inputs, read_requirements
        from tasks.scenarios.generate import (
            draft_feature,
            draft_result,
            file_name_for,
            group_requirements,
        )
        from tasks.scenarios.model import GenerationResult

        if llm != "offline":
            _needs_api()
        from blocks.llm import reset_circuits, usage_totals
        from flows.bdd import resolve_llm

        endpoint = resolve_llm(llm)
        reset_circuits()
        before = usage_totals()
        context = contract = None
        documents = expand_inputs(requirements)
        if not endpoint.offline:
            from tasks.scenarios.contract import load_contract
            from tasks.scenarios.llm import rag_context_provider

            context = rag_context_provider()
            contract = load_contract(documents)
        read = [read_requirements(p) for p in documents]
        groups = group_requirements([r for result in read for r in result.requirements])
        result = GenerationResult()
        taken: set[str] = set()
        with progress_bars() as hook:
            hook("generate", 0, len(groups))
            for group, members in groups.items():
                draft = draft_feature(group, members, endpoint, file_name=file_name_for(group, taken),
                                      context=context, contract=contract, refresh=refresh)
                result = result.merge(draft_result(draft, out, members))
                hook("generate", 1)
        payload = result.model_dump(mode="json")
        payload["read_errors"] = [str(e) for r in read for e in r.errors]
        payload["out"] = str(out)
        usage = usage_totals() - before
        payload["llm_calls"], payload["llm_repairs"] = usage.calls, usage.repairs
        payload["llm_usage"] = usage.numbers()

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

        common.emit(payload, as_json, render)
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
    concurrency: int = typer.Option(8, "--concurrency", min=1),
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
        from flows.bdd import run_target
        from tasks.execution.runner import plan_lazily, run_scenarios

        block, variables, missing = run_target(target, base_url, parse_auth(auth), [str(p) for p in postman or []],
                                               str(postman_env) if postman_env else None,
                                               str(globals_file) if globals_file else None, parse_env_vars(env_var))
        for line in missing:
            common.console().print(f"  [yellow]credentials[/] {line}", highlight=False)
        # every file checked first (nothing runs if one is bad), then bound one file at a time,
        # and results stream to out/results/results.jsonl as scenarios finish: memory stays flat at any size
        total, planned = plan_lazily(features, tags)
        with progress_bars() as hook:
            hook("execute", 0, total)
            run_result = run_scenarios(planned, block, concurrency=concurrency,
                                       on_result=lambda _r: hook("execute", 1), openapi=openapi,
                                       variables=variables, log=out / "results" / "results.jsonl")
        if openapi:  # the operation coverage of the document the conformance steps checked against
            from tasks.reports.coverage import features_coverage

            run_result.coverage = features_coverage([openapi], run_result)
        summary = _execute_summary(run_result, out, block.base_url, require_checks)
        common.emit(summary, as_json, _summary_render)
        if not postman and any("no auth profile 'postman-" in (f["error"] or "") for f in summary["failed_scenarios"]):
            common.console().print("  features imported from Postman name its credentials: add --postman COLLECTION "
                                   "[-e ENVIRONMENT], or import with --save-credentials", highlight=False)
        if summary["verdict"]:
            raise typer.Exit(1)


def _execute_summary(run_result: Any, out: Path, base_url: str, require_checks: bool) -> dict[str, Any]:
    """Reports under out/reports/ and out/summary.json, as `bdd run --out` lays them out."""
    from flows.bdd import ran_requirements
    from tasks.reports import write_reports
    from tasks.reports.coverage import coverage_summary
    from tasks.reports.files import write_atomic

    reports = write_reports(run_result, out / "reports", title="qaflow bdd")
    verdict = run_result.verdict(require_checks)
    summary = {
        "out_dir": str(out.resolve()),
        "base_url": base_url,
        "totals": run_result.totals.model_dump(),
        **run_result.requirement_figures(ran_requirements(run_result)),
        "verdict": verdict,
        "ok": not verdict,
        "reports": {k: str(v) for k, v in reports.items()},
        "results_log": run_result.logs[0],
        "failed_scenarios": run_result.failed_scenarios(),  # the first 200 (all are in the log)
        "coverage": coverage_summary(run_result.coverage),
    }
    write_atomic(out / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


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
        from tasks.requirements.postman import collection_parts, read_postman
        from tasks.requirements.postman_auth import credentials_for
        from tasks.requirements.postman_vars import bake, load_scopes
        from tasks.scenarios.generate import generate_features

        env_vars = parse_env_vars(env_var)
        read = read_postman(collection)
        baked = bake(read.requirements, load_scopes(None, postman_env, globals_file, env_vars))
        result = generate_features(read.requirements, out)
        credentials = credentials_for([collection], postman_env, globals_file, env_vars)
        saved = None
        if save_credentials:
            saved = _save_credentials(target, credentials)
        payload = {
            "features": [f.path for f in result.files],
            "scenarios": sum(f.scenarios for f in result.files),
            "untranslated": result.untranslated_lines,
            "errors": [str(e) for e in read.errors] + [f"{u.requirement_id}: {u.reason}" for u in result.ungenerated],
            "auth_profiles": sorted(credentials.profiles),
            "secret_variables": sorted(credentials.secrets),
            "missing_credentials": credentials.missing,
            "credentials_saved_to": saved,
            "baked_values": baked,
            "postman_parts": collection_parts(read.requirements),
        }

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


def _save_credentials(target: str, credentials: Any) -> str:
    """Add the collection's profiles and secret variables to the TargetAPI block `target`
    (created if need be); the collection's values replace same-named ones."""
    _needs_api()
    from blocks.target_api import TargetAPI

    name = target or "default"
    block = TargetAPI.resolve(name)
    block = block.model_copy(update={
        "auth_profiles": {**block.auth_profiles, **credentials.profiles},
        "secret_variables": {**block.secret_variables, **credentials.secrets},
    })
    block.save(name, overwrite=True)
    return name


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
        from tasks.scenarios.generate import write_atomic
        from tasks.scenarios.postman_export import export_features

        paths = feature_files(features)
        if not paths:
            raise common.UserError("no .feature files found")
        result = export_features(paths, name=name, base_url=base_url)
        write_atomic(out, json.dumps(result.collection, indent=2, ensure_ascii=False) + "\n")
        payload = {"collection": str(out), "requests": result.requests, "not_exported": result.not_exported}

        def render(r: dict[str, Any]) -> None:
            console = common.console()
            console.print(f"{r['requests']} request(s) written to {r['collection']}", highlight=False)
            for line in r["not_exported"]:
                console.print(f"  [yellow]not exported[/] {line}", highlight=False)

        common.emit(payload, as_json, render)
