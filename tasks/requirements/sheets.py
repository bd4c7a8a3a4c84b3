"""Test-case sheets: .xlsx (openpyxl), .xls (xlrd) and .csv.

Every sheet of a workbook is read; merged cells take the value of their
top-left cell, so a Feature or ID merged over several rows applies to each.
A sheet without a recognisable header is an error for that sheet only.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from tasks.requirements.model import ReadResult, RequirementError
from tasks.requirements.table import TableSource, read_table

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def xlsx_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    """(sheet name, rows) for every worksheet, merged cells filled."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from tasks.documents import DocumentError, ReadLimits, check_package, read_file

    # Read once, without following links, and measured before openpyxl inflates it:
    # a shared workbook can be a zip bomb (see docs/security.md).
    limits = ReadLimits.from_settings()
    try:
        data = read_file(path, max_bytes=limits.max_file_bytes).data
        if data[:8] == _OLE_MAGIC:
            raise RequirementError(
                f"{path}: the workbook is password-protected (encrypted); save it without a password"
            )
        check_package(path, data, "xlsx", limits)
    except DocumentError as exc:
        raise RequirementError(str(exc)) from None
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RequirementError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for merged in sheet.merged_cells.ranges:
                value = _text(sheet.cell(merged.min_row, merged.min_col).value)
                for r in range(merged.min_row, merged.max_row + 1):
                    for c in range(merged.min_col, merged.max_col + 1):
                        if r - 1 < len(rows):
                            row = rows[r - 1]
                            row.extend([""] * (c - len(row)))
                            row[c - 1] = value
            tables.append((sheet.title, rows))
    finally:
        workbook.close()
    return tables


def xls_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except xlrd.XLRDError as exc:
        message = str(exc)
        if "encrypt" in message.lower():
            raise RequirementError(f"{path}: the workbook is password-protected (encrypted); save it without a password") from None
        raise RequirementError(f"{path}: not a readable .xls workbook ({message})") from None
    except (OSError, ValueError, AssertionError, IndexError) as exc:
        raise RequirementError(f"{path}: not a readable .xls workbook ({type(exc).__name__}: {exc})") from None
    tables = []
    for sheet in book.sheets():
        rows = [[_text(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        for rlo, rhi, clo, chi in sheet.merged_cells:
            value = rows[rlo][clo]
            for r in range(rlo, rhi):
                for c in range(clo, chi):
                    rows[r][c] = value
        tables.append((sheet.name, rows))
    return tables


def csv_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp949", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise RequirementError(f"{path}: binary data in a .csv file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [(path.stem, [list(row) for row in csv.reader(io.StringIO(text), dialect)])]


READERS = {".xlsx": xlsx_tables, ".xlsm": xlsx_tables, ".xls": xls_tables, ".csv": csv_tables}


def read_sheet(path: Path) -> ReadResult:
    """Every sheet of a workbook (or the one table of a CSV) -> requirements."""
    result = ReadResult(path=str(path))
    for name, rows in READERS[path.suffix.lower()](path):
        label = f"sheet '{name}'"
        read_table(rows, TableSource(file=str(path), label=label, group=name), result)
    return result
