"""The generator runtime: the code every rendered `<table>_generator.py` carries.

`kernel` (the vectorised building blocks and the batch loop), `pools` (Faker's
value pools, filled once and cached) and `writer` (Parquet, CSV and JSON Lines,
written under a temporary name, then renamed). Codegen pastes their source into
each rendered module (tasks/codegen/runtime_code.py keeps only the definitions
the module uses), so the module runs standalone with numpy, pyarrow and Faker;
qaflow itself imports the same code from here (tasks/rows, tasks/load, the
mapping's trial runs).

One direction only: this package imports the standard library, numpy, pyarrow
and (lazily) Faker, and nothing from `tasks`, `blocks` or `flows` beyond its own
modules (tests/codegen/test_generator_runtime.py checks it). A helper of the
base layer (tasks.files, tasks.memory) cannot be used here: a pasted module
could not import it.
"""

__all__ = ["kernel", "pools", "writer"]
