"""The progress of a bdd run, for whoever draws it (the CLI's bars, a benchmark).

Events (tasks.progress.ProgressEvent): "generate" (total = feature groups, then one
advance per feature validated and written) and "execute" (total = scenarios to run,
then one advance per finished scenario, from the worker threads that ran it).
"""

from __future__ import annotations

from tasks.progress import ProgressHooks

__all__ = ["PROGRESS"]

PROGRESS = ProgressHooks()
