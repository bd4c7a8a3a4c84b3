"""qaflow's Prefect blocks; `prefect block register -m blocks` registers them."""

from tasks.environment import apply_defaults

apply_defaults()

from blocks.llm import LLMEndpoint  # noqa: E402
from blocks.target_api import AuthProfile, TargetAPI  # noqa: E402
from blocks.vectorstore import VectorStore  # noqa: E402

__all__ = ["AuthProfile", "LLMEndpoint", "TargetAPI", "VectorStore"]

BLOCK_TYPES = (LLMEndpoint, VectorStore, TargetAPI)
