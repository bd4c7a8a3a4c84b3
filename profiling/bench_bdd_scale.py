"""Peak memory of a bdd run at 2,000, 20,000 and 100,000 scenarios, and how fast
Chromium opens the biggest HTML report.

Each size runs in a fresh child process doing what `qaflow bdd execute` does after
its Prefect start-up (parse the features, run them at concurrency 8 against the demo
API on 127.0.0.1 with results streamed to results.jsonl, write junit.xml,
cucumber.json and the paged report.html from the log); the child's peak RSS is read
with wait4(). Scenarios are bench_bdd.py's user round trip (3 requests each), or
one GET each with --light. Target: peak RSS grows <= 50 MiB from the smallest size
to the largest. Then headless Chromium (/usr/bin/chromium) loads the largest
report.html from file:// and dumps its DOM after the report's script ran; the time
is printed with Chromium's own start-up on an empty page for comparison (target:
<= 5 s to the summary's first paint, which comes before the DOM dump).

    .venv/bin/python profiling/bench_bdd_scale.py                     # 2,000 / 20,000 / 100,000
    .venv/bin/python profiling/bench_bdd_scale.py --sizes 2000 20000 50000 --light
    .venv/bin/python profiling/bench_bdd.py --scale                   # the same
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

TOKEN = "bench-token"
PER_FILE = 100
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def write_light_features(n: int, folder: Path) -> list[Path]:
    """n scenarios of one GET each (for a quicker run on a busy machine)."""
    paths = []
    for start in range(0, n, PER_FILE):
        lines = [f"@REQ-SCALE-{start // PER_FILE}", f"Feature: scale part {start // PER_FILE}", ""]
        for i in range(start, min(n, start + PER_FILE)):
            lines += [f"  Scenario: health check {i:06d}", '    When I send a GET request to "/health"',
                      "    Then the response status should be 200", ""]
        path = folder / f"scale_{start // PER_FILE:04d}.feature"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def child(features: Path, out: Path, base_url: str) -> None:
    """The measured process: the steps of `qaflow bdd execute`, after its Prefect start-up."""
    from blocks.target_api import AuthProfile, TargetAPI
    from tasks.execution.runner import execute_features
    from tasks.reports import write_reports

    target = TargetAPI(base_url=base_url, auth_profiles={"bench": AuthProfile(token=TOKEN)}, timeout=30)
    started = time.perf_counter()
    result = execute_features([features], target, concurrency=8, log=out / "results.jsonl")
    ran = time.perf_counter() - started
    write_reports(result, out, title="qaflow bdd scale")
    print(json.dumps({"totals": result.totals.model_dump(), "run_s": round(ran, 1),
                      "reports_s": round(time.perf_counter() - started - ran, 1)}))


def measure(n: int, light: bool, work: Path, base_url: str) -> dict:
    features, out = work / f"features-{n}", work / f"out-{n}"
    features.mkdir()
    if light:
        write_light_features(n, features)
    else:
        sys.path.insert(0, str(ROOT / "profiling"))
        from bench_bdd import cases, write_features

        write_features(cases(n), features)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", str(features), str(out), base_url],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{n} scenarios: the child failed ({process.returncode})")
    figures = json.loads(output.strip().splitlines()[-1])
    totals = figures["totals"]
    if totals["scenarios"] != n or totals["passed"] != n:
        raise SystemExit(f"{n} scenarios: {totals['passed']}/{totals['scenarios']} passed; the figures do not count")
    html = out / "report.html"
    return {
        "scenarios": n,
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # the child's ru_maxrss, KiB on Linux
        "wall_s": round(time.perf_counter() - started, 1),
        "run_s": figures["run_s"],
        "reports_s": figures["reports_s"],
        "scenarios_per_s": round(n / figures["run_s"], 0),
        "report_html_kb": round(html.stat().st_size / 1024, 1),
        "pages": len(list((out / "report-pages").glob("page-*.js"))) if (out / "report-pages").exists() else 0,
        "junit_mb": round((out / "junit.xml").stat().st_size / 2**20, 1),
        "cucumber_mb": round((out / "cucumber.json").stat().st_size / 2**20, 1),
        "log_mb": round((out / "results.jsonl").stat().st_size / 2**20, 1),
        "html": str(html),
    }


def chromium_seconds(url: str, profile: Path) -> tuple[float, str]:
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    started = time.perf_counter()
    done = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120, check=False)
    return time.perf_counter() - started, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--light", action="store_true", help="one GET a scenario instead of a 3-request round trip")
    parser.add_argument("--keep", action="store_true", help="keep the features and reports (path printed)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return 0

    from examples.demo_api.server import start_demo_api

    work = Path(tempfile.mkdtemp(prefix="qaflow-bdd-scale-"))
    rows = []
    try:
        for n in args.sizes:
            base_url, stop = start_demo_api(token=TOKEN)  # a fresh API per size
            try:
                rows.append(measure(n, args.light, work, base_url))
            finally:
                stop()
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "html"}), flush=True)
        biggest = rows[-1]
        blank = work / "blank.html"
        blank.write_text("<!DOCTYPE html><title>blank</title><p>blank</p>")
        chromium_seconds(blank.as_uri(), work / "profile-warm")  # first start warms the disk cache
        empty_s, _ = chromium_seconds(blank.as_uri(), work / "profile-blank")
        report_s, dom = chromium_seconds(Path(biggest["html"]).as_uri(), work / "profile-report")
        rendered = 'data-rendered="yes"' in dom and f">{biggest['scenarios']}<" in dom
        growth = biggest["peak_rss_mib"] - rows[0]["peak_rss_mib"]
        print(json.dumps({
            "peak_rss_growth_mib": round(growth, 1),
            "rss_target_met": growth <= 50,
            "chromium_report_s": round(report_s, 2),
            "chromium_blank_page_s": round(empty_s, 2),
            "report_rendered": rendered,
            "render_target_met": rendered and report_s <= 5,
            "sizes": [r["scenarios"] for r in rows],
            "light": args.light,
        }), flush=True)
    finally:
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
