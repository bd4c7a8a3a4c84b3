"""Requirement ids: the document's own when it has one, else a stable one.

A derived id must not change when someone inserts a row or a paragraph above,
so it comes from the requirement's place by name (sheet, heading path, title),
never from a row or paragraph number.
"""

from __future__ import annotations

import hashlib
import re

# REQ-12, FR-3.1, SRS-001, NFR-2, UC-7, US-14, TC-001, API-3 (the id must carry a digit)
ID_PATTERN = re.compile(
    r"\b(?P<id>(?:REQ|FR|NFR|SRS|UC|US|TC|API|BR|SR|SEC|PERF)[-_ ]?\d+(?:[.-]\d+)*)\b", re.I
)


def find_id(text: str) -> str | None:
    """The first requirement id in `text`, normalised (REQ 12 -> REQ-12)."""
    match = ID_PATTERN.search(text or "")
    if not match:
        return None
    raw = match["id"].upper()
    return re.sub(r"^([A-Z]+)[-_ ]?", r"\1-", raw)


def clean_id(text: str) -> str:
    """An id usable in a Gherkin tag (@REQ-<id>): no spaces or odd characters."""
    return re.sub(r"[^\w.-]+", "-", str(text).strip()).strip("-") or "X"


def slug(text: str, limit: int = 24) -> str:
    words = re.findall(r"\w+", (text or "").lower())
    return "-".join(words)[:limit].strip("-") or "x"


def stable_id(prefix: str, *parts: str) -> str:
    """PREFIX-<slug>-<hash of the parts>: readable and unchanged by edits elsewhere."""
    key = "\x1f".join(p.strip().lower() for p in parts)
    digest = hashlib.sha1(key.encode()).hexdigest()[:6]
    return f"{clean_id(prefix).upper()}-{slug(parts[-1] if parts else '', 20)}-{digest}"
