"""A small real REST service (FastAPI) that the bdd demo, tests and benchmarks run against.

    python -m examples.demo_api --port 8000      # token: DEMO_API_TOKEN, default "demo-token"
"""

from examples.demo_api.app import DEFAULT_TOKEN, create_app
from examples.demo_api.server import start_demo_api

__all__ = ["DEFAULT_TOKEN", "create_app", "start_demo_api"]
