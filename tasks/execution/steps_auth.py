"""The implicit authentication of a test-case sheet row that names no profile.

A row whose Auth cell is empty means "as usual": the target's `default` auth profile
when it has one (`--auth default=ENV_VAR`, or the block's own), nothing otherwise. A
row that says `none` or `-` sends no credentials at all (translated to no step).
"""

from __future__ import annotations

from tasks.execution.context import ScenarioContext
from tasks.execution.registry import StepRegistry

AUTH = StepRegistry()
DEFAULT_PROFILE = "default"
DEFAULT_AUTH_STEP = "I am authenticated as the default profile, if the target has one"


@AUTH.step(
    DEFAULT_AUTH_STEP,
    kind="request",
    doc='Add the credentials of the target\'s "default" auth profile to every later request, when it has one '
        "(a sheet row with an empty Auth cell); without one, send no credentials.",
    example="Given " + DEFAULT_AUTH_STEP,
)
def default_authenticated(ctx: ScenarioContext) -> None:
    profile = ctx.shared.target.auth_profiles.get(DEFAULT_PROFILE)
    if profile is not None:
        ctx.headers.update(profile.headers())
