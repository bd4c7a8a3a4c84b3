"""Spreadsheets and CSV as text tables: every sheet a heading, every row `a | b | c`.

Rows keep their source row numbers (Table.row_numbers), so the bdd readers can
name the sheet and row of a bad cell. Merged cells are filled with the value of
their top-left cell in every position they cover: a test-case sheet that merges
"Feature" over ten rows means that feature for each of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from tasks.documents.archive import check_package
from tasks.documents.builder import DocumentBuilder
from tasks.documents.errors import DocumentError

MERGE_REF = re.compile(r"^([A-Z]+)(\d+):([A-Z]+)(\d+)$")
CSV_DELIMITERS = ",;\t|"
MAX_CELL_CHARS = 16 * 1024 * 1024


def cell_text(value: object) -> str:
    """A cell value as a person reads it: 3 not 3.0, a date without 00:00:00."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def _trim(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row.pop()
    return row


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+\d+:[A-Z]+\d+)\"")
SCAN_CHUNK = 1 << 20


def _merged_ranges(source) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of each <mergeCell>, from the raw sheet XML.

    A byte scan, not an XML parse: the merge list sits after the cell data, and
    parsing every cell a second time just to reach it doubled the read time.
    """
    ranges = []
    tail = b""
    while True:
        chunk = source.read(SCAN_CHUNK)
        if not chunk:
            break
        data = tail + chunk
        last_end = 0
        for match in MERGE_CELL.finditer(data):
            ref = MERGE_REF.match(match.group(1).decode("ascii"))
            if ref:
                ranges.append((int(ref.group(2)), _column_number(ref.group(1)),
                               int(ref.group(4)), _column_number(ref.group(3))))
            last_end = match.end()
        # Keep an unfinished tag for the next chunk, never a match already counted.
        tail = data[max(last_end, len(data) - 256):]
    return ranges


class _MergeFiller:
    """Fills the covered cells of merged ranges as rows stream by (rows in order)."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]) -> None:
        self.ranges = sorted(ranges)
        self.values: dict[tuple[int, int, int, int], str] = {}

    def fill(self, row_number: int, row: list[str]) -> list[str]:
        for merged in self.ranges:
            min_row, min_col, max_row, max_col = merged
            if min_row > row_number:
                break
            if row_number > max_row:
                continue
            if row_number == min_row:
                self.values[merged] = row[min_col - 1] if min_col - 1 < len(row) else ""
            value = self.values.get(merged, "")
            if len(row) < max_col:
                row.extend([""] * (max_col - len(row)))
            for column in range(min_col - 1, max_col):
                row[column] = value
        return row


def _emit_sheet(builder: DocumentBuilder, name: str, numbered_rows: list[tuple[int, list[str]]]) -> None:
    builder.heading(1, name)
    if not numbered_rows:
        builder.warn(f"{builder.path}: sheet {name!r} is empty")
    else:
        builder.table([row for _, row in numbered_rows], name=name,
                      row_numbers=[number for number, _ in numbered_rows])


def read_xlsx(path: Path, data: bytes, builder: DocumentBuilder) -> None:
    """Every sheet of a workbook, streamed (openpyxl read-only), formulas as cached values."""
    import zipfile

    from openpyxl import load_workbook

    check_package(path, data, "xlsx")  # sizes and ratios first: nothing inflates a bomb
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        raise _encrypted_or_corrupt(path, data, "xlsx") from exc
    try:
        for sheet in workbook.worksheets:
            try:
                with sheet._get_source() as source:
                    filler = _MergeFiller(_merged_ranges(source))
                sheet.reset_dimensions()
                rows: list[tuple[int, list[str]]] = []
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    row = filler.fill(number, [cell_text(value) for value in values])
                    if any(row):
                        rows.append((number, _trim(row)))
            except Exception as exc:
                raise DocumentError(path, f"sheet {sheet.title!r}: {type(exc).__name__}: {exc}") from exc
            _emit_sheet(builder, sheet.title, rows)
    finally:
        workbook.close()


def read_xls(path: Path, data: bytes, builder: DocumentBuilder) -> None:
    """Legacy .xls workbooks (xlrd), merged cells filled."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except NotImplementedError:  # formatting_info is not supported for some files
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        raise DocumentError(path, f"cannot read xls: {exc}") from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            ranges = [(r0 + 1, c0 + 1, r1, c1) for r0, r1, c0, c1 in getattr(sheet, "merged_cells", [])]
            filler = _MergeFiller(ranges)
            rows = []
            for number in range(sheet.nrows):
                values = []
                for cell in sheet.row(number):
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(value)
                    values.append(cell_text(value))
                row = filler.fill(number + 1, values)
                if any(row):
                    rows.append((number + 1, _trim(row)))
            _emit_sheet(builder, sheet.name, rows)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def csv_delimiter(text: str, suffix: str = ".csv") -> str:
    """The delimiter the header line uses most: `,` `;` tab or `|` (Excel in many European
    and Korean locales writes `;`). The header decides because later lines may hold quoted
    JSON full of commas; csv.Sniffer guessed wrong on those."""
    if suffix == ".tsv":
        return "\t"
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in CSV_DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_csv(text: str, builder: DocumentBuilder) -> None:
    """A CSV (or TSV) file as one table; records keep the line number they end on."""
    delimiter = csv_delimiter(text, Path(builder.path).suffix.lower())
    rows: list[tuple[int, list[str]]] = []
    # A Body cell may hold a large JSON document; the csv module's default cap is 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for values in reader:
            row = _trim([value.strip() for value in values])
            if row:
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise DocumentError(builder.path, f"line {reader.line_num}: {exc}") from exc
    if rows:
        builder.table([row for _, row in rows], row_numbers=[number for number, _ in rows])


def _encrypted_or_corrupt(path: Path, data: bytes, kind: str) -> DocumentError:
    """Office files protected by a password are OLE containers, not ZIPs: say so."""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
        return DocumentError(path, f"password-protected {kind} (encrypted Office file)")
    return DocumentError(path, f"corrupt {kind}: not a valid ZIP package")
