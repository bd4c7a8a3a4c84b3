"""A one-task flow, as a CLI command would run it (used by bench_cold_start.py)."""

from __future__ import annotations

import sys

from flows.prefect_api import configure_api, start_api

if "--early" in sys.argv:
    start_api()
else:
    configure_api()

from prefect import flow, task


@task
def one() -> int:
    return 1


@flow
def one_task_flow() -> int:
    return one()


if __name__ == "__main__":
    assert one_task_flow() == 1
