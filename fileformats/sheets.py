"""A spreadsheet's sheet names and rows, read by the library that fits the file's size.

python-calamine (Rust) reads a sheet three to four times faster than openpyxl, but it holds
the whole sheet in memory: ~1.9 bytes of RSS per byte of sheet XML, 474 MB for a 20 MB XLSX
of 676,000 rows (its XML is 253 MB; bench/uploads.py). An XLSX whose sheets' XML is larger
than ``STREAM_ABOVE`` is therefore read by openpyxl's read-only mode, which parses the XML as
it goes (81 MB for the same file, 35 s instead of 8.5 s). XLS files are at most 65,536 rows,
so calamine always reads them. Both give a cell's text alike (``cell_text``).

    sheet = chosen_sheet(sheet_names(path, "xlsx"), None)      # the first sheet, or the one named
    for row, cells in sheet_rows(path, "xlsx", sheet): ...     # 1-based sheet row, values
    for row, texts in table_rows(path, "xlsx", sheet): ...     # the header, then its rows as text
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

from fileformats.errors import FileFormatError

STREAM_ABOVE = 64 * 1024 * 1024  # bytes of uncompressed sheet XML: ~120 MB of calamine's RSS


def streamed(path: Path, kind: str) -> bool:
    """Whether the workbook is too big for calamine's in-memory sheets."""
    if kind != "xlsx":
        return False
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    big = sum(p.file_size for p in parts if p.filename.startswith("xl/worksheets/"))
    return big + sum(p.file_size for p in parts if p.filename == "xl/sharedStrings.xml") > (
        STREAM_ABOVE
    )


def sheet_names(path: Path, kind: str) -> list[str]:
    if streamed(path, kind):
        with _open_streaming(path) as book:
            return list(book.sheetnames)
    return list(_open_calamine(path).sheet_names)


def chosen_sheet(names: list[str], sheet: str | None) -> str:
    """The sheet named ``sheet``, or the first one, among the workbook's ``names``."""
    if sheet is not None and sheet not in names:
        listed = ", ".join(names)
        raise FileFormatError(f"has no sheet named {sheet!r} (its sheets: {listed})")
    chosen = sheet or (names[0] if names else None)
    if chosen is None:
        raise FileFormatError("is a workbook without sheets")
    return chosen


def table_rows(path: Path, kind: str, sheet: str) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows that are not blank, as text (``cell_text``): the header first, without
    its empty trailing cells, then each row as wide as the header."""
    width: int | None = None
    for row, cells in sheet_rows(path, kind, sheet):
        texts = [cell_text(c) for c in cells]
        if not any(t.strip() for t in texts):
            continue
        if width is None:
            while texts and texts[-1].strip() == "":
                texts.pop()
            width = len(texts)
        else:
            texts = texts[:width] + [""] * (width - len(texts))
        yield row, texts


def cell_text(value: Any) -> str:
    """A cell as the text a CSV cell would hold, for coercion by declared type: 12.0 -> "12",
    dates and times ISO 8601, booleans true/false, empty cells "". A datetime at midnight is its
    date: calamine reads a date cell as a date, openpyxl as a datetime at midnight."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    return str(value)


def sheet_rows(path: Path, kind: str, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows from its first used one, each with its 1-based row number; cells as
    the library gives them (numbers, dates, booleans, text, None), formulas as their cached
    value."""
    try:
        if streamed(path, kind):
            yield from _streaming_rows(path, sheet)
        else:
            yield from _calamine_rows(path, sheet)
    except FileFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - both libraries raise their own kinds per damage
        raise FileFormatError(f"is a damaged spreadsheet ({exc})") from None


def _open_calamine(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own kinds per format
        raise FileFormatError(f"is a damaged spreadsheet ({exc})") from None


@contextmanager
def _open_streaming(path: Path) -> Iterator[Any]:
    # A file object, not the path: openpyxl refuses a path without an .xlsx suffix, and
    # uploads are read from nameless temporary files.
    with open(path, "rb") as file:
        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises zip, XML and key errors
            raise FileFormatError(f"is a damaged spreadsheet ({exc})") from None
        try:
            yield book
        finally:
            book.close()


def _calamine_rows(path: Path, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    data = _open_calamine(path).get_sheet_by_name(sheet)
    first = data.start[0] + 1 if data.start else 1
    yield from enumerate(data.iter_rows(), start=first)


def _streaming_rows(path: Path, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    with _open_streaming(path) as book:
        data = book[sheet]
        # The sheet's recorded dimension, as calamine's range: rows and columns before the first
        # used cell are not read (a header in B3 is the header, not a row of empty cells).
        first_row, first_col = data.min_row or 1, data.min_column or 1
        rows = data.iter_rows(min_row=first_row, min_col=first_col, values_only=True)
        for row, cells in enumerate(rows, start=first_row):
            yield row, list(cells)
