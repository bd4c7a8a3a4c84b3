"""qaflow's Prefect blocks; `prefect block register -m blocks` registers them.

Block types only (configuration saved in Prefect); the code that uses a block
lives in `tasks` (the LLM client in tasks.llm, the Chroma store in
tasks.vectorstore). Blocks import only base modules (tasks.settings,
tasks.paths, ...). Importing this package defines names only: it sets no
environment variable (the CLI and the flows call tasks.environment.apply_defaults).
"""

from blocks.database import Database
from blocks.llm import LLMEndpoint
from blocks.target_api import AuthProfile, TargetAPI
from blocks.vectorstore import VectorStore

__all__ = ["BLOCK_TYPES", "REGISTERED_TYPES", "AuthProfile", "Database", "LLMEndpoint", "TargetAPI", "VectorStore"]

# What `blocks init` saves with working defaults and `blocks show` resolves.
BLOCK_TYPES = (LLMEndpoint, VectorStore, TargetAPI)
# What `blocks register` registers: a Database has no useful default to save.
REGISTERED_TYPES = (*BLOCK_TYPES, Database)
