"""A workbook reads the same whichever library reads it: calamine in memory, or openpyxl
streaming a sheet too big for it (the server picks by size; the client splits either way)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fileformats import sheets
from fileformats.errors import FileFormatError
from tests.support.files import xlsx

ROWS = [
    ["code", "pieces", "weight", "since", "at", "do_not_ship", "note", None],
    [None, None, None, None, None, None, None, None],
    ["A", 12, 12.0, dt.date(2026, 12, 4), dt.datetime(2026, 12, 4, 9, 30), True, "x", None],
    ["B", 3, 0.25, dt.datetime(2025, 1, 31), None, False, None],
    ["C", 1234567890123, 1e20, None, None, None, "a,b", "past the header"],
]
TEXTS = [
    (1, ["code", "pieces", "weight", "since", "at", "do_not_ship", "note"]),
    (3, ["A", "12", "12", "2026-12-04", "2026-12-04T09:30:00", "true", "x"]),
    (4, ["B", "3", "0.25", "2025-01-31", "", "false", ""]),
    (5, ["C", "1234567890123", "100000000000000000000", "", "", "", "a,b"]),
]


@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "openpyxl"])
def test_both_readers_give_the_same_text(tmp_path: Path, monkeypatch, streamed: bool):
    if streamed:
        monkeypatch.setattr(sheets, "STREAM_ABOVE", 0)
    path = tmp_path / "book"  # no suffix: uploads are nameless temporary files
    path.write_bytes(xlsx({"Artikel": ROWS, "Other": [["ignored"]]}))
    assert sheets.streamed(path, "xlsx") is streamed
    sheet = sheets.chosen_sheet(sheets.sheet_names(path, "xlsx"), None)
    assert sheet == "Artikel"
    assert list(sheets.table_rows(path, "xlsx", sheet)) == TEXTS


def test_a_sheet_that_is_not_there_is_named_with_the_sheets_there():
    with pytest.raises(FileFormatError, match=r"has no sheet named 'Nope' \(its sheets: A, B\)"):
        sheets.chosen_sheet(["A", "B"], "Nope")
    with pytest.raises(FileFormatError, match="is a workbook without sheets"):
        sheets.chosen_sheet([], None)
