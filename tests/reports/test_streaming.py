"""Reports streamed from the results log: 3,000 results written as they would finish
(out of order, from several features), then JUnit (validated against the Jenkins
schema and read back with iterparse), Cucumber JSON and the paged HTML report,
which headless Chromium opens from file:// and pages through."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tasks.execution.result_log import FAILURE_CAP, ResultIndex, ResultLog
from tasks.execution.results import RunResult, ScenarioResult, StepResult
from tasks.reports import write_reports
from tasks.reports.html import PAGE_SIZE
from tests.reports.test_reports import _run_chromium

N = 3000
FEATURES = 7
STATUSES = ("passed", "passed", "passed", "failed", "error", "skipped")


def _result(i: int) -> ScenarioResult:
    status = STATUSES[i % len(STATUSES)]
    feature = i * FEATURES // N  # consecutive scenarios share a feature, as planned
    last = StepResult(keyword="Then", text=f"the response status should be {200 + i % 3}", status=status, line=5,
                      duration_s=0.002, error=None if status in ("passed", "skipped") else f"expected 200, got 5{i % 10}",
                      request={"method": "GET", "url": f"http://api.test/items/{i}", "headers": {"Accept": "*/*"}},
                      response={"status": 500, "elapsed_ms": 3, "headers": {}, "body": '{"detail": "<boom> & co"}'})
    return ScenarioResult(
        feature=f"Feature {feature} ü", feature_file=f"/specs/f{feature}.feature", name=f"item {i:05d} <&>",
        requirement_ids=[f"{i % 40}"] if i % 5 else [], tags=["@scale"], status=status, duration_s=0.01,
        flaky=i % 97 == 0, line=10 + i, feature_line=1, feature_description="many", feature_tags=["@f"],
        tag_lines={"@f": 1}, error="scenario timed out after 1 s" if status == "error" else None,
        steps=[StepResult(keyword="When", text=f'I send a GET request to "/items/{i}"', status="passed",
                          duration_s=0.001, line=4), last],
    )


@pytest.fixture(scope="module")
def streamed(tmp_path_factory) -> tuple[RunResult, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("streamed")
    order = list(range(N))
    random.Random(7).shuffle(order)  # results finish out of their planned order
    with ResultLog(folder / "results.jsonl") as log:
        for index in order:
            log.append(index, _result(index))
    assert not (folder / "results.jsonl.partial").exists()
    run = RunResult(base_url="http://api.test", started_at="2026-12-07T20:00:00Z", logs=[str(log.path)],
                    failures=log.tally.failures, totals=log.tally.totals(12.5))
    return run, write_reports(run, folder / "reports", title="scale <run>")


def test_tally_counts_while_streaming(streamed):
    run, _ = streamed
    expected = Counter(STATUSES[i % len(STATUSES)] for i in range(N))
    assert run.totals.scenarios == N and run.totals.failed == expected["failed"] and run.totals.error == expected["error"]
    assert run.totals.steps == 2 * N and run.totals.flaky == len(range(0, N, 97))
    assert len(run.failed_scenarios()) == FAILURE_CAP  # capped: every failure is in the log and reports
    assert run.failed_scenarios()[0]["error"].startswith("expected 200, got")


def test_junit_streamed_complete_and_valid(streamed):
    _, paths = streamed
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-10.xsd"))))
    assert schema.validate(etree.parse(str(paths["junit"]))), schema.error_log
    names, suites, statuses = [], [], Counter()
    for _, element in ET.iterparse(paths["junit"], events=("end",)):
        if element.tag == "testcase":
            names.append(element.get("name"))
            kind = next((c.tag for c in element if c.tag in ("failure", "error", "skipped")), "passed")
            statuses[kind] += 1
            element.clear()
        elif element.tag == "testsuite":
            suites.append((element.get("name"), int(element.get("tests")), int(element.get("failures")),
                           int(element.get("errors")), int(element.get("skipped"))))
    assert names == [f"item {i:05d} <&>" for i in range(N)]  # planned order, every one once
    assert [s[0] for s in suites] == [f"Feature {f} ü" for f in range(FEATURES)]
    assert sum(s[1] for s in suites) == N
    assert sum(s[2] for s in suites) == statuses["failure"] and sum(s[3] for s in suites) == statuses["error"]
    assert sum(s[4] for s in suites) == statuses["skipped"]
    root = ET.parse(paths["junit"]).getroot()
    assert root.get("tests") == str(N) and root.get("failures") == str(statuses["failure"])


def test_cucumber_streamed_complete(streamed):
    _, paths = streamed
    features = json.loads(paths["cucumber"].read_text(encoding="utf-8"))
    assert [f["name"] for f in features] == [f"Feature {f} ü" for f in range(FEATURES)]
    elements = [e for f in features for e in f["elements"]]
    assert [e["name"] for e in elements] == [f"item {i:05d} <&>" for i in range(N)]
    assert len({e["id"] for e in elements}) == N
    failed = [e for e in elements if e["steps"][1]["result"]["status"] == "failed"]
    assert len(failed) == sum(1 for i in range(N) if STATUSES[i % len(STATUSES)] in ("failed", "error"))
    assert all(e["steps"][1].get("embeddings") for e in failed)


def test_html_is_paged_and_complete(streamed):
    _, paths = streamed
    html = paths["html"].read_text(encoding="utf-8")
    pages = sorted((paths["html"].parent / "report-pages").iterdir())
    assert [p.name for p in pages] == [f"page-{n:05d}.js" for n in range(1, N // PAGE_SIZE + 1)]
    anchors = []
    for number, page in enumerate(pages, start=1):
        text = page.read_text(encoding="ascii")
        assert text.startswith(f"qaflowPage({number}, ")
        body = json.loads(text[len(f"qaflowPage({number}, "): -len(");\n")])
        anchors += [int(a) for a in __import__("re").findall(r'id="sc-(\d+)"', body)]
        assert "<boom>" not in body and "&lt;boom&gt;" in body  # escaped like the one-page report
    assert anchors == list(range(N))
    assert len(html) < len(pages[0].read_text()) * 2  # the report holds one page, not all of them
    assert 'data-pages="6"' in html


def test_paged_report_renders_and_pages_in_chromium(streamed, tmp_path):
    _, paths = streamed
    url = paths["html"].resolve().as_uri()
    dom = _run_chromium("--dump-dom", url, profile=tmp_path / "profile-first")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = etree.HTML(dom.stdout)
    assert page.find("body").get("data-rendered") == "yes", "the report's script did not run"
    assert page.findtext(".//title") == "scale <run>"
    assert page.xpath('string(//*[@id="total"])') == str(N)
    assert page.xpath('string(//*[@id="shown"])') == f"Showing {PAGE_SIZE} of {PAGE_SIZE} scenarios on page 1 of 6"
    assert len(page.xpath('//div[@id="pages"]//details[@class="scenario"]')) == PAGE_SIZE
    assert page.xpath('//table[@id="matrix"]/tbody/tr[1]/@data-req') == ["1"]  # REQ-2 before REQ-10
    assert page.xpath('//table[@id="matrix"]/tbody/tr[last()]/@data-req') == ["(no requirement)"]
    assert len(page.xpath('//details[starts-with(@id, "f-sc-")]')) == 100  # the first failures, inline
    # a link to a scenario on page 6 loads that page's file (a <script src> from file://)
    dom = _run_chromium("--dump-dom", url + "#sc-2999", profile=tmp_path / "profile-last")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = etree.HTML(dom.stdout)
    assert page.xpath('//div[@id="pages"]/@data-page') == ["6"]
    last = page.xpath('//details[@id="sc-2999"]')
    assert last and last[0].get("open") is not None
    assert "item 02999 <&>" in " ".join(last[0].itertext())
    assert page.xpath('string(//*[@id="shown"])') == f"Showing {PAGE_SIZE} of {PAGE_SIZE} scenarios on page 6 of 6"


def test_small_run_stays_one_page_and_old_pages_go(streamed, tmp_path):
    _, paths = streamed
    folder = paths["html"].parent
    small = RunResult(scenarios=[_result(i) for i in range(5)])
    small.recount(1.0)
    write_reports(small, folder)
    assert not (folder / "report-pages").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["cucumber.json", "junit.xml", "report.html"]


def test_a_broken_off_log_is_never_under_its_final_name(tmp_path):
    with pytest.raises(RuntimeError), ResultLog(tmp_path / "results.jsonl") as log:
        log.append(0, _result(0))
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_index_reads_several_logs_in_order(tmp_path):
    paths = []
    for part in range(2):
        with ResultLog(tmp_path / f"{part}.jsonl") as log:
            for index in (2, 0, 1):
                log.append(index, _result(part * 3 + index))
        paths.append(log.path)
    index = ResultIndex(paths)
    assert [s.name for s in index.scenarios()] == [f"item {i:05d} <&>" for i in range(6)]
