"""Scenarios as data: the JSON the LLM answers in and the translators build.

Gherkin text is only ever rendered from these models by `render.py`; LLM text
never reaches a .feature file except as the value of a field that pydantic
validated and the renderer escaped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

Keyword = Literal["Given", "When", "Then", "And", "But"]


class Step(BaseModel):
    """One step: a catalogue sentence with its keyword, and a doc string or table when it needs one."""

    keyword: Keyword
    text: str = Field(description="The step sentence without its keyword, exactly as in the catalogue.")
    doc_string: str | None = Field(default=None, description="JSON for steps that need a doc string.")
    data_table: list[list[str]] | None = Field(default=None, description="Rows of cells, for steps that need a table.")

    @field_validator("text")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if not value or "\n" in value:
            raise ValueError("a step text is one non-empty line")
        return value


class Examples(BaseModel):
    """The table of a Scenario Outline: a header and rows of values for <column>s."""

    name: str = ""
    header: list[str]
    rows: list[list[str]]


class Scenario(BaseModel):
    name: str
    tags: list[str] = Field(default_factory=list, description="Tags without '@'.")
    steps: list[Step]
    examples: list[Examples] = Field(default_factory=list, description="Non-empty makes a Scenario Outline.")
    comments: list[str] = Field(default_factory=list, description="Rendered as # lines above the scenario.")
    requirement_id: str = ""


class Feature(BaseModel):
    name: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    background: list[Step] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)


class Ungenerated(BaseModel):
    """A requirement that did not become a runnable scenario, and why."""

    requirement_id: str
    title: str
    source: str
    reason: str
    needs_llm: bool = False


class FeatureFile(BaseModel):
    """A written .feature file and the requirements it covers."""

    path: str
    feature: str
    requirement_ids: list[str]
    scenarios: int
    openapi: str | None = Field(default=None, description="The OpenAPI document its conformance steps check against.")


class GenerationResult(BaseModel):
    """What generation produced for a set of requirements."""

    files: list[FeatureFile] = Field(default_factory=list)
    ungenerated: list[Ungenerated] = Field(default_factory=list)
    untranslated_lines: list[str] = Field(default_factory=list)
    llm_calls: int = 0
    llm_repairs: int = 0
    llm_requested: int = Field(default=0, description="Prose requirements sent to the LLM.")
    llm_generated: int = Field(default=0, description="... of which became runnable scenarios.")
    llm_unavailable: int = Field(default=0, description="... of which failed because the endpoint did.")

    @property
    def llm_outage(self) -> bool:
        """Requirements needed the LLM and not one could be generated: the run must not look green."""
        return self.llm_requested > 0 and self.llm_generated == 0

    def merge(self, other: GenerationResult) -> GenerationResult:
        return GenerationResult(
            files=self.files + other.files,
            ungenerated=self.ungenerated + other.ungenerated,
            untranslated_lines=self.untranslated_lines + other.untranslated_lines,
            llm_calls=self.llm_calls + other.llm_calls,
            llm_repairs=self.llm_repairs + other.llm_repairs,
            llm_requested=self.llm_requested + other.llm_requested,
            llm_generated=self.llm_generated + other.llm_generated,
            llm_unavailable=self.llm_unavailable + other.llm_unavailable,
        )
