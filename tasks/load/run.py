"""Load a generated output folder into PostgreSQL: create, truncate, COPY in FK order, sequences.

    load_output("out/shop", "postgresql://qa@127.0.0.1:5432/test", create=True)

Each table loads in its own transaction (a foreign-key cycle: its tables in one
transaction, with the cycle's constraints deferred to the commit), the tables of
one level of the foreign-key order in parallel. A table the database refuses is
rolled back and reported with the constraint and the offending row; tables
already loaded stay loaded, and tables that reference a failed one are skipped.
Tables this load created get their keys and indexes built after their rows, in
the same transaction (tasks/load/deferred.py); tables that existed keep theirs.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from blocks.database import Database
from tasks.load.copy import (
    COLUMNS_SQL,
    PgColumn,
    Rejection,
    TablePlan,
    copy_adbc,
    copy_csv,
    find_row,
    plan_table,
    rejection_from,
)
from tasks.load.ddl import Statement, kind_of, quote, schema_statements, spec_statements
from tasks.load.deferred import Deferred, deferrable_tables, put_back, take_off
from tasks.load.order import descendants, load_levels
from tasks.load.source import SOURCE_FILE, SourceRecord, read_source
from tasks.load.summary import LoadSummary, TableLoad
from tasks.memory import peak_rss_mib

log = logging.getLogger("qaflow.load")

_ALREADY_THERE = {"42P07", "42710", "42P06", "42P16"}  # duplicate table/object/schema, multiple primary keys


def resolve_database(target: str | Database) -> Database:
    """A Database block from a block, a postgresql:// URL, or the name of a saved block."""
    if isinstance(target, Database):
        return target
    if "://" in target:
        return Database.from_dsn(target)
    try:
        return Database.load(target)
    except ValueError:
        raise ValueError(f"no saved Database block named {target!r} (qaflow blocks, or Database(...).save)") from None


def _scrub(text: str, db: Database) -> str:
    secret = db.password.get_secret_value() if db.password else ""
    return text.replace(secret, "***") if secret else text


def table_files(out: Path, record: SourceRecord | None) -> dict[str, list[Path]]:
    """Part files per table, in the schema's table order when the folder has a source record."""
    from tasks.codegen.paths import table_folders

    names = [t.name for t in record.spec.tables] if record else sorted(
        p.name for p in out.iterdir() if p.is_dir() and any(p.glob("part-*")))
    folders = table_folders(names) if record else {name: name for name in names}
    found: dict[str, list[Path]] = {}
    for name in names:
        folder = out / folders[name]
        parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
        if not parts and folder.is_dir() and any(folder.glob("part-*")):
            raise ValueError(f"{folder}: load reads Parquet part files; generate with --format parquet")
        if parts:
            found[name] = parts
    if not found:
        raise FileNotFoundError(f"{out}: no generated tables (folders of part-*.parquet files)")
    return found


def _execute_all(conn: Any, statements: list[Statement], skip: set[str], where: str,
                 warnings: list[str]) -> list[str]:
    """Run each statement in a savepoint; PostgreSQL's refusals become warnings. Returns tables made."""
    import psycopg

    made = []
    for st in statements:
        if (st.table and st.table in skip) or (st.target and st.target in skip):
            continue
        try:
            with conn.transaction():
                conn.execute(st.sql)
        except psycopg.Error as exc:
            if exc.sqlstate in _ALREADY_THERE:
                continue
            place = f"{where} line {st.line}" if st.line else where
            message = exc.diag.message_primary or str(exc)
            warnings.append(f"{place}: {kind_of(st.sql)} skipped, PostgreSQL refused it: {message}")
            continue
        if st.table:
            made.append(st.table)
    return made


