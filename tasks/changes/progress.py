"""The progress of a rag sync, for whoever draws it (the CLI's bar, a benchmark).

Events (tasks.progress.ProgressEvent): "planned" (total = files to handle;
info: to_index, bytes), then "deleted", "renamed" and "indexed", each advancing
by files with `chunks` in info, and "done" with the summary's counts in info.
"""

from __future__ import annotations

from tasks.progress import ProgressHooks

__all__ = ["PROGRESS"]

PROGRESS = ProgressHooks()
