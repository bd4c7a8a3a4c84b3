"""JSON/JSONB columns with no schema of their own: small JSON objects as text.

`{}` in every row tells a tester nothing; an object with a few typed members
(an id, a name, a flag, a number, a list of tags) exercises JSON parsing,
indexing and `->` operators the way application data does.
"""

from __future__ import annotations

import json

import numpy as np

from tasks.generator_runtime.kernel import str_array
from tasks.generators.registry import generator


@generator("document.json", output="string", fits=("json", "string"), pools=("word",),
           params={"keys": ["id", "name", "active", "score", "tags"]})
def gen_json(b, p):
    """A JSON object per row with the given keys, typed by their names."""
    words = b.pool("word").to_pylist()
    keys = list(p.get("keys") or ["id", "name", "active", "score", "tags"])
    ids = b.rng.integers(1, 1_000_000, b.n)
    picks = b.rng.integers(0, len(words), (b.n, 3))
    flags = b.rng.random(b.n) < 0.5
    scores = np.round(b.rng.uniform(0, 100, b.n), 2)
    out = []
    for i in range(b.n):
        doc = {}
        for key in keys:
            if key == "id":
                doc[key] = int(ids[i])
            elif key == "active":
                doc[key] = bool(flags[i])
            elif key == "score":
                doc[key] = float(scores[i])
            elif key == "tags":
                doc[key] = [words[j] for j in picks[i, 1:]]
            else:
                doc[key] = words[picks[i, 0]]
        out.append(json.dumps(doc, ensure_ascii=False))
    return str_array(out)
