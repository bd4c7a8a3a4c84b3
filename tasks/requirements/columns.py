"""The columns a test-case sheet may have, and the names teams give them.

A table, not an if-chain: add a synonym here and every sheet reader (xlsx,
xls, csv, and tables inside Word or Markdown documents) knows it. Header
cells are matched case-insensitively after dropping spaces, underscores,
hyphens and anything in brackets ("Expected Status (HTTP)" -> expectedstatus).
"""

from __future__ import annotations

import re

SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "tcid", "testid", "caseid", "testcaseid", "reqid", "requirementid", "no", "번호",
           "아이디", "테스트id", "케이스id", "요구사항id"),
    "feature": ("feature", "module", "area", "group", "suite", "기능", "모듈", "기능명"),
    "title": ("title", "scenario", "name", "testcase", "summary", "제목", "시나리오", "테스트케이스",
              "요구사항"),
    "description": ("description", "details", "requirement", "설명", "상세", "내용", "요구사항내용"),
    "given": ("given", "precondition", "preconditions", "setup", "사전조건", "전제조건"),
    "method": ("method", "httpmethod", "verb", "메서드", "메소드", "방식"),
    "path": ("path", "endpoint", "url", "uri", "resource", "경로", "엔드포인트", "주소"),
    "headers": ("headers", "header", "헤더"),
    "query": ("query", "queryparams", "params", "parameters", "쿼리", "파라미터"),
    "body": ("body", "request", "requestbody", "payload", "요청", "요청본문", "본문"),
    "expected_status": ("expectedstatus", "status", "statuscode", "expectedcode", "기대상태",
                        "상태코드", "예상상태"),
    "expected_body": ("expectedbody", "expectedresponse", "response", "expected", "기대응답",
                      "예상응답", "응답"),
    "checks": ("checks", "assertions", "asserts", "verify", "검증", "확인"),
    "save": ("save", "saves", "capture", "extract", "저장", "변수저장"),
    "tags": ("tags", "tag", "labels", "태그"),
    "auth": ("auth", "authentication", "authprofile", "인증"),
}

_LOOKUP: dict[str, str] = {name: field for field, names in SYNONYMS.items() for name in names}

# A header row must name these to count as a test-case table (Method and Path
# make rows executable; Title or ID makes a requirement list).
REQUIRED_ANY: tuple[frozenset[str], ...] = (
    frozenset({"method", "path"}),
    frozenset({"title"}),
    frozenset({"description"}),
)


def normalise(cell: object) -> str:
    text = re.sub(r"[\(\[（].*?[\)\]）]", "", str(cell or ""))
    return re.sub(r"[\s_\-./:*#]+", "", text).casefold()


def field_of(cell: object) -> str | None:
    """The field a header cell names, or None."""
    key = normalise(cell)
    return _LOOKUP.get(key) if key else None


def header_map(cells: list[object]) -> dict[str, int]:
    """Field -> column index for a candidate header row (first occurrence wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = field_of(cell)
        if field and field not in found:
            found[field] = index
    return found


def is_header(mapping: dict[str, int]) -> bool:
    """True when a row maps enough fields to be the header of a test-case table."""
    fields = set(mapping)
    return len(fields) >= 2 and any(required <= fields for required in REQUIRED_ANY)
