"""Run one Postman collection through Newman and through qaflow against the same kind of
server, and put both results in one shape: per request (by name), its status code, its
assertions in order (name, passed, skipped) and whether a script stopped on an error.

Newman comes from npm as profiling/bench_bdd.py installs it: `newman@6` into
profiling/.newman when that exists, else into a cache folder (QAFLOW_NEWMAN_DIR, default
~/.cache/qaflow/newman). npm is never asked to write anywhere global. When Newman cannot
be installed the parity tests fail: they never skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEWMAN_SPEC = "newman@6"
BENCH_NEWMAN = ROOT / "profiling" / ".newman"
_SCRIPT_STEP = re.compile(r'^the Postman tests of "(.*)" pass:$')


@dataclass
class RequestOutcome:
    """One request as a tool ran it."""

    name: str
    code: int | None
    assertions: list[tuple[str, bool, bool]] | None = field(default=None)  # (name, passed, skipped); None: no names
    script_error: bool = False
    passed: bool = True  # every assertion passed and no script error


def newman_binary() -> Path:
    """Newman's executable, installed on first use (the bench's copy when it has one)."""
    for folder in (BENCH_NEWMAN, Path(os.environ.get("QAFLOW_NEWMAN_DIR", Path.home() / ".cache" / "qaflow" / "newman"))):
        binary = folder / "node_modules" / ".bin" / "newman"
        if binary.exists():
            return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install Newman for the parity tests (apt-get install npm)")
    folder = Path(os.environ.get("QAFLOW_NEWMAN_DIR", Path.home() / ".cache" / "qaflow" / "newman"))
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(folder), NEWMAN_SPEC, "--no-audit", "--no-fund"],
                          capture_output=True, text=True, timeout=300, check=False)
    binary = folder / "node_modules" / ".bin" / "newman"
    if done.returncode != 0 or not binary.exists():
        raise RuntimeError(f"npm could not install {NEWMAN_SPEC} into {folder}: {done.stderr[-1000:]}")
    return binary


def run_newman(collection: Path, environment: Path | None, base_url: str, out: Path) -> dict[str, RequestOutcome]:
    report = out / "newman.json"
    command = [str(newman_binary()), "run", str(collection), "--env-var", f"baseUrl={base_url}",
               "--reporters", "json", "--reporter-json-export", str(report)]
    if environment is not None:
        command += ["-e", str(environment)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if not report.exists():
        raise RuntimeError(f"newman wrote no report ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    run = json.loads(report.read_text(encoding="utf-8"))["run"]
    errors = {(f["source"].get("name"), f.get("at")) for f in run["failures"] if f.get("at") in ("test-script", "prerequest-script")}
    outcomes: dict[str, RequestOutcome] = {}
    for execution in run["executions"]:
        name = execution["item"]["name"]
        assertions = [(a["assertion"], a.get("error") is None, bool(a.get("skipped"))) for a in execution.get("assertions", [])]
        script_error = any(source == name for source, _ in errors)
        outcomes[name] = RequestOutcome(
            name=name, code=(execution.get("response") or {}).get("code"), assertions=assertions,
            script_error=script_error, passed=not script_error and all(ok for _, ok, _ in assertions),
        )
    return outcomes


def run_qaflow(collection: Path, environment: Path | None, base_url: str, out: Path) -> dict[str, RequestOutcome]:
    """Import the collection, generate the features, run them: the path `qaflow bdd run
    COLLECTION -e ENV` takes, without Prefect around it."""
    from tasks.execution.runner import execute_features
    from tasks.requirements import read_requirements
    from tasks.requirements.credentials import run_target
    from tasks.scenarios.generate import generate_features

    read = read_requirements(collection)
    assert read.errors == [], read.errors
    features = out / "features"
    features.mkdir()
    generated = generate_features(read.requirements, features)
    assert generated.ungenerated == [], generated.ungenerated
    # (what it reports missing, e.g. a token a script sets at run time, is the run's to say)
    target, variables, _missing = run_target("", base_url, None, [str(collection)],
                                             str(environment) if environment else None)
    result = execute_features(sorted(features.glob("*.feature")), target, concurrency=4, variables=variables)
    outcomes: dict[str, RequestOutcome] = {}
    for scenario in result.scenarios:
        code: int | None = None
        outcome = RequestOutcome(name=scenario.name, code=None, passed=scenario.status == "passed")
        for step in scenario.steps:
            if step.text.startswith("I send ") and step.response is not None:
                code = step.response.get("status")
            found = _SCRIPT_STEP.match(step.text)
            if found and found.group(1) == scenario.name:
                outcome.assertions = [(a.name, a.passed, a.error == "skipped") for a in step.assertions]
                outcome.script_error = step.status != "passed" and "stopped" in (step.error or "")
        outcome.code = code
        outcomes[scenario.name] = outcome
    return outcomes


def differences(newman: dict[str, RequestOutcome], qaflow: dict[str, RequestOutcome]) -> list[str]:
    """Every way the two runs disagree, one line each; empty when they agree on every request,
    every status code, every assertion and every script error."""
    problems: list[str] = []
    if set(newman) != set(qaflow):
        problems.append(f"requests differ: newman only {sorted(set(newman) - set(qaflow))}, "
                        f"qaflow only {sorted(set(qaflow) - set(newman))}")
    for name in newman:
        if name not in qaflow:
            continue
        ours, theirs = qaflow[name], newman[name]
        if ours.code != theirs.code:
            problems.append(f"{name}: status {theirs.code} in newman, {ours.code} in qaflow")
        if ours.assertions is None:  # translated into catalogue steps: the request passes or fails as a whole
            if ours.passed != theirs.passed:
                problems.append(f"{name}: {'passed' if theirs.passed else 'failed'} in newman, "
                                f"{'passed' if ours.passed else 'failed'} in qaflow")
            continue
        if ours.assertions != theirs.assertions:
            problems.append(f"{name}: assertions differ\n  newman: {theirs.assertions}\n  qaflow: {ours.assertions}")
        if ours.script_error != theirs.script_error:
            problems.append(f"{name}: script error {theirs.script_error} in newman, {ours.script_error} in qaflow")
    return problems
