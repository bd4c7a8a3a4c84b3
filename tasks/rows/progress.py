"""The progress of a mockdata run, for whoever draws it (the CLI's bar, a benchmark).

Events (tasks.progress.ProgressEvent): "rows", advancing by the rows of each
batch written (info: `table`). Thread-mode shards report every batch from their
worker thread; a child-process shard reports its rows once, when it ends.
"""

from __future__ import annotations

from tasks.progress import ProgressHooks

__all__ = ["PROGRESS"]

PROGRESS = ProgressHooks()
