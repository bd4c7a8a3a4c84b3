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
AuthOption = typer.Option(None, "--auth", metavar="PROFILE=ENV_VAR",
                          help="A bearer auth profile whose token is in an environment variable (repeatable).")
RefreshOption = typer.Option(False, "--refresh",
                             help="Ask the LLM again instead of using its cached answers (fresh answers are cached).")
PostmanEnvOption = typer.Option(None, "--postman-env", "-e", exists=True, dir_okay=False,
                                help="Postman environment file (as for `newman run -e`): fills the collections' "
                                     "{{vars}}, credentials included.")


def parse_auth(values: list[str] | None) -> dict[str, str] | None:
    """`--auth default=API_TOKEN` -> {"default": "API_TOKEN"} (the token itself never on the command line)."""
    if not values:
        return None
    pairs = {}
    for value in values:
        profile, sep, variable = value.partition("=")
        if not sep or not profile.strip() or not variable.strip():
            raise common.UserError(f"--auth {value!r}: expected PROFILE=ENV_VAR")
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
                  f"({totals['failed']} failed, {totals['error']} errors, {totals['flaky']} flaky) in {totals['duration_s']} s")
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
                                         help="Exit 1 (and fail the flow run) when a scenario fails."),
    auth: list[str] | None = AuthOption,
    postman_env: Path | None = PostmanEnvOption,
    refresh: bool = RefreshOption,
    as_json: bool = common.JsonOption,
) -> None:
    """Ingest, generate, validate, execute and report: the whole pipeline as a Prefect flow."""
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
                             refresh=refresh)
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
    out: Path = typer.Option(Path("bdd-reports"), "--out", help="Folder for junit.xml, cucumber.json, report.html."),
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
    as_json: bool = common.JsonOption,
) -> None:
    """Run .feature files against the API and write the reports (exit 1 when a scenario fails)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        _needs_api()
        from flows.bdd import run_target
        from tasks.execution.runner import plan_lazily, run_scenarios
        from tasks.reports import write_reports

        block, variables, missing = run_target(target, base_url, parse_auth(auth), [str(p) for p in postman or []],
                                               str(postman_env) if postman_env else None)
        for line in missing:
            common.console().print(f"  [yellow]credentials[/] {line}", highlight=False)
        # every file checked first (nothing runs if one is bad), then bound one file at a time,
        # and results stream to out/results.jsonl as scenarios finish: memory stays flat at any size
        total, planned = plan_lazily(features, tags)
        with progress_bars() as hook:
            hook("execute", 0, total)
            run_result = run_scenarios(planned, block, concurrency=concurrency,
                                       on_result=lambda _r: hook("execute", 1), openapi=openapi,
                                       variables=variables, log=out / "results.jsonl")
        reports = write_reports(run_result, out, title="qaflow bdd")
        summary = {
            "base_url": block.base_url,
            "totals": run_result.totals.model_dump(),
            "ok": run_result.ok,
            "reports": {k: str(v) for k, v in reports.items()},
            "results_log": run_result.logs[0],
            "failed_scenarios": run_result.failed_scenarios(),  # the first 200 (all are in the log)
        }
        common.emit(summary, as_json, _summary_render)
        if not postman and any("no auth profile 'postman-" in (f["error"] or "") for f in summary["failed_scenarios"]):
            common.console().print("  features imported from Postman name its credentials: add --postman COLLECTION "
                                   "[-e ENVIRONMENT], or import with --save-credentials", highlight=False)
        if not run_result.ok:
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
    collection: Path = typer.Argument(..., help="Postman collection v2.1 (.json)."),
    out: Path = typer.Option(Path("features"), "--out", help="Folder for the .feature files."),
    postman_env: Path | None = PostmanEnvOption,
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
    saved with --save-credentials supplies them."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from tasks.requirements.postman import read_postman
        from tasks.requirements.postman_auth import credentials_for
        from tasks.scenarios.generate import generate_features

        read = read_postman(collection)
        result = generate_features(read.requirements, out)
        credentials = credentials_for([collection], postman_env)
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
        }

        def render(r: dict[str, Any]) -> None:
            console = common.console()
            console.print(f"{r['scenarios']} scenario(s) in {len(r['features'])} feature file(s) under {out}",
                          highlight=False)
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
