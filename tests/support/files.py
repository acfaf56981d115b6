"""Real files for upload and analysis tests, written by the test suite's own code."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook of the given sheets (name -> rows). A cell "=..." is a formula whose cached
    value is 3, a (formula, value) tuple a formula with that cached value, a date a date cell."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, tuple):
                    sheet.write_formula(r, c, value[0], None, value[1])
                elif isinstance(value, str) and value.startswith("="):
                    sheet.write_formula(r, c, value, None, 3)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, dates)
                else:
                    sheet.write(r, c, value)
    book.close()
    return out.getvalue()
