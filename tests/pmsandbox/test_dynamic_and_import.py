"""Dynamic variables where `${...}` is filled at run time, and how the importer carries a
request's scripts into the feature: exact catalogue steps where every statement maps,
else one step running the collection's, folders' and request's scripts as written."""

from __future__ import annotations

import re
import time

import pytest

from tasks.execution.catalogue import CATALOGUE
from tasks.execution.values import UnknownVariable, lookup, substitute
from tasks.pmsandbox.docstring import join_scripts, split_scripts
from tasks.pmsandbox.dynamic import DYNAMIC, dynamic_value
from tasks.requirements import pmscript


def test_dynamic_variables_in_steps() -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", lookup("$guid", {}))
    assert abs(int(lookup("$timestamp", {})) - time.time()) < 5  # seconds, as Postman's
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", lookup("$isoTimestamp", {}))
    assert 0 <= int(lookup("$randomInt", {})) <= 1000
    assert "@" in substitute("${$randomEmail}", {})
    assert lookup("$randomBoolean", {}) in ("true", "false")
    assert substitute("${$randomFirstName}", {}) != "${$randomFirstName}"
    with pytest.raises(UnknownVariable, match=r"\$\{\$randomNothing\}"):
        lookup("$randomNothing", {})


def test_every_dynamic_variable_makes_a_value_and_korean_when_asked() -> None:
    for name in DYNAMIC:
        assert dynamic_value(name), name
    korean = dynamic_value("randomFullName", {"fakerLocale": "ko_KR"})
    assert re.search(r"[\uac00-\ud7a3]", korean), korean
    assert re.search(r"[\uac00-\ud7a3]", substitute("${$randomCity}", {"locale": "ko_KR"}))


def test_doc_string_round_trip() -> None:
    scripts = [("collection", "Shop", "pm.test('a', function () {});"), ("folder", "Orders", "var x = 1;"),
               ("request", 'Get "one"', "console.log(x);")]
    assert split_scripts(join_scripts(scripts)) == scripts
    assert split_scripts("pm.test('plain', function () {});") == [("request", "", "pm.test('plain', function () {});")]


def _collection(test_lines: list[str], pre_lines: list[str] | None = None) -> dict:
    def event(listen: str, lines: list[str]) -> dict:
        return {"listen": listen, "script": {"exec": lines}}

    request = {"name": "Get booking", "request": {"method": "GET", "url": "{{baseUrl}}/booking/1"},
               "event": [event("test", test_lines)] + ([event("prerequest", pre_lines)] if pre_lines else [])}
    return {"info": {"name": "Booker"}, "event": [event("test", ["pm.test('any', function () {});"])],
            "item": [{"name": "Bookings", "item": [request]}]}


def test_exact_scripts_stay_catalogue_steps() -> None:
    data = _collection(["pm.test('ok', function () {", "  pm.response.to.have.status(200);", "});"])
    data["event"] = []
    request = data["item"][0]["item"][0]
    tests, pre = pmscript.request_scripts(request, pmscript.script_chain(data)[id(request)])
    assert tests.statuses == [200] and tests.then == [] and tests.comments == []
    assert pre.given == []


def test_other_scripts_run_whole_with_the_collection_and_folder_around_them() -> None:
    data = _collection(["var json = pm.response.json();", "if (json.ok) { pm.environment.set('id', json.id); }",
                        "var $ = cheerio.load(pm.response.text());", "require('xml2js');"],
                       ["pm.variables.set('when', require('moment')().format());"])
    request = data["item"][0]["item"][0]
    chain = pmscript.script_chain(data)[id(request)]
    assert [(level, name) for level, name, _ in chain] == [("collection", "Booker"), ("folder", "Bookings"),
                                                          ("request", "Get booking")]
    tests, pre = pmscript.request_scripts(request, chain)
    assert tests.statuses == [] and tests.checks == []
    step, _, doc = tests.then[0].partition("\n")
    assert step == 'the Postman tests of "Get booking" pass:'
    assert CATALOGUE.match(step).step.needs == "doc_string"
    assert [(level, name) for level, name, _ in split_scripts(doc)] == [("collection", "Booker"), ("request", "Get booking")]
    assert pre.given[0].startswith('the Postman pre-request script of "Get booking" runs:\n// ---- request "Get booking" ----')
    # what the sandbox cannot do is said, and counted as unsupported
    assert any("cheerio" in c for c in tests.comments) and any("'xml2js'" in c for c in tests.comments)
    sets, reads = pmscript.script_names([*tests.then, *pre.given])
    assert sets == {"id", "when"} and reads == set()
