"""Rows: running the rendered generator modules and checking what they wrote.

    options.py    the run's choices (format, mode, runner) and their one check
    shards.py     a table's rows cut into batch-aligned ranges, one part file each
    run.py        one shard through its module, in a thread or a child process
    progress.py   PROGRESS: "rows" events for the CLI's bar
    validate.py   the written tables against the plan (counts, keys, ranges)
    publish.py    staging folder -> output names, only when all passed
    summary.py    MockdataSummary, the run's typed result
    steps.py      the thin Prefect tasks (warm-pools, write-shard, validate-table)

The generated modules' own code (kernel, pools, writer) is tasks/generator_runtime.
Importing the package defines names only.
"""

__all__ = ["options", "progress", "publish", "run", "shards", "steps", "summary", "validate"]
