"""Delimited text (RFC 4180 CSV, TSV, semicolons…) read record by record, each with the line
it starts on (a quoted cell may span lines), blank lines skipped, a record that cannot be read
told in words a person understands:

    for record in records(text, ","): ...   # Record(line, cells, error)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import NamedTuple

CSV_ERRORS = {
    "unexpected end of data": "a quoted cell is not closed before the end of the file",
}


class Record(NamedTuple):
    line: int  # where the record starts (1-based)
    cells: list[str]  # empty when the record could not be read
    error: str | None = None  # why it could not be read


def records(text: Iterable[str], delimiter: str) -> Iterator[Record]:
    """Every non-blank record of ``text`` (a file opened with ``newline=""``), header included;
    a record ``csv`` cannot read is one with an error, and reading goes on after it."""
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(line, [], problem(str(exc), delimiter))
        else:
            if any(c.strip() for c in cells):  # blank lines (and lines of delimiters) are skipped
                yield Record(line, cells)
        line = reader.line_num + 1


def problem(message: str, delimiter: str) -> str:
    """``csv``'s message in a person's words."""
    if message == f"'{delimiter}' expected after '\"'":
        shown = {",": "a comma", "\t": "a tab"}.get(delimiter, f"'{delimiter}'")
        return f"a closing quote must be followed by {shown} or a line end"
    return CSV_ERRORS.get(message, message)
