"""What every requirement reader yields, whatever the input looked like.

A `Requirement` is one thing a team wants tested: a test case from a sheet, a
paragraph of an SRS, a Postman request or an OpenAPI operation. When the input
was structured, `rows` holds the requests to send (executable without an LLM);
when it was prose, `rows` is empty and the LLM writes the scenario.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

CheckOp = Literal["==", "!=", "exists", "matches", "type", "len"]


class Check(BaseModel):
    """One `jsonpath op value` line of a Checks cell."""

    path: str
    op: CheckOp
    value: Any = None


class Save(BaseModel):
    """One `name = jsonpath` line of a Save cell (or a header, when `header` is set)."""

    name: str
    path: str = ""
    header: str | None = None


class TestCaseRow(BaseModel):
    """One request of a test case and what its response must look like."""

    __test__ = False  # not a pytest class, despite the name

    method: str
    path: str
    headers: dict[str, str] = Field(default_factory=dict)
    query: list[tuple[str, str]] = Field(default_factory=list)
    body: Any = None
    expected_status: list[int] = Field(default_factory=list)
    expected_body: Any = None
    checks: list[Check] = Field(default_factory=list)
    saves: list[Save] = Field(default_factory=list)
    auth: str | None = Field(default=None, description="Auth profile name of the target API block.")
    given: list[str] = Field(default_factory=list, description="Catalogue steps to run before.")
    then: list[str] = Field(default_factory=list, description="Extra catalogue steps after the checks.")
    comments: list[str] = Field(default_factory=list, description="Lines that could not be translated.")
    source: str = ""
    replayed: bool = Field(default=False, description="Replayed from an earlier request (Postman).")


class Requirement(BaseModel):
    """One requirement with a stable id; `rows` makes it executable without an LLM."""

    id: str
    title: str
    text: str = ""
    acceptance_criteria: list[str] = Field(default_factory=list)
    source: str = Field(description="File and sheet/row, heading path or request path.")
    rows: list[TestCaseRow] = Field(default_factory=list)
    group: str = Field(default="", description="The feature this requirement belongs to.")
    kind: Literal["sheet", "document", "postman", "openapi"] = "document"
    tags: list[str] = Field(default_factory=list)
    variables: dict[str, str] = Field(
        default_factory=dict, description="Variables the scenario starts with (Postman)."
    )

    @property
    def executable(self) -> bool:
        """True when the scenario can be built from the rows alone, with no LLM."""
        return bool(self.rows)


class ReadError(BaseModel):
    """A problem with one input: the file, where in it, and what is wrong."""

    file: str
    where: str = ""
    message: str

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}" if self.where else self.file
        return f"{place}: {self.message}"


class ReadResult(BaseModel):
    """What a reader got out of one document: requirements, errors and notes."""

    path: str
    requirements: list[Requirement] = Field(default_factory=list)
    errors: list[ReadError] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    untranslated: int = Field(default=0, description="Script lines kept only as comments.")

    def error(self, message: str, where: str = "") -> None:
        self.errors.append(ReadError(file=self.path, where=where, message=message))


class RequirementError(ValueError):
    """A document that cannot be read at all (corrupt, encrypted, wrong version)."""
