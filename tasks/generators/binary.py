"""Binary columns (BLOB, bytea, VARBINARY) as real bytes, not hex text."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tasks.generators.registry import generator


@generator("binary.bytes", output="binary", fits=("binary",),
           params={"min_length": 8, "max_length": 64}, unique="none")
def gen_bytes(b, p):
    """Random bytes, length between min_length and max_length (a VARBINARY(n) caps it)."""
    hi = max(1, int(p.get("max_length") or 64))
    lo = min(max(0, int(p.get("min_length") or 0)), hi)
    lengths = b.rng.integers(lo, hi + 1, b.n)
    offsets = np.zeros(b.n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = b.rng.integers(0, 256, int(offsets[-1]), dtype=np.uint8)
    return pa.Array.from_buffers(pa.binary(), b.n, [None, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())])
