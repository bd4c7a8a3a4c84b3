"""The regex generator: every value matches its pattern (re.fullmatch), over many patterns drawn by
hypothesis; unique columns stay unique up to the pattern's capacity; what cannot be drawn is warned
about by column, and its fallback is checked."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.codegen.mapping import map_schema
from tasks.generators.regex import regex_capacity, regex_fill, regex_problems, regex_trial
from tasks.generators.text import pattern_syntax, read_pattern
from tasks.schema.spec import ColumnSpec, SchemaSpec, TableSpec
from tests.codegen.conftest import column, make_table

# ---------------------------------------------------------------- patterns drawn by hypothesis

_ATOMS = st.sampled_from([
    "a", "Z", "7", "-", r"\.", r"\$", r"\(", "é", "가", " ",
    "[a-z]", "[A-Z0-9]", "[^abc]", "[^\\d\\s]", "[0-9a-f]", "[가-힣]", "[à-ÿ_]", "[\\w.-]",
    r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", ".",
])
_QUANTS = st.sampled_from(["", "", "?", "*", "+", "{2}", "{0,3}", "{1,4}", "{3,}", "*?", "+?"])


def _patterns():
    leaf = st.builds(lambda a, q: a + q, _ATOMS, _QUANTS)

    def extend(inner):
        seq = st.lists(inner, min_size=1, max_size=4).map("".join)
        group = st.builds(lambda s, q, kind: f"({kind}{s}){q}", seq, _QUANTS, st.sampled_from(["", "?:"]))
        alt = st.lists(seq, min_size=2, max_size=3).map("|".join).map(lambda s: f"(?:{s})")
        return st.one_of(seq, group, alt)

    body = st.recursive(leaf, extend, max_leaves=8)
    return st.builds(lambda b, anchored: f"^{b}$" if anchored else b, body, st.booleans())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=_patterns(), seed=st.integers(0, 2**32 - 1))
def test_every_value_matches_its_pattern(pattern: str, seed: int):
    assert regex_problems(pattern) == []
    values = regex_fill(np.random.default_rng(seed), 200, pattern).to_pylist()
    matcher = re.compile(pattern)
    bad = [v for v in values if matcher.fullmatch(v) is None]
    assert not bad, (pattern, bad[:5])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=_patterns(), key=st.integers(0, 2**63 - 1))
def test_unique_values_are_distinct_and_match_within_capacity(pattern: str, key: int):
    try:
        capacity = regex_capacity(pattern)
    except ValueError:  # too many alternatives to enumerate: the unique mode says so
        return
    n = min(capacity, 400)
    rows = np.arange(1000, 1000 + n, dtype=np.uint64) if capacity > 1400 else np.arange(n, dtype=np.uint64)
    values = regex_fill(np.random.default_rng(0), n, pattern, rows, key).to_pylist()
    assert len(set(values)) == n, pattern
    assert all(re.fullmatch(pattern, v) for v in values), pattern


# ---------------------------------------------------------------- known shapes, speed-sized batches


@pytest.mark.parametrize("pattern", [
    r"^[A-Z]{2}-[0-9]{4}$", r"^ku-[a-z0-9]{12}$", r"^[a-f0-9]{64}$", r"^\+?[1-9]\d{1,14}$",
    r"^(?:[01]\d|2[0-3]):[0-5]\d$", r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
    r"^(https?)://[a-z]+\.(com|org|net)(/[a-z0-9]+)*$", r"^010-\d{4}-\d{4}$", r"^[가-힣]{2,4}$",
    r"(?i)^abc[x-z]+$", r"^\d{5}(-\d{4})?$",
])
def test_real_world_patterns_through_text_pattern(pattern: str):
    values = make_table([column("c", "text.pattern", {"pattern": pattern})], 20_000).column("c").to_pylist()
    assert all(re.fullmatch(pattern, v) for v in values)
    assert len(set(values)) > 100 or pattern.startswith("(?i)")


def test_unique_pattern_column_covers_its_capacity_and_then_says_so():
    pattern = r"^[A-C][0-9]{2}$"  # 300 strings
    assert regex_capacity(pattern) == 300
    table = make_table([column("c", "text.pattern", {"pattern": pattern, "unique": True})], 300, batch_size=128)
    values = table.column("c").to_pylist()
    assert len(set(values)) == 300 and all(re.fullmatch(pattern, v) for v in values)
    with pytest.raises(ValueError, match="makes only 300 distinct values"):
        make_table([column("c", "text.pattern", {"pattern": pattern, "unique": True})], 301)


def test_unique_values_do_not_depend_on_how_rows_are_split():
    pattern = r"^[A-Z]{2}-[0-9]{4}$"
    col = column("c", "text.pattern", {"pattern": pattern, "unique": True})
    whole = make_table([col], 5000, batch_size=4096).column("c").to_pylist()
    parts = (make_table([col], 2000, start=0, total=5000, batch_size=4096).column("c").to_pylist()
             + make_table([col], 3000, start=2000, total=5000, batch_size=4096).column("c").to_pylist())
    assert whole == parts and len(set(whole)) == 5000


def test_ambiguous_alternatives_never_repeat_in_unique_mode():
    pattern = r"^(a|ab)(c|bc)?[0-9]$"  # "abc1" can be spelled two ways
    values = regex_fill(np.random.default_rng(0), regex_capacity(pattern), pattern,
                        np.arange(regex_capacity(pattern), dtype=np.uint64), 99).to_pylist()
    assert len(set(values)) == len(values) and all(re.fullmatch(pattern, v) for v in values)


# ---------------------------------------------------------------- syntax, warnings and the fallback


def test_text_pattern_reads_regexes_and_the_shorthand_and_says_which():
    assert pattern_syntax("SKU-####-??") == "qaflow"
    assert pattern_syntax("^ku-[a-z0-9]{12}$") == "regex"
    assert pattern_syntax("###", "regex") == "regex"
    assert read_pattern("^ku-[a-z0-9]{12}$") == ({"pattern": "^ku-[a-z0-9]{12}$", "syntax": "regex"},
                                                  "read as a regex")
    assert read_pattern("SKU-####")[1] == "read as qaflow shorthand"
    assert read_pattern("^([a-z]$")[0] is None  # a schema pattern re rejects is reported, not guessed at
    assert pattern_syntax("^([a-z]$") == "qaflow"  # a generator param re rejects is taken literally
    shorthand = make_table([column("c", "text.pattern", {"pattern": "SKU-####-??"})], 500).column("c")
    assert all(re.fullmatch(r"SKU-\d{4}-[A-Z]{2}", v) for v in shorthand.to_pylist())


def _plan(pattern: str):
    table = TableSpec(name="things", columns=[ColumnSpec(name="code", pattern=pattern),
                                              ColumnSpec(name="ref", pattern="^R-[0-9]{6}$", unique=True)])
    return map_schema(SchemaSpec(source="things.json", tables=[table]), rows=100)


def test_schema_patterns_reach_the_generator_as_regexes():
    plan = _plan("^ku-[a-z0-9]{12}$")
    code, ref = plan.tables[0].columns
    assert (code.generator, code.params["pattern"]) == ("text.pattern", "^ku-[a-z0-9]{12}$")
    assert "read as a regex" in code.reason
    assert ref.params.get("unique") is True and not ref.suffix
    assert not plan.warnings


@pytest.mark.parametrize("pattern,matches_all", [
    (r"^(?=[a-z]*\d)[a-z0-9]{4}$", True),  # lookahead: drawn without it, then checked and redrawn
    (r"^(ab)\1$", False),  # backreference
    (r"^\bword\b$", True),  # word boundaries that hold anyway
])
def test_what_cannot_be_drawn_is_warned_about_by_column_and_checked(pattern: str, matches_all: bool):
    assert regex_problems(pattern)
    plan = _plan(pattern)
    warning = next(w for w in plan.warnings if w.startswith("things.code:"))
    assert "re.fullmatch" in warning
    assert ("every trial value matched" in warning) == matches_all
    share = regex_trial(pattern)
    values = make_table([column("c", "text.pattern", {"pattern": pattern})], 2000).column("c").to_pylist()
    matched = sum(re.fullmatch(pattern, v) is not None for v in values) / len(values)
    assert matched >= share - 0.05  # the redraws only ever help
    if pattern.startswith("^(?="):
        assert matched > 0.99  # a digit among four characters: the redraws find one


def test_a_pattern_whose_values_would_be_huge_is_refused_before_anything_is_drawn():
    """`x{200000000}` is a valid regex: drawn for ten rows it took 4.3 GB before failing."""
    params, why = read_pattern("^x{200000000}$")
    assert params is None and "200,000,000 bytes" in why and "ignored" in why
    with pytest.raises(re.error, match="at most 65,536"):
        regex_fill(np.random.default_rng(0), 10, "^(ab|[a-z]{9}){50000}$")  # the module's own guard, too
    assert read_pattern("^(ab|c){1000}$")[0] is not None  # long but sane values stay
    schema = SchemaSpec(source="s.json", tables=[TableSpec(name="t", columns=[
        ColumnSpec(name="a", type="string", pattern="^x{200000000}$")])])
    plan = map_schema(schema, 10)
    assert plan.table("t").column("a").generator != "text.pattern"
    assert any(w.startswith("t.a: pattern") and "ignored" in w for w in plan.warnings), plan.warnings
