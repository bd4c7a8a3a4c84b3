"""Shards: a table's rows cut into batch-aligned row ranges, one part file each.

Ranges start on batch boundaries, so every shard makes whole batches and the
union of the part files holds exactly the rows of a single run with the same
seed, whatever the number of shards.
"""

from __future__ import annotations

import os

from pydantic import BaseModel

from tasks.generator_runtime.writer import FORMATS


class Shard(BaseModel):
    """Rows [start, start + rows) of a table of `total` rows, written to `path`."""

    table: str
    index: int
    start: int
    rows: int
    total: int
    path: str


def default_shard_count(total_rows: int, batch_size: int, workers: int | None = None) -> int:
    """As many shards as workers, but never a shard of less than one batch."""
    workers = workers or min(os.cpu_count() or 1, 8)
    batches = -(-total_rows // batch_size)
    return max(1, min(workers, batches))


def plan_shards(table: str, total_rows: int, out_dir: str | os.PathLike, *, shards: int | None = None,
                batch_size: int = 131_072, fmt: str = "parquet") -> list[Shard]:
    """Batch-aligned row ranges of `table`, each written to `out_dir/part-NNNNN.<fmt>`."""
    if total_rows <= 0:
        raise ValueError(f"table {table}: rows must be positive, got {total_rows}")
    if shards is not None and shards <= 0:
        raise ValueError(f"shards must be positive, got {shards}")
    batches = -(-total_rows // batch_size)
    count = max(1, min(shards or default_shard_count(total_rows, batch_size), batches))
    suffix = FORMATS[fmt]
    out = []
    for index in range(count):
        first = index * batches // count
        last = (index + 1) * batches // count
        start = first * batch_size
        end = min(last * batch_size, total_rows)
        out.append(Shard(table=table, index=index, start=start, rows=end - start, total=total_rows,
                         path=os.path.join(os.fspath(out_dir), f"part-{index:05d}{suffix}")))
    return out
