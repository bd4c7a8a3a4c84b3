"""Dates, timestamps and times in ranges, and dates that follow another column of
the same row (shipped after ordered).
"""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import num_array, numpy_of
from tasks.generators.registry import generator

US_PER_DAY = 86_400_000_000  # spelt out inside generators: a rendered module copies functions only


def day_number(value, default):
    """Days since 1970-01-01 for an ISO date, datetime or day number."""
    if value is None:
        value = default
    if isinstance(value, int | float):
        return int(value)
    return int(np.datetime64(str(value)[:10], "D").astype(np.int64))


def micro_number(value, default):
    """Microseconds since the epoch (UTC) for an ISO date or datetime, with or without an offset."""
    if value is None:
        value = default
    text = str(value).replace("Z", "").replace(" ", "T")
    offset = 0
    if len(text) > 19 and text[-6] in "+-" and text[-3] == ":":  # 2022-01-01T00:00:00+01:00
        sign = 1 if text[-6] == "+" else -1
        offset = sign * (int(text[-5:-3]) * 3600 + int(text[-2:]) * 60) * 1_000_000
        text = text[:-6]
    return int(np.datetime64(text, "us").astype(np.int64)) - offset


@generator("temporal.date", output="date32", fits=("date",),
           params={"min": "2020-01-01", "max": "2026-01-01"}, helpers=(day_number,))
def gen_date(b, p):
    """Date uniformly between min and max (inclusive)."""
    lo, hi = day_number(p["min"], "2020-01-01"), day_number(p["max"], "2026-01-01")
    return num_array(b.rng.integers(lo, hi + 1, b.n), "date32")


def timestamp_type(p):
    """`timestamp[us]`, or `timestamp[us, tz=UTC]` for a column with a time zone (SQL timestamptz)."""
    return "timestamp[us, tz=UTC]" if p.get("tz") else "timestamp[us]"


@generator("temporal.datetime", output=timestamp_type, fits=("datetime",),
           params={"min": "2020-01-01T00:00:00", "max": "2026-01-01T00:00:00", "tz": None},
           helpers=(micro_number, timestamp_type))
def gen_datetime(b, p):
    """Timestamp (microseconds) uniformly between min and max, whole seconds, with its time of day."""
    lo = micro_number(p["min"], "2020-01-01") // 1_000_000
    hi = micro_number(p["max"], "2026-01-01") // 1_000_000
    return num_array(b.rng.integers(lo, hi + 1, b.n) * 1_000_000, timestamp_type(p))


@generator("temporal.time", output="time64[us]", fits=("time",),
           params={"min_hour": 0, "max_hour": 24})
def gen_time(b, p):
    """Time of day (whole seconds) between min_hour and max_hour."""
    lo, hi = int(p["min_hour"]) * 3600, int(p["max_hour"]) * 3600 - 1
    return num_array(b.rng.integers(lo, hi + 1, b.n) * 1_000_000, "time64[us]")


@generator("temporal.date_after", output="date32", fits=("date",),
           params={"after": None, "min_days": 0, "max_days": 30, "min": "2020-01-01", "max": "2026-01-01"},
           depends=("after",), helpers=(day_number,))
def gen_date_after(b, p):
    """Date 0..N days after another date column of the row (or after `min` without one)."""
    base = b.cols.get(p["after"]) if p.get("after") else None
    if base is not None and str(base.type) == "date32[day]":
        start = numpy_of(base).astype(np.int64)
    elif base is not None:
        start = numpy_of(base).astype(np.int64) // 86_400_000_000
    else:
        start = np.full(b.n, day_number(p["min"], "2020-01-01"), dtype=np.int64)
    return num_array(start + b.rng.integers(int(p["min_days"]), int(p["max_days"]) + 1, b.n), "date32")


@generator("temporal.datetime_after", output=timestamp_type, fits=("datetime",),
           params={"after": None, "min_seconds": 0, "max_seconds": 7 * 86400,
                   "min": "2020-01-01T00:00:00", "tz": None}, depends=("after",),
           helpers=(micro_number, timestamp_type))
def gen_datetime_after(b, p):
    """Timestamp a few seconds to days after another date/timestamp column of the row."""
    base = b.cols.get(p["after"]) if p.get("after") else None
    if base is not None and str(base.type) == "date32[day]":
        start = numpy_of(base).astype(np.int64) * 86_400_000_000
    elif base is not None:
        start = numpy_of(base).astype(np.int64)
    else:
        start = np.full(b.n, micro_number(p["min"], "2020-01-01"), dtype=np.int64)
    delta = b.rng.integers(int(p["min_seconds"]), int(p["max_seconds"]) + 1, b.n) * 1_000_000
    return num_array(start + delta, timestamp_type(p))


@generator("temporal.year", output="int64", fits=("integer",), params={"min": 1990, "max": 2026})
def gen_year(b, p):
    """Calendar year."""
    return num_array(b.rng.integers(int(p["min"]), int(p["max"]) + 1, b.n), "int64")
