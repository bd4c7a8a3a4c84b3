"""Checks on what was written: row counts, unique columns, foreign keys.

They read the written files back (one column at a time), so they check the
data a user gets, not the generator's intentions. Large tables are checked for
row counts only unless asked: a unique check holds a whole column in memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from tasks.codegen.paths import table_folders
from tasks.codegen.plan import Plan, TablePlan
from tasks.generator_runtime.writer import FORMATS

# Above this many rows a table gets its row count checked only: its unique and key columns
# are unique by construction (keyed bijections of the row number), and reading a column of
# millions of strings back costs more than generating it.
DEFAULT_MAX_CHECK_ROWS = 250_000


class TableCheck(BaseModel):
    """The outcome of the checks on one table."""

    table: str
    rows_expected: int
    rows_found: int
    files: list[str]
    bytes: int
    unique_checked: list[str] = Field(default_factory=list)
    foreign_keys_checked: list[str] = Field(default_factory=list)
    not_null_checked: list[str] = Field(default_factory=list)
    ranges_checked: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def part_files(table_dir: Path, fmt: str) -> list[Path]:
    return sorted(Path(table_dir).glob(f"part-*{FORMATS[fmt]}"))


def count_rows(files: list[Path], fmt: str) -> int:
    """Rows in the part files (Parquet: from the footers, without reading data)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    if fmt == "csv":
        total = 0
        for f in files:
            with open(f, "rb") as fh:
                total += max(sum(chunk.count(b"\n") for chunk in iter(lambda fh=fh: fh.read(1 << 20), b"")) - 1, 0)
        return total
    total = 0
    for f in files:
        with open(f, "rb") as fh:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""))
    return total


def read_column(files: list[Path], fmt: str, column: str) -> pa.Array:
    """One column of all part files as one Arrow array (UUIDs as their 16 bytes)."""
    chunks = []
    for f in files:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            arr = pq.ParquetFile(f).read(columns=[column]).column(0)  # read_table imports pandas (~0.4 s)
        elif fmt == "csv":
            import pyarrow.csv as pacsv

            arr = pacsv.read_csv(f, convert_options=pacsv.ConvertOptions(include_columns=[column])).column(0)
        else:
            import pyarrow.json as pajson

            arr = pajson.read_json(f).column(column)
        chunks.extend(c.storage if isinstance(c, pa.ExtensionArray) else c for c in arr.chunks)
    if not chunks:
        return pa.array([], type=pa.null())
    types = {c.type for c in chunks}
    if len(types) > 1:  # CSV/JSON infer per file: compare as text
        chunks = [c.cast(pa.string()) for c in chunks]
    return pa.concat_arrays(chunks)


# Integer keys spanning at most this many values are checked with a bitmap (one byte a
# value), which is linear; anything else goes through Arrow's hash-based count_distinct.
BITMAP_SPAN = 1 << 26


def duplicates(values: pa.Array) -> int:
    """How many non-null values repeat an earlier one."""
    valid = len(values) - values.null_count
    if not valid:
        return 0
    present = _integers(values)
    if present is not None:
        low, high = int(present.min()), int(present.max())
        if high - low < BITMAP_SPAN:
            seen = np.zeros(high - low + 1, dtype=np.bool_)
            seen[_offsets(present, low)] = True
            return valid - int(np.count_nonzero(seen))
    storage = _storage(values)
    if pa.types.is_fixed_size_binary(storage.type) and storage.type.byte_width >= 8:
        return _binary_duplicates(storage.drop_null())
    distinct = pc.count_distinct(values, mode="only_valid").as_py()
    return valid - distinct


def missing_keys(values: pa.Array, keys: pa.Array) -> int:
    """How many non-null values are not among the keys (a foreign key's orphans)."""
    present, known = _integers(values), _integers(keys)
    if present is not None and known is not None and len(known):
        low, high = int(known.min()), int(known.max())
        if high - low < BITMAP_SPAN:
            seen = np.zeros(high - low + 1, dtype=np.bool_)
            seen[_offsets(known, low)] = True
            inside = (present >= low) & (present <= high)
            return int(len(present) - np.count_nonzero(inside)) + int(
                np.count_nonzero(~seen[_offsets(present[inside], low)]))
    if values.type != keys.type:
        values, keys = values.cast(pa.string()), keys.cast(pa.string())
    found = pc.is_in(values, value_set=keys)
    return int(pc.sum(pc.and_(pc.invert(found), pc.is_valid(values)).cast(pa.int64())).as_py() or 0)


