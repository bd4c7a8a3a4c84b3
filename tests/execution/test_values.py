"""Variable substitution and the partial JSON match, on plain values."""

from __future__ import annotations

import json

import pytest

from tasks.execution.values import UnknownVariable, partial_mismatches, substitute, substitute_json


def test_substitute_text(monkeypatch):
    monkeypatch.setenv("QAFLOW_TEST_HOST", "h.example")
    text = substitute("https://${env.QAFLOW_TEST_HOST}/users/${id}?ok=${flag}", {"id": 7, "flag": True})
    assert text == "https://h.example/users/7?ok=true"
    assert len(substitute("${uuid}", {})) == 36
    assert substitute("${now}", {}).endswith("Z")
    with pytest.raises(UnknownVariable, match="missing"):
        substitute("${missing}", {})


def test_substitute_json_keeps_types():
    variables = {"id": 7, "name": 'Ann "A"', "tags": ["a"], "none": None}
    text = '{"id": "${id}", "label": "user ${id}: ${name}", "tags": ${tags}, "n": ${none}, "raw": "$x"}'
    assert json.loads(substitute_json(text, variables)) == {
        "id": 7,
        "label": 'user 7: Ann "A"',
        "tags": ["a"],
        "n": None,
        "raw": "$x",
    }
    assert json.loads(substitute_json('"${name}"', variables)) == 'Ann "A"'
    assert json.loads(substitute_json("[${n}, ${t}, ${name}]", {"n": "3", "t": "true", "name": "Ann"})) == [3, True, "Ann"]
    assert json.loads(substitute_json('["\\"${id}\\""]', variables)) == ['"7"']


def test_partial_match_markers():
    actual = {"id": 3, "uid": "0b7e2d2e-6a43-4c5f-8f68-6a3b3c0f9b11", "name": "Ann", "extra": 1, "items": [1, 2]}
    assert partial_mismatches({"id": "#number", "uid": "#uuid", "name": "#string", "gone": "#ignore"}, actual) == []
    problems = partial_mismatches({"id": "#string", "name": "Bob", "items": [1], "nope": 1}, actual)
    assert problems == [
        "$.id: expected #string, got 3",
        '$.name: expected "Bob", got "Ann"',
        "$.items: expected 1 items, got 2",
        "$.nope: missing (expected 1)",
    ]
    assert partial_mismatches(True, 1) == ["$: expected true, got 1"]
    assert partial_mismatches(1, 1.0) == []
