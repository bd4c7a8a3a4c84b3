"""Load generated mock data into PostgreSQL: create, truncate, COPY in FK order, check.

    source.py   which schema an output folder came from (source.json, written by generate)
    ddl.py      the CREATE statements the schema defines (DDL as written, or built from the model)
    order.py    foreign-key order: levels of independent tables, cycles together
    copy.py     COPY of one table: ADBC binary or psycopg text, and what a refusal says
    deferred.py keys and indexes of tables the load created, built after their rows
    run.py      load_output(): the whole load, one transaction per table
    summary.py  LoadSummary / TableLoad
    steps.py    load_mockdata, the thin Prefect task (importing this package does not import Prefect)
"""

from __future__ import annotations

from tasks.load.run import load_output, resolve_database
from tasks.load.source import SOURCE_FILE, read_source, record_source
from tasks.load.summary import LoadSummary, TableLoad

__all__ = ["SOURCE_FILE", "LoadSummary", "TableLoad", "load_output", "read_source", "record_source",
           "resolve_database"]