def _storage(values: pa.Array) -> pa.Array:
    return values.storage if isinstance(values, pa.ExtensionArray) else values


def _integers(values: pa.Array) -> np.ndarray | None:
    """The non-null values of an integer array as a numpy view (no copy); None for other types."""
    if not pa.types.is_integer(values.type):
        return None
    kept = values.drop_null()  # Array.to_numpy would import pandas (~0.4 s)
    width = kept.type.bit_width // 8
    dtype = np.dtype(f"{'u' if pa.types.is_unsigned_integer(kept.type) else 'i'}{width}")
    if not len(kept):
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(kept.buffers()[1], dtype=dtype, count=kept.offset + len(kept))[kept.offset:]


def _offsets(present: np.ndarray, low: int) -> np.ndarray:
    """Each value's place in a bitmap starting at low (unsigned values stay unsigned)."""
    return present.astype(np.int64) - low if present.dtype.kind == "i" else present - present.dtype.type(low)


def _binary_duplicates(kept: pa.Array) -> int:
    """Repeats among fixed-width binary values (UUIDs): sort their first 8 bytes, and compare
    whole values only where those collide; Arrow's hash-based count_distinct is 6x slower."""
    width = kept.type.byte_width
    raw = np.frombuffer(kept.buffers()[1], dtype=np.uint8, count=(kept.offset + len(kept)) * width)
    rows = raw[kept.offset * width:].reshape(len(kept), width)
    heads = np.ascontiguousarray(rows[:, :8]).view(np.uint64).ravel()
    ordered = np.sort(heads)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return 0
    colliding = np.isin(heads, np.unique(ordered[1:][same]))
    candidates = rows[colliding]
    return len(candidates) - len({bytes(row) for row in candidates})


def tables_read(table: TablePlan) -> set[str]:
    """The tables whose files `check_table` reads for `table`: itself and its foreign keys' parents."""
    return {table.name, *(c.params["table"] for c in table.columns if c.generator == "id.foreign_key")}


def check_table(plan: Plan, table: TablePlan, out_dir: Path, fmt: str,
                max_check_rows: int = DEFAULT_MAX_CHECK_ROWS) -> TableCheck:
    """Row count, then (for tables up to max_check_rows) unique columns and foreign keys."""
    folders = table_folders(t.name for t in plan.tables)
    files = part_files(Path(out_dir) / folders[table.name], fmt)
    found = count_rows(files, fmt)
    check = TableCheck(table=table.name, rows_expected=table.rows, rows_found=found,
                       files=[str(f) for f in files], bytes=sum(f.stat().st_size for f in files))
    if found != table.rows:
        check.problems.append(f"{table.name}: expected {table.rows} rows, found {found}")
    skipped_unique = []
    for col in table.columns:
        if not col.unique or col.generator == "id.foreign_key":
            continue
        if table.rows > _limit(col.arrow, max_check_rows):
            skipped_unique.append(col.name)
            continue
        dup = duplicates(read_column(files, fmt, col.name))
        check.unique_checked.append(col.name)
        if dup:
            check.problems.append(f"{table.name}.{col.name}: {dup} duplicate value(s)")
    if skipped_unique:
        check.skipped.append(f"unique check of {', '.join(skipped_unique)} skipped above "
                             f"{max_check_rows:,} rows (unique by construction; raise max_check_rows)")
    check_composite_key(table, files, fmt, max_check_rows, check)
    check_not_null_and_ranges(table, files, fmt, check)
    for col in table.columns:
        if col.generator != "id.foreign_key":
            continue
        parent = plan.table(col.params["table"])
        if max(parent.rows, table.rows) > _limit(col.arrow, max_check_rows):
            check.skipped.append(f"FK check of {col.name} skipped (tables too large; raise max_check_rows)")
            continue
        parent_files = part_files(Path(out_dir) / folders[parent.name], fmt)
        keys = read_column(parent_files, fmt, col.params["column"])
        missing = missing_keys(read_column(files, fmt, col.name), keys)
        check.foreign_keys_checked.append(f"{col.name} -> {parent.name}.{col.params['column']}")
        if missing:
            check.problems.append(f"{table.name}.{col.name}: {missing} value(s) missing from "
                                  f"{parent.name}.{col.params['column']}")
    return check


