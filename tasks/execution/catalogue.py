"""The REST step catalogue (docs/steps.md is generated from it): one registry that the generator
(in its LLM prompt), the validator, the runner and `qaflow bdd steps` all read.

    >>> m = CATALOGUE.match('the response status should be 201')
    >>> m.step.pattern, m.args
    ('the response status should be {code}', {'code': '201'})
"""

from __future__ import annotations

from tasks.execution.registry import AmbiguousStep, StepDef, StepMatch, StepRegistry, strip_keyword
from tasks.execution.steps_auth import AUTH
from tasks.execution.steps_postman import POSTMAN
from tasks.execution.steps_request import REQUEST
from tasks.execution.steps_response import RESPONSE

CATALOGUE: StepRegistry = StepRegistry.combine(REQUEST, AUTH, RESPONSE, POSTMAN)

__all__ = ["CATALOGUE", "AmbiguousStep", "StepDef", "StepMatch", "StepRegistry", "strip_keyword"]
