"""Benchmark the bdd authoring half: a large test-case workbook -> requirements ->
validated .feature files, and a Postman collection of the same size -> features.

    .venv/bin/python profiling/bench_bdd_authoring.py            # 5,000 test cases
    .venv/bin/python profiling/bench_bdd_authoring.py --cases 20000

Prints the time and rate of each stage and the peak RSS. Everything is offline
(no LLM, no API): this is the cost a run pays before the first request.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB for {n} cases")


if __name__ == "__main__":
    main()