def check_composite_key(table: TablePlan, files: list[Path], fmt: str, max_check_rows: int,
                        check: TableCheck) -> None:
    """Each composite key (primary key, multi-column UNIQUE) must be unique as a whole."""
    groups: dict[str, list] = {}
    for col in table.columns:
        layout = (col.params or {}).get("composite")
        if layout:
            groups.setdefault(layout.get("group") or "(primary key)", []).append(col)
    for group, members in groups.items():
        members = sorted(members, key=lambda c: c.params["composite"]["pos"])
        if len(members) < 2:
            continue
        names = f"({', '.join(c.name for c in members)})"
        if table.rows > max_check_rows:
            check.skipped.append(f"unique check of the key {names} skipped above {max_check_rows:,} rows "
                                 "(unique by construction; raise max_check_rows)")
            continue
        from tasks.generator_runtime.kernel import str_array

        parts = [read_column(files, fmt, c.name).cast(pa.string()) for c in members]
        dup = duplicates(pc.binary_join_element_wise(*parts, str_array(["\x1f"])[0]))
        check.unique_checked.append(names)
        if dup:
            what = "primary key(s)" if group == "(primary key)" else f"key(s) of {group.replace(',', ', ')}"
            check.problems.append(f"{table.name}.{names}: {dup} duplicate {what}")


def check_not_null_and_ranges(table: TablePlan, files: list[Path], fmt: str, check: TableCheck) -> None:
    """NOT NULL columns hold no NULL, integers stay inside their SQL type: from the Parquet
    footers' statistics (no data read); CSV/JSON files are read column by column."""
    not_null = [c for c in table.columns if not c.nullable]
    ranged = [c for c in table.columns if c.bounds]
    if not files or not (not_null or ranged):
        return
    stats = _footer_stats(files, {c.name for c in ranged if c.arrow.startswith(("int", "uint"))}) if fmt == "parquet" else None
    for col in not_null:
        if stats is not None and col.name in stats:
            nulls = stats[col.name][0]
        else:
            nulls = read_column(files, fmt, col.name).null_count
        if nulls is None:
            continue
        check.not_null_checked.append(col.name)
        if nulls:
            check.problems.append(f"{table.name}.{col.name}: {nulls} NULL(s) in a NOT NULL column")
    for col in ranged:
        low, high = col.bounds
        if stats is not None and col.name in stats:
            found = stats[col.name][1:]
        else:
            extremes = pc.min_max(read_column(files, fmt, col.name))
            found = (extremes["min"].as_py(), extremes["max"].as_py())
        if found[0] is None or not all(isinstance(v, int) for v in found):
            continue
        check.ranges_checked.append(col.name)
        if found[0] < low or found[1] > high:
            check.problems.append(f"{table.name}.{col.name}: values {found[0]}..{found[1]} outside its type's "
                                  f"range {low}..{high}")


def _footer_stats(files: list[Path], ranged: set[str]) -> dict[str, tuple[int | None, object, object]]:
    """column -> (NULLs, min, max) over all row groups of the Parquet files (None where unknown).

    Minima and maxima are read for the `ranged` columns only: reading a timestamp's or a
    decimal's statistic imports pandas (0.4 s), and only integer ranges are checked.
    """
    import pyarrow.parquet as pq

    out: dict[str, list] = {}
    for f in files:
        meta = pq.ParquetFile(f).metadata
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            for i in range(group.num_columns):
                column = group.column(i)
                name = column.path_in_schema
                st = column.statistics
                entry = out.setdefault(name, [0, None, None])
                if st is None or not st.has_null_count:
                    entry[0] = None
                elif entry[0] is not None:
                    entry[0] += st.null_count
                if name in ranged and st is not None and st.has_min_max:
                    lo, hi = st.min, st.max
                    entry[1] = lo if entry[1] is None else min(entry[1], lo)
                    entry[2] = hi if entry[2] is None else max(entry[2], hi)
    return {k: tuple(v) for k, v in out.items()}


def _limit(arrow: str, max_check_rows: int) -> int:
    """Fixed-width keys (integers, UUIDs) are cheap to read back: they get 40x the row limit."""
    return max_check_rows if arrow in ("string", "binary") else max_check_rows * 40