def create_tables(conn: Any, record: SourceRecord, files: dict[str, list[Path]], warnings: list[str]) -> list[str]:
    """Create the schema's tables that do not exist yet (and their types, sequences, constraints)."""
    existing = {name for name in files if _exists(conn, name)}
    where = Path(record.schema_path).name
    made: list[str] = []
    with conn.transaction():
        if record.kind == "sql":
            ddl = record.ddl if record.ddl is not None else Path(record.schema_path).read_text(encoding="utf-8-sig")
            statements, notes = schema_statements(ddl, record.dialect or "postgres")
            warnings.extend(f"{where}: {note}" for note in notes)
            made = _execute_all(conn, statements, existing, where, warnings)
        missing = [t.name for t in record.spec.tables if t.name not in existing and t.name not in made
                   and not _exists(conn, t.name)]
        if missing:
            if record.kind == "sql":
                warnings.append(f"{where}: built {', '.join(missing)} from the parsed schema instead "
                                "(PostgreSQL refused the CREATE TABLE as written)")
            arrow = {name: pq.read_schema(parts[0]) for name, parts in files.items()}
            if record.kind == "sql" and record.dialect == "postgres":  # the schema's own types where they exist
                quiet: list[str] = []
                made += _execute_all(conn, spec_statements(record.spec, arrow, set(missing), source_types=True),
                                     existing, where, quiet)
                missing = [name for name in missing if not _exists(conn, name)]
            made += _execute_all(conn, spec_statements(record.spec, arrow, set(missing)), existing,
                                 f"{where} (model)", warnings)
    return made


def _exists(conn: Any, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (quote(table),)).fetchone()[0]


def _columns(conn: Any, table: str) -> list[PgColumn]:
    rows = conn.execute(COLUMNS_SQL, (quote(table),)).fetchall()
    return [PgColumn(name=r[0], type=r[1], kind=r[2], category=r[3], not_null=r[4]) for r in rows]


def foreign_keys(conn: Any, tables: list[str]) -> tuple[dict[str, set[str]], list[tuple[str, str, str, bool]]]:
    """Parents of each table among `tables`, and every (child, parent, constraint, deferrable) between them."""
    oids = {conn.execute("SELECT %s::regclass::oid", (quote(t),)).fetchone()[0]: t for t in tables}
    rows = conn.execute("SELECT conrelid, confrelid, conname, condeferrable FROM pg_constraint "
                        "WHERE contype = 'f' AND conrelid = ANY(%s)", (list(oids),)).fetchall()
    edges: dict[str, set[str]] = {t: set() for t in tables}
    links = []
    for child, parent, name, deferrable in rows:
        if parent in oids:
            edges[oids[child]].add(oids[parent])
            links.append((oids[child], oids[parent], name, deferrable))
    return edges, links


def _failed(plan: TablePlan, exc: BaseException, db: Database, started: float) -> TableLoad:
    rejection = rejection_from(exc) if not isinstance(exc, ValueError | OSError) else Rejection(
        sqlstate=None, message=str(exc))
    try:
        find_row(plan, rejection)
    except Exception as err:  # the report must not hide the refusal
        log.debug("could not find the offending row of %s: %s", plan.table, err)
    return TableLoad(name=plan.table, status="failed", method=plan.method,
                     seconds=round(time.perf_counter() - started, 3),
                     error=_scrub(rejection.describe(plan.table), db), constraint=rejection.constraint,
                     offending_row=rejection.row)


def load_table(db: Database, plan: TablePlan, deferred: Deferred | None = None) -> TableLoad:
    """One table, one transaction: committed whole, or rolled back and reported.

    With `deferred`, the table's keys and indexes are built after its rows, in the same transaction.
    """
    started = time.perf_counter()
    try:
        if plan.method == "adbc":
            import adbc_driver_postgresql.dbapi as adbc

            with adbc.connect(db.conninfo()) as conn:
                rows = copy_adbc(conn, plan)
                if deferred:
                    with conn.cursor() as cur:
                        put_back(cur, deferred)
                conn.commit()
        else:
            import psycopg

            with psycopg.connect(db.conninfo()) as conn:
                rows = copy_csv(conn, plan)
                if deferred:
                    with conn.cursor() as cur:
                        put_back(cur, deferred)
                conn.commit()
        if deferred:
            deferred.restored = True
    except Exception as exc:  # a refusal by the database, or a value no column can take
        return _failed(plan, exc, db, started)
    seconds = time.perf_counter() - started
    return TableLoad(name=plan.table, status="loaded", rows=rows, method=plan.method, seconds=round(seconds, 3),
                     rows_per_s=round(rows / max(seconds, 1e-9)))


