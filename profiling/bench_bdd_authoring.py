"""Benchmark the bdd authoring half: a large test-case workbook -> requirements ->
validated .feature files, and a Postman collection of the same size -> features;
then the LLM path: prose requirements against the project's scripted
OpenAI-compatible server (tests/fakes/openai_server.py) with a fixed latency.

    .venv/bin/python profiling/bench_bdd_authoring.py            # 5,000 test cases + 50 prose
    .venv/bin/python profiling/bench_bdd_authoring.py --cases 20000
    .venv/bin/python profiling/bench_bdd_authoring.py --only llm --prose 50 --latency 1.0

Offline part: the time and rate of each stage and the peak RSS (no LLM, no API:
the cost a run pays before the first request). LLM part: the wall time of
generating the prose requirements (asked concurrently, at most
LLM_CONCURRENCY at a time), then the requests a second run makes (0: the answer
cache) and a run in another process, from another working directory, reading a
copy of the document in another folder by a relative path (0: the cache key
holds no local path). A fresh QAFLOW_HOME is used, so the cache starts empty.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.memory import peak_rss_mib  # noqa: E402
from tasks.requirements import read_requirements  # noqa: E402
from tasks.scenarios.generate import generate_features  # noqa: E402

HEADER = ["ID", "Feature", "Title", "Method", "Path", "Body", "Expected Status", "Checks", "Save", "Tags", "Auth"]


def make_workbook(path: Path, n: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sheet_no in range(max(1, n // 1000)):
        sheet = wb.create_sheet(f"Cases {sheet_no}")
        sheet.append(["generated for the benchmark"])
        sheet.append(HEADER)
        for i in range(sheet_no * 1000, min(n, (sheet_no + 1) * 1000)):
            sheet.append([f"B-{i}", f"Area {i % 20}", f"Create user {i}", "POST", "/users",
                          json.dumps({"name": f"U{i}", "email": f"u{i}@example.com"}), "201",
                          f"$.id type integer\n$.name == U{i}", "uid = $.id", "bench", "default"])
    wb.save(path)


def make_collection(path: Path, n: int) -> None:
    items = [{"name": f"Area {a}", "item": []} for a in range(20)]
    for i in range(n):
        items[i % 20]["item"].append({
            "name": f"Create user {i}",
            "request": {"method": "POST", "url": "{{baseUrl}}/users",
                        "body": {"mode": "raw", "raw": json.dumps({"name": f"U{i}"})}},
            "event": [{"listen": "test", "script": {"exec": [
                "pm.test('created', function () { pm.response.to.have.status(201); });",
                "var json = pm.response.json();",
                f"pm.expect(json.name).to.eql('U{i}');",
                "pm.environment.set('uid', json.id);"]}}],
        })
    path.write_text(json.dumps({"info": {"name": "bench", "schema":
        "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": items}))


def stage(label: str, n: int, fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:7.2f} s   {n / seconds:9.0f} cases/s", flush=True)
    return value


ANSWER = {"scenarios": [{"name": "The service is up", "tags": ["smoke"], "steps": [
    {"keyword": "When", "text": 'I send a GET request to "/health"'},
    {"keyword": "Then", "text": "the response status should be 200"}]}]}


def make_prose(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# Service", ""]
    for i in range(1, n + 1):
        lines += [f"## REQ-{i} Health check {i}", "", f"The service reports that it is up (variant {i}).", ""]
    path = folder / "srs.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def generate_prose(document: str, base_url: str, out: str) -> dict:
    """One generation run (also the body of the child process): files written and usage."""
    from pydantic import SecretStr

    from blocks.llm import LLMEndpoint
    from tasks.llm import reset_circuits, usage_scope

    endpoint = LLMEndpoint(provider="openai-compatible", base_url=base_url, model="test-model",
                           api_key=SecretStr("sk-bench"), timeout=30.0, max_retries=1)
    reset_circuits()
    read = read_requirements(Path(document))
    with usage_scope() as spent:
        result = generate_features(read.requirements, Path(out), endpoint)
    return {"generated": result.llm_generated, "requested": result.llm_requested, "usage": spent[0].numbers()}


def bench_llm(n: int, latency: float) -> None:
    from tasks.scenarios.llm import LLM_CONCURRENCY
    from tests.fakes.openai_server import FakeOpenAI, Reply

    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as llm:
        folder = Path(tmp)
        os.environ["QAFLOW_HOME"] = str(folder / "qaflow-home")  # an empty answer cache
        llm.respond_with(lambda body: Reply(content=json.dumps(ANSWER), delay=latency))
        document = make_prose(folder / "checkout-a" / "reqs", n)
        started = time.perf_counter()
        import openai  # noqa: F401  (once per process; shown apart from the generation)

        print(f"LLM: import openai {time.perf_counter() - started:.2f} s (once per process)", flush=True)
        started = time.perf_counter()
        first = generate_prose(str(document), llm.base_url, str(folder / "out1"))
        seconds = time.perf_counter() - started
        assert first["generated"] == n, first
        print(f"LLM: {n} prose requirements, {latency:g} s per answer, {LLM_CONCURRENCY} at a time: "
              f"generation {seconds:.2f} s ({len(llm.requests)} requests; one after another would be "
              f"~{n * latency:.0f} s)", flush=True)
        before = len(llm.requests)
        second = generate_prose(str(document), llm.base_url, str(folder / "out2"))
        print(f"LLM: second run: {len(llm.requests) - before} requests "
              f"({second['usage']['cache_hits']} cache hits)", flush=True)
        other = folder / "elsewhere" / "checkout-b"
        shutil.copytree(document.parent.parent, other)
        before = len(llm.requests)
        child = subprocess.run(
            [sys.executable, __file__, "--child", "reqs/srs.md", llm.base_url, str(folder / "out3")],
            cwd=other, capture_output=True, text=True, check=True, env=os.environ.copy())
        third = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"LLM: a run in another process and working directory, the document copied to another "
              f"folder and given by a relative path: {len(llm.requests) - before} requests "
              f"({third['usage']['cache_hits']} cache hits)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--prose", type=int, default=50, help="prose requirements for the LLM part")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the scripted server takes per answer")
    parser.add_argument("--only", choices=("all", "offline", "llm"), default="all")
    parser.add_argument("--child", nargs=3, metavar=("DOC", "BASE_URL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(generate_prose(*args.child)))
        return
    if args.only in ("all", "llm"):
        bench_llm(args.prose, args.latency)
    if args.only == "llm":
        return
    n = args.cases
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook, collection = folder / "cases.xlsx", folder / "cases.postman_collection.json"
        stage("write workbook (openpyxl)", n, lambda: make_workbook(workbook, n))
        read = stage("read workbook -> requirements", n, lambda: read_requirements(workbook))
        assert not read.errors and len(read.requirements) == n, read.errors[:3]
        made = stage("generate + validate + write", n, lambda: generate_features(read.requirements, folder / "xlsx"))
        assert sum(f.scenarios for f in made.files) == n
        make_collection(collection, n)
        read = stage("read Postman collection", n, lambda: read_requirements(collection))
        assert len(read.requirements) == n
        made = stage("generate + validate + write", n, lambda: generate_features(read.requirements, folder / "pm"))
        assert sum(f.scenarios for f in made.files) == n
    peak = peak_rss_mib()
    print(f"peak RSS {peak:.0f} MiB for {n} cases")


if __name__ == "__main__":
    main()
