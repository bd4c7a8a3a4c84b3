"""Text: words, sentences and paragraphs in the locale's language, patterns such as
SKU-####-??, random strings within length bounds, hex digests.
"""

from __future__ import annotations

import re

import pyarrow.compute as pc

from tasks.generator_runtime.kernel import (
    HEX,
    LOWER,
    fixed_strings,
    join,
    pattern_fill,
    ragged_strings,
    take,
    unique_suffix,
)
from tasks.generators.regex import (
    REGEX_HELPERS,
    regex_fill,
    regex_problems,
    regex_tree,
    regex_trial,
)
from tasks.generators.registry import generator


def clip_length(array, max_length):
    """Cut strings to at most max_length characters."""
    if not max_length:
        return array
    return pc.utf8_slice_codeunits(array, 0, int(max_length))


@generator("text.word", output="string", pools=("word",), low_cardinality=True, params={"max_length": None},
           unique="suffix", helpers=(clip_length,))
def gen_word(b, p):
    """A single word in the locale's language."""
    pool = b.pool("word")
    return clip_length(take(pool, b.rng.integers(0, len(pool), b.n)), p["max_length"])


@generator("text.words", output="string", pools=("word",), params={"count": 3, "max_length": None},
           helpers=(clip_length,))
def gen_words(b, p):
    """A few words joined by spaces (titles, tags, product names)."""
    pool = b.pool("word")
    words = [take(pool, b.rng.integers(0, len(pool), b.n)) for _ in range(int(p["count"]))]
    return clip_length(join(words, " "), p["max_length"])


@generator("text.sentence", output="string", pools=("sentence",), low_cardinality=True, params={"max_length": None},
           helpers=(clip_length,))
def gen_sentence(b, p):
    """One sentence (short descriptions, titles)."""
    pool = b.pool("sentence")
    return clip_length(take(pool, b.rng.integers(0, len(pool), b.n)), p["max_length"])


@generator("text.paragraph", output="string", pools=("paragraph",), low_cardinality=True, params={"max_length": None},
           helpers=(clip_length,))
def gen_paragraph(b, p):
    """A paragraph of a few sentences (descriptions, comments, notes)."""
    pool = b.pool("paragraph")
    return clip_length(take(pool, b.rng.integers(0, len(pool), b.n)), p["max_length"])


def pattern_syntax(pattern, syntax="auto"):
    """How a pattern is read: "regex" (anything `re` accepts) or "qaflow" (# digit, ? letter ...).

    `auto` reads a pattern as a regex when it has what only a regex has
    (classes, groups, counts, alternation, escapes such as \\d, or both anchors)
    and `re` accepts it; otherwise as qaflow's shorthand, whose placeholders look like regex
    quantifiers (`SKU-####-??`).
    """
    if syntax in ("regex", "qaflow"):
        return syntax
    text = str(pattern)
    if re.search(r"[\[\](){}|+]|\\[dDwWsSbB]", text) or (text.startswith("^") and text.endswith("$")):
        try:
            re.compile(text)
        except re.error:
            return "qaflow"  # not a regex after all: its characters are taken as they are
        return "regex"
    if any(ch in text for ch in "#%$?&*^"):
        return "qaflow"
    return "regex"


def read_pattern(pattern: str) -> tuple[dict | None, str]:
    """text.pattern's params for a schema's pattern and how it was read (None when `re` rejects it)."""
    syntax = pattern_syntax(pattern)
    if syntax == "regex" or re.search(r"[\[\](){}|+]|\\[dDwWsSbB]", pattern):
        try:
            re.compile(pattern)
        except re.error as exc:
            return None, f"not a valid regex ({exc}); ignored"
        if syntax == "regex":
            try:
                regex_tree(pattern)  # a{200000000}: valid, but each value would be 200 MB
            except re.error as exc:
                return None, f"not generated ({exc}); ignored"
    return {"pattern": pattern, "syntax": syntax}, f"read as {'a regex' if syntax == 'regex' else 'qaflow shorthand'}"


def pattern_warnings(table: str, column: str, params: dict) -> list[str]:
    """A warning naming the column when its regex has parts drawn only with a fullmatch check."""
    pattern = str(params.get("pattern") or "")
    if pattern_syntax(pattern, params.get("syntax") or "auto") != "regex":
        return []
    try:
        problems = regex_problems(pattern)
    except re.error as exc:
        return [f"{table}.{column}: pattern {pattern!r} is not a valid regex ({exc})"]
    if not problems:
        return []
    share = regex_trial(pattern)
    verdict = ("every trial value matched" if share == 1.0 else
               f"only {share:.1%} of trial values matched; the others are drawn again up to 20 times, "
               "and values that still fail are kept")
    return [f"{table}.{column}: pattern {pattern!r} has what the generator cannot draw directly "
            f"({'; '.join(problems)}): values are drawn without it and checked with re.fullmatch; {verdict}"]


@generator("text.pattern", output="string", params={"pattern": "???-####", "syntax": "auto"}, unique="native",
           keyed=True, helpers=(pattern_syntax, *REGEX_HELPERS))
def gen_pattern(b, p):
    """Strings matching a regex (^[A-Z]{2}-[0-9]{4}$) or qaflow's shorthand (SKU-####-??); unique when asked.

    Shorthand placeholders: # digit, % 1-9, $ 2-9, ? A-Z, & a-z, * A-Z0-9, ^ hex.
    """
    pattern = str(p["pattern"])
    if pattern_syntax(pattern, p.get("syntax") or "auto") == "regex":
        return regex_fill(b.rng, b.n, pattern, b.rows if p.get("unique") else None, b.key)
    if p.get("unique"):
        return pattern_fill(b.rng, b.n, pattern, b.rows, b.key)
    return pattern_fill(b.rng, b.n, pattern)


@generator("text.string", output="string", params={"min_length": 8, "max_length": 16},
           unique="suffix")
def gen_string(b, p):
    """Random lowercase letters, length between min_length and max_length."""
    lo = max(int(p.get("min_length") or 1), 0)
    hi = max(int(p.get("max_length") or lo), lo)
    lengths = b.rng.integers(lo, hi + 1, b.n)
    return ragged_strings(LOWER[b.rng.integers(0, 26, (b.n, hi))], lengths)


@generator("text.hex", output="string", params={"length": 64}, unique="native")
def gen_hex(b, p):
    """Hex digest look-alike (sha256 is 64 characters); unique when asked."""
    length = int(p["length"])
    out = fixed_strings(HEX[b.rng.integers(0, 16, (b.n, length))])
    if p.get("unique"):
        head = pc.utf8_slice_codeunits(out, 0, max(length - 12, 0))
        return join([head, unique_suffix(b.rows, b.key, min(length, 12))])
    return out


@generator("text.slug", output="string", pools=("word",), unique="native")
def gen_slug(b, p):
    """URL slug of three words (my-fancy-thing); unique when asked."""
    pool = b.pool("word")
    words = [pc.utf8_lower(take(pool, b.rng.integers(0, len(pool), b.n))) for _ in range(3)]
    if p.get("unique"):
        words.append(unique_suffix(b.rows, b.key, 6))
    return join(words, "-")