def load_cycle(db: Database, plans: list[TablePlan]) -> list[TableLoad]:
    """The tables of a foreign-key cycle in one transaction, their constraints checked at the commit."""
    import psycopg

    started = time.perf_counter()
    done: list[TableLoad] = []
    current = plans[0]
    try:
        with psycopg.connect(db.conninfo()) as conn:
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
            counts = {}
            for plan in plans:
                current = plan
                counts[plan.table] = copy_csv(conn, plan)
            current = plans[0]
            try:
                conn.commit()
            except psycopg.Error as exc:
                named = exc.diag.table_name
                current = next((p for p in plans if p.table == named), plans[0])
                raise
    except Exception as exc:
        failure = _failed(current, exc, db, started)
        return [failure] + [TableLoad(name=p.table, status="failed", method="csv",
                                      error=f"rolled back with {current.table} (same foreign-key cycle)")
                            for p in plans if p is not current]
    seconds = time.perf_counter() - started
    for plan in plans:
        done.append(TableLoad(name=plan.table, status="loaded", rows=counts[plan.table], method="csv",
                              seconds=round(seconds, 3), rows_per_s=round(counts[plan.table] / max(seconds, 1e-9))))
    return done


SEQUENCES_SQL = """
SELECT a.attname,
       COALESCE(pg_get_serial_sequence(%(table)s, a.attname),
                substring(pg_get_expr(d.adbin, d.adrelid) from 'nextval\\(''([^'']+)''::regclass\\)'))
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %(table)s::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
"""


def set_sequences(conn: Any, table: str) -> list[str]:
    """Set each sequence behind the table's columns past the largest loaded key."""
    done = []
    for column, sequence in conn.execute(SEQUENCES_SQL, {"table": quote(table)}).fetchall():
        if not sequence:
            continue
        value = conn.execute(
            f"SELECT setval(%(seq)s::regclass, GREATEST(m, COALESCE(pg_sequence_last_value(%(seq)s::regclass), 0)))"
            f" FROM (SELECT max({quote(column)})::bigint AS m FROM {quote(table)}) AS loaded WHERE m IS NOT NULL",
            {"seq": sequence}).fetchone()
        if value:
            done.append(f"{sequence} = {value[0]} ({table}.{column})")
    return done


def load_output(out_dir: str | Path, target: str | Database, *, create: bool = False, truncate: bool = False,
                parallel: int = 2, method: str = "auto", keys_after: bool = True,
                logger: logging.Logger | Any = None) -> LoadSummary:
    """Load every table of a generated output folder into the database `target` (block, name or URL).

    `keys_after`: tables this load created get their keys and indexes built after their rows
    (tasks/load/deferred.py); tables that existed keep theirs during the load.
    """
    logger = logger or log
    started = time.perf_counter()
    out = Path(out_dir).expanduser().resolve()
    if method not in ("auto", "adbc", "csv"):
        raise ValueError(f"method must be auto, adbc or csv, got {method!r}")
    db = resolve_database(target)
    record = read_source(out) if create or (out / SOURCE_FILE).is_file() else None
    files = table_files(out, record)
    summary = LoadSummary(out_dir=str(out), database=db.describe(), truncated=truncate)

    import psycopg

    try:
        control = psycopg.connect(db.conninfo(), autocommit=True)
    except psycopg.Error as exc:
        raise ConnectionError(f"cannot connect to {db.describe()}: {_scrub(str(exc).strip(), db)}") from None
    with control:
        if create:
            summary.created = create_tables(control, record, files, summary.warnings)
            if summary.created:
                logger.info("created %s", ", ".join(summary.created))
        missing = [t for t in files if not _exists(control, t)]
        for name in missing:
            summary.tables.append(TableLoad(name=name, status="failed",
                                            error=f"{name}: no such table in {db.describe()} (load with --create)"))
        names = [t for t in files if t not in missing]
        edges, links = foreign_keys(control, names) if names else ({}, [])
        if truncate and names:
            try:
                control.execute("TRUNCATE " + ", ".join(quote(t) for t in names))
            except psycopg.Error as exc:
                raise RuntimeError(f"cannot empty {', '.join(names)} in {db.describe()}: "
                                   f"{exc.diag.message_primary} ({exc.diag.message_detail or ''})") from None
        plans: dict[str, TablePlan] = {}
        for name in names:
            try:
                plans[name] = plan_table(name, files[name], _columns(control, name), method)
            except (ValueError, OSError) as exc:
                summary.tables.append(TableLoad(name=name, status="failed", error=str(exc)))
        failed = {t.name for t in summary.tables}
        levels = load_levels(edges)
        cycles = {t for level in levels for group in level if len(group) > 1 for t in group}
        deferred: dict[str, Deferred] = {}
        if create and keys_after and summary.created:
            deferred = take_off(control, deferrable_tables([t for t in summary.created if t in plans],
                                                           edges, cycles))
        try:
            _load_levels(db, control, levels, edges, links, plans, failed, deferred, parallel, summary, logger)
        finally:  # whatever happened, no table this load created is left without its keys
            flat = [t for level in levels for group in level for t in group]
            for name in sorted(deferred, key=flat.index):
                _restore(control, deferred[name], summary)
    order = {name: i for i, name in enumerate(files)}
    summary.tables.sort(key=lambda t: order.get(t.name, len(order)))
    summary.rows = sum(t.rows for t in summary.tables if t.status == "loaded")
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.rows_per_s = round(summary.rows / max(summary.seconds, 1e-9))
    summary.peak_rss_mib = round(peak_rss_mib(), 1)
    for warning in summary.warnings:
        logger.warning("%s", warning)
    return summary


