"""Benchmark the bdd executor against Newman on the same cases.

1,000 scenarios of 3 requests each (create a user, read it back and check it,
delete it) run against the demo API on 127.0.0.1: by qaflow at concurrency 8
and 1, and, as a Postman collection of the same cases, by Newman (installed
with npm into profiling/.newman on first use). Prints scenarios/s for each and
the ratios. Targets: qaflow at concurrency 8 >= 3x Newman; qaflow at
concurrency 1 no slower than Newman.

    .venv/bin/python profiling/bench_bdd.py                 # 1,000 scenarios
    .venv/bin/python profiling/bench_bdd.py --scenarios 200 --skip-newman
    .venv/bin/python profiling/bench_bdd.py --scale [--sizes 2000 20000 100000] [--light]
    .venv/bin/python profiling/bench_bdd.py --scripted [--scenarios 300]

--scripted runs a Postman collection with a pre-request and a test script on every
request (and on the collection), as teams write them: qaflow imports it (the scripts
run in its embedded JavaScript sandbox, tasks/pmsandbox) and runs it at concurrency 8;
Newman runs the same file. Prints requests/s for both; target: qaflow >= 10x Newman.

Each tool gets a fresh demo API process, so neither runs against a store the
other has filled. Both count only their run: qaflow from parsing the feature
files to the last result, Newman from its own run timings (its Node start-up
and collection loading are left out, in its favour). Every scenario must pass
in each tool, or the figures do not count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from blocks.target_api import AuthProfile, TargetAPI  # noqa: E402
from examples.demo_api.server import start_demo_api  # noqa: E402
from tasks.execution.runner import execute_features  # noqa: E402

NEWMAN_DIR = ROOT / "profiling" / ".newman"
NEWMAN_SPEC = "newman@6"
TOKEN = "bench-token"
PER_FILE = 100


def cases(n: int) -> list[dict[str, str]]:
    """The scenarios, as data both writers read: a name and a unique user."""
    run = uuid.uuid4().hex[:8]
    return [{"name": f"user round trip {i:04d}", "user": f"User {i}", "email": f"u{i}-{run}@bench.example.com"} for i in range(n)]


def write_features(items: list[dict[str, str]], folder: Path) -> list[Path]:
    paths = []
    for start in range(0, len(items), PER_FILE):
        chunk = items[start : start + PER_FILE]
        lines = [f"@REQ-BENCH-{start // PER_FILE}", f"Feature: bench part {start // PER_FILE}", "", "  Background:", '    Given I am authenticated as "bench"', ""]
        for case in chunk:
            lines += [
                f"  Scenario: {case['name']}",
                '    When I send a POST request to "/users" with body:',
                '      """',
                f'      {{"name": "{case["user"]}", "email": "{case["email"]}", "age": 33}}',
                '      """',
                "    Then the response status should be 201",
                '    And I save the response JSON at "$.id" as "id"',
                '    When I send a GET request to "/users/${id}"',
                "    Then the response status should be 200",
                f'    And the response JSON at "$.name" should be "{case["user"]}"',
                '    And the response JSON at "$.age" should be 33',
                '    When I send a DELETE request to "/users/${id}"',
                "    Then the response status should be 204",
                "",
            ]
        path = folder / f"bench_{start // PER_FILE:02d}.feature"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def postman_collection(items: list[dict[str, str]]) -> dict:
    """The same cases as a Postman v2.1 collection: a folder per scenario, three requests."""
    auth = [{"key": "Authorization", "value": "Bearer {{token}}"}]

    def script(*lines: str) -> list[dict]:
        return [{"listen": "test", "script": {"type": "text/javascript", "exec": list(lines)}}]

    folders = []
    for case in items:
        body = json.dumps({"name": case["user"], "email": case["email"], "age": 33})
        folders.append(
            {
                "name": case["name"],
                "item": [
                    {
                        "name": "create",
                        "request": {
                            "method": "POST",
                            "header": [*auth, {"key": "Content-Type", "value": "application/json"}],
                            "url": "{{baseUrl}}/users",
                            "body": {"mode": "raw", "raw": body},
                        },
                        "event": script(
                            "pm.test('status 201', function () { pm.response.to.have.status(201); });",
                            "pm.environment.set('id', pm.response.json().id);",
                        ),
                    },
                    {
                        "name": "read",
                        "request": {"method": "GET", "header": auth, "url": "{{baseUrl}}/users/{{id}}"},
                        "event": script(
                            "pm.test('status 200', function () { pm.response.to.have.status(200); });",
                            f"pm.test('name', function () {{ pm.expect(pm.response.json().name).to.eql({json.dumps(case['user'])}); }});",
                            "pm.test('age', function () { pm.expect(pm.response.json().age).to.eql(33); });",
                        ),
                    },
                    {
                        "name": "delete",
                        "request": {"method": "DELETE", "header": auth, "url": "{{baseUrl}}/users/{{id}}"},
                        "event": script("pm.test('status 204', function () { pm.response.to.have.status(204); });"),
                    },
                ],
            }
        )
    return {
        "info": {
            "name": "qaflow bench",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": folders,
    }


def collection_for(items: list[dict[str, str]], paths: list[Path]) -> tuple[dict, str]:
    """The collection Newman runs: qaflow's own exporter (tasks.scenarios) applied to the
    very feature files qaflow runs, when it exports every request; else the one built
    here from the same cases."""
    try:
        from tasks.scenarios.postman_export import export_features
    except ImportError:
        return postman_collection(items), "built by the benchmark (no exporter in tasks.scenarios)"
    exported = export_features(paths, name="qaflow bench")
    if exported.requests == 3 * len(items) and not exported.not_exported:
        return exported.collection, "exported from the feature files by tasks.scenarios.postman_export"
    return postman_collection(items), f"built by the benchmark (exporter lost {len(exported.not_exported)} steps)"


def newman_binary() -> Path:
    binary = NEWMAN_DIR / "node_modules" / ".bin" / "newman"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed to install Newman (apt-get install npm)")
        print(f"installing {NEWMAN_SPEC} into {NEWMAN_DIR} ...", flush=True)
        NEWMAN_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(NEWMAN_DIR), NEWMAN_SPEC, "--no-audit", "--no-fund"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return binary


def run_qaflow(paths: list[Path], concurrency: int, n: int) -> dict:
    base_url, stop = start_demo_api(token=TOKEN)
    try:
        target = TargetAPI(base_url=base_url, auth_profiles={"bench": AuthProfile(token=TOKEN)}, timeout=30)
        started = time.perf_counter()
        result = execute_features(paths, target, concurrency=concurrency)
        seconds = time.perf_counter() - started
    finally:
        stop()
    totals = result.totals
    if totals.scenarios != n or totals.passed != n:
        bad = next((s for s in result.scenarios if s.status != "passed"), None)
        detail = f"{bad.name}: {bad.failed_step.error if bad and bad.failed_step else ''}" if bad else ""
        raise SystemExit(f"qaflow: {totals.passed}/{totals.scenarios} passed, expected {n}. {detail}")
    return {"seconds": seconds, "rate": n / seconds}


def run_newman(collection: Path, folder: Path, n: int) -> dict:
    binary = newman_binary()
    base_url, stop = start_demo_api(token=TOKEN)
    report = folder / "newman.json"
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [
                str(binary), "run", str(collection),
                "--env-var", f"baseUrl={base_url}", "--env-var", f"token={TOKEN}", "--env-var", f"benchToken={TOKEN}",
                "--reporters", "json", "--reporter-json-export", str(report),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    finally:
        stop()
    if done.returncode != 0:
        raise SystemExit(f"newman failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    run = json.loads(report.read_text())["run"]
    stats = run["stats"]
    if stats["requests"]["total"] != 3 * n or stats["assertions"]["failed"] or stats["requests"]["failed"]:
        raise SystemExit(f"newman: unexpected stats {stats}")
    seconds = (run["timings"]["completed"] - run["timings"]["started"]) / 1000
    return {"seconds": seconds, "rate": n / seconds, "wall": wall}


def scripted_collection(items: list[dict[str, str]]) -> dict:
    """The round trips as a collection with scripts everywhere: a folder per scenario
    (marked `qaflow:scenario`, so qaflow runs its three requests as one scenario, in order),
    a collection-level and a request-level pre-request and test script on every request.
    None of the scripts maps onto catalogue steps exactly, so every one runs in the sandbox."""
    auth = [{"key": "Authorization", "value": "Bearer {{token}}"}]

    def events(pre: str, test: str) -> list[dict]:
        return [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": pre.splitlines()}},
                {"listen": "test", "script": {"type": "text/javascript", "exec": test.splitlines()}}]

    folders = []
    for case in items:
        body = json.dumps({"name": case["user"], "email": case["email"], "age": 33})
        folders.append({
            "name": case["name"],
            "description": "qaflow:scenario",
            "item": [
                {
                    "name": "create",
                    "request": {"method": "POST", "header": [*auth, {"key": "Content-Type", "value": "application/json"},
                                                             {"key": "X-Request-Id", "value": "{{requestId}}"}],
                                "url": "{{baseUrl}}/users", "body": {"mode": "raw", "raw": body}},
                    "event": events(
                        "pm.variables.set('requestId', pm.variables.replaceIn('{{$guid}}'));",
                        "pm.test('status 201', function () { pm.response.to.have.status(201); });\n"
                        "var json = pm.response.json();\n"
                        f"pm.test('created as sent', function () {{ pm.expect(json).to.have.property('name', {json.dumps(case['user'])}); }});\n"
                        "pm.environment.set('id', json.id);",
                    ),
                },
                {
                    "name": "read",
                    "request": {"method": "GET", "header": auth, "url": "{{baseUrl}}/users/{{id}}"},
                    "event": events(
                        "pm.variables.set('readAt', Date.now());",
                        "var json = pm.response.json();\n"
                        "pm.test('status 200', function () { pm.response.to.be.ok; });\n"
                        f"pm.test('name and age', function () {{ pm.expect(json.name).to.eql({json.dumps(case['user'])}); "
                        "pm.expect(json.age).to.be.a('number').and.equal(33); });\n"
                        "pm.test('same id', function () { pm.expect(json.id).to.eql(pm.environment.get('id')); });",
                    ),
                },
                {
                    "name": "delete",
                    "request": {"method": "DELETE", "header": auth, "url": "{{baseUrl}}/users/{{id}}"},
                    "event": events(
                        "if (!pm.environment.get('id')) { throw new Error('no id to delete'); }",
                        "pm.test('status 204', function () { pm.expect(pm.response.code).to.be.oneOf([204]); });\n"
                        "pm.environment.unset('id');",
                    ),
                },
            ],
        })
    return {
        "info": {"name": "qaflow bench (scripted)",
                 "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "variable": [{"key": "baseUrl", "value": "http://localhost:8000"}],
        "event": events("pm.variables.set('startedAt', Date.now());",
                        "pm.test('answered in time', function () { pm.expect(pm.response.responseTime).to.be.below(10000); });"),
        "item": folders,
    }


def run_scripted(n: int, folder: Path, skip_newman: bool, concurrency: int = 8) -> dict[str, dict]:
    """The scripted collection through qaflow (import, generate, execute) and Newman; requests/s of each."""
    from tasks.requirements import read_requirements
    from tasks.requirements.credentials import run_target
    from tasks.scenarios.generate import generate_features

    items = cases(n)
    collection = folder / "scripted.postman_collection.json"
    collection.write_text(json.dumps(scripted_collection(items)), encoding="utf-8")
    requests = 3 * n
    figures: dict[str, dict] = {}

    started = time.perf_counter()
    read = read_requirements(collection)
    features = folder / "scripted-features"
    features.mkdir()
    generated = generate_features(read.requirements, features)
    imported = time.perf_counter() - started
    if read.errors or generated.ungenerated:
        raise SystemExit(f"import failed: {read.errors} {generated.ungenerated}")
    base_url, stop = start_demo_api(token=TOKEN)
    try:
        target, variables, _ = run_target("", base_url, None, [str(collection)], None, None,
                                          {"token": TOKEN, "baseUrl": base_url})
        started = time.perf_counter()
        result = execute_features(sorted(features.glob("*.feature")), target, concurrency=concurrency,
                                  variables=variables)
        seconds = time.perf_counter() - started
    finally:
        stop()
    if result.totals.passed != n:
        bad = next((s for s in result.scenarios if s.status != "passed"), None)
        detail = f"{bad.name}: {bad.failed_step.error if bad.failed_step else bad.error}" if bad else ""
        raise SystemExit(f"qaflow (scripted): {result.totals.passed}/{result.totals.scenarios} passed. {detail}")
    scripts = sum(1 for s in result.scenarios for step in s.steps if "Postman" in step.text)
    assertions = sum(len(step.assertions) for s in result.scenarios for step in s.steps)
    figures["qaflow"] = {"seconds": seconds, "rate": requests / seconds, "import": imported}
    print(f"qaflow  concurrency {concurrency}: {seconds:7.2f} s  {requests / seconds:8.1f} requests/s  "
          f"({scripts} script steps, {assertions} pm.test assertions; import + generate {imported:.2f} s)", flush=True)
    if skip_newman:
        return figures
    binary = newman_binary()
    base_url, stop = start_demo_api(token=TOKEN)
    report = folder / "newman-scripted.json"
    try:
        done = subprocess.run(
            [str(binary), "run", str(collection), "--env-var", f"baseUrl={base_url}", "--env-var", f"token={TOKEN}",
             "--reporters", "json", "--reporter-json-export", str(report)],
            capture_output=True, text=True, check=False,
        )
    finally:
        stop()
    if done.returncode != 0:
        raise SystemExit(f"newman failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    run = json.loads(report.read_text())["run"]
    stats = run["stats"]
    if stats["requests"]["total"] != requests or stats["assertions"]["failed"] or stats["testScripts"]["failed"]:
        raise SystemExit(f"newman: unexpected stats {stats}")
    seconds = (run["timings"]["completed"] - run["timings"]["started"]) / 1000
    figures["newman"] = {"seconds": seconds, "rate": requests / seconds}
    print(f"newman  (sequential)  : {seconds:7.2f} s  {requests / seconds:8.1f} requests/s  "
          f"({stats['assertions']['total']} assertions)", flush=True)
    ratio = figures["qaflow"]["rate"] / figures["newman"]["rate"]
    print(f"ratio qaflow / newman (scripted): {ratio:.2f}x  (target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")
    return figures


def compare_clients(requests: int = 2000) -> None:
    """Why the runner uses threads: the same GETs through httpx's sync client on a thread
    pool and through its async client under asyncio, at 1 and 8 in flight."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    base_url, stop = start_demo_api(token=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    httpx.post(f"{base_url}/users", json={"name": "A", "email": f"a-{uuid.uuid4().hex}@x.io"}, headers=headers)

    def threads(k: int) -> None:
        limits = httpx.Limits(max_connections=k, max_keepalive_connections=k)
        with httpx.Client(headers=headers, limits=limits) as client:
            def work(_: int) -> None:
                for _ in range(requests // k):
                    client.get(f"{base_url}/users/1")
            with ThreadPoolExecutor(k) as pool:
                list(pool.map(work, range(k)))

    async def tasks(k: int) -> None:
        limits = httpx.Limits(max_connections=k, max_keepalive_connections=k)
        async with httpx.AsyncClient(headers=headers, limits=limits) as client:
            async def work() -> None:
                for _ in range(requests // k):
                    await client.get(f"{base_url}/users/1")
            await asyncio.gather(*(work() for _ in range(k)))

    try:
        for k in (1, 8):
            for name in ("threads + httpx.Client", "asyncio + httpx.AsyncClient"):
                wall, cpu = time.perf_counter(), time.process_time()
                if name.startswith("threads"):
                    threads(k)
                else:
                    asyncio.run(tasks(k))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(f"{name:28s} {k} in flight: {requests / wall:7.0f} requests/s, client CPU {cpu / requests * 1000:.2f} ms/request")
    finally:
        stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--skip-newman", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated features and collection")
    parser.add_argument("--compare-clients", action="store_true", help="only compare httpx threads vs asyncio")
    parser.add_argument("--scripted", action="store_true",
                        help="only the scripted Postman collection (pre-request and test scripts on every request)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="with --scripted: qaflow's scenarios in flight (default 8, as `qaflow bdd run`)")
    parser.add_argument("--scale", action="store_true",
                        help="peak RSS at 2,000 / 20,000 / 100,000 scenarios and Chromium opening the biggest report "
                             "(profiling/bench_bdd_scale.py; its options follow --scale)")
    args, rest = parser.parse_known_args(argv)
    if args.scale:
        import bench_bdd_scale

        return bench_bdd_scale.main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.compare_clients:
        compare_clients()
        return 0
    if args.scripted:
        folder = Path(tempfile.mkdtemp(prefix="qaflow-bench-scripted-"))
        print(f"{args.scenarios} scenarios x 3 requests, scripted, against the demo API on 127.0.0.1 ({os.cpu_count()} CPUs)")
        try:
            run_scripted(args.scenarios, folder, args.skip_newman, args.concurrency)
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        return 0

    n = args.scenarios
    folder = Path(tempfile.mkdtemp(prefix="qaflow-bench-bdd-"))
    items = cases(n)
    (folder / "features").mkdir()
    paths = write_features(items, folder / "features")
    collection = folder / "collection.json"
    document, source = collection_for(items, paths)
    collection.write_text(json.dumps(document), encoding="utf-8")
    print(f"{n} scenarios x 3 requests against the demo API on 127.0.0.1 ({os.cpu_count()} CPUs)")
    print(f"Postman collection: {source}")

    figures: dict[str, dict] = {}
    # newman between the two qaflow runs, so a change in the machine's load hits all three alike
    for step in ("qaflow 8", "newman", "qaflow 1"):
        if step == "newman":
            if args.skip_newman:
                continue
            f = figures["newman"] = run_newman(collection, folder, n)
            print(f"newman  (sequential)  : {f['seconds']:7.2f} s  {f['rate']:8.1f} scenarios/s  (process wall {f['wall']:.2f} s)", flush=True)
            continue
        concurrency = int(step.split()[1])
        f = figures[f"qaflow c={concurrency}"] = run_qaflow(paths, concurrency, n)
        print(f"qaflow  concurrency {concurrency}: {f['seconds']:7.2f} s  {f['rate']:8.1f} scenarios/s", flush=True)
    if not args.skip_newman:
        f = figures["newman"]
        c8 = figures["qaflow c=8"]["rate"] / f["rate"]
        c1 = figures["qaflow c=1"]["rate"] / f["rate"]
        print(f"ratio qaflow c=8 / newman: {c8:.2f}x  (target >= 3x: {'met' if c8 >= 3 else 'NOT met'})")
        print(f"ratio qaflow c=1 / newman: {c1:.2f}x  (target >= 1x: {'met' if c1 >= 1 else 'NOT met'})")
    if args.keep:
        print(f"cases kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
