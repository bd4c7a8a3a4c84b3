"""qaflow's Prefect blocks; `prefect block register -m blocks` registers them."""

from tasks.environment import apply_defaults

apply_defaults()

from blocks.database import Database  # noqa: E402
from blocks.llm import LLMEndpoint  # noqa: E402
from blocks.target_api import AuthProfile, TargetAPI  # noqa: E402
from blocks.vectorstore import VectorStore  # noqa: E402

__all__ = ["AuthProfile", "Database", "LLMEndpoint", "TargetAPI", "VectorStore"]

# What `blocks init` saves with working defaults and `blocks show` resolves.
BLOCK_TYPES = (LLMEndpoint, VectorStore, TargetAPI)
# What `blocks register` registers: a Database has no useful default to save.
REGISTERED_TYPES = (*BLOCK_TYPES, Database)