def _make_deferrable(conn: Any, groups: list[list[str]], links: list[tuple[str, str, str, bool]],
                     summary: LoadSummary) -> set[str]:
    """Cycles load with their foreign keys deferred: make the ones --create made deferrable."""
    cyclic: set[str] = set()
    for group in groups:
        if len(group) < 2:
            continue
        members = set(group)
        cyclic |= members
        for child, parent, name, deferrable in links:
            if deferrable or child not in members or parent not in members:
                continue
            if child in summary.created:
                conn.execute(f"ALTER TABLE {quote(child)} ALTER CONSTRAINT {quote(name)} DEFERRABLE INITIALLY IMMEDIATE")
                summary.warnings.append(f"{child}.{name} made DEFERRABLE to load the cycle {' -> '.join(group)}")
            else:
                summary.warnings.append(f"{child}.{name} is part of the cycle {' -> '.join(group)} but not "
                                        "DEFERRABLE: the load will fail unless each row's parent is loaded first")
    return cyclic


def _restore(control: Any, item: Deferred, summary: LoadSummary) -> None:
    """Put back the keys of a table that did not load (it is empty, so this is quick)."""
    if item.restored:
        return
    import psycopg

    try:
        with control.transaction(), control.cursor() as cur:
            put_back(cur, item)
        item.restored = True
    except psycopg.Error as exc:
        summary.warnings.append(f"{item.table}: could not put back its keys and indexes "
                                f"({exc.diag.message_primary}); statements: {'; '.join(item.statements())}")


def _load_levels(db: Database, control: Any, levels: list[list[list[str]]], edges: dict[str, set[str]],
                 links: list[tuple[str, str, str, bool]], plans: dict[str, TablePlan], failed: set[str],
                 deferred: dict[str, Deferred], parallel: int, summary: LoadSummary, logger: Any) -> None:
    """Each level's groups in parallel; a table that did not load gets its keys back (empty) at once."""
    for name in sorted(failed & set(deferred)):
        _restore(control, deferred[name], summary)
    for level in levels:
        groups = []
        for group in level:
            blocked = sorted(descendants(edges, failed) & set(group)) or [t for t in group if t in failed]
            if blocked:
                for name in group:
                    if name not in failed:
                        parents = sorted(p for p in edges[name] if p in failed or p in blocked)
                        summary.tables.append(TableLoad(
                            name=name, status="skipped",
                            error=f"{name}: not loaded, it references {', '.join(parents) or 'a table'} "
                                  "that did not load"))
                        failed.add(name)
                    if name in deferred:
                        _restore(control, deferred[name], summary)
                continue
            groups.append(group)
        cyclic = _make_deferrable(control, groups, links, summary)
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            futures = [pool.submit(load_table, db, plans[g[0]], deferred.get(g[0]))
                       if len(g) == 1 and g[0] not in cyclic
                       else pool.submit(load_cycle, db, [plans[t] for t in g]) for g in groups]
            for future in futures:
                results = future.result()
                for result in results if isinstance(results, list) else [results]:
                    summary.tables.append(result)
                    if result.status == "loaded":
                        logger.info("loaded %s: %s rows in %.2f s (%s rows/s, %s)", result.name,
                                    f"{result.rows:,}", result.seconds, f"{result.rows_per_s:,.0f}",
                                    result.method)
                        summary.sequences += set_sequences(control, result.name)
                    else:
                        failed.add(result.name)
                        logger.error("%s", result.error)
                        if result.name in deferred:
                            _restore(control, deferred[result.name], summary)
