"""An uploaded file, opened: its detected format, encoding, delimiter and sheets, and its
records one at a time, each with the line (text) or sheet row (spreadsheet) it starts on.

    source = open_source(path, "prices.csv")   # a plain file: gunzip it first (``gunzip``)
    source.header                              # the first record's cells (tabular formats)
    for record in source.records(): ...       # Record(line, values or raw JSON, error)

Made for imports and for an analysis alike: nothing here knows a resource type. Text is read
through ``csv`` line by line and spreadsheets row by row, so memory does not grow with the file
(except a JSON array, which ``json`` reads whole; NDJSON is the format for big JSON files).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from bulk.sources import detect
from bulk.sources.detect import SourceError
from bulk.sources.sheets import sheet_names, sheet_rows

FORMATS = ("csv", "tsv", "xlsx", "xls", "json", "ndjson")
TABULAR = ("csv", "tsv", "xlsx", "xls")


class Record(NamedTuple):
    line: int  # 1-based line (text) or sheet row (spreadsheet) the record starts on
    values: Any  # header -> cell text (tabular), or the JSON value (json, ndjson)
    error: str | None = None  # the record could not be read
    code: str | None = None  # what kind of problem (an analysis reports it): CSV_UNBALANCED_QUOTE


class HeaderProblem(NamedTuple):
    """A header cell a lenient open (an analysis) renamed instead of refusing the file."""

    code: str  # DUPLICATE_HEADER | EMPTY_HEADER
    line: int
    column: int  # 1-based
    name: str  # the name the column is read under


def gunzip(source: IO[bytes], target: IO[bytes]) -> bool:
    """Copies ``source`` to ``target``, decompressed if it is gzipped; whether it was."""
    head = source.read(2)
    source.seek(0)
    if detect.is_gzip(head):
        try:
            with gzip.GzipFile(fileobj=source, mode="rb") as unpacked:
                shutil.copyfileobj(unpacked, target, 1024 * 1024)
        except (OSError, EOFError) as exc:
            raise SourceError(f"is a damaged gzip file ({exc})") from None
        return True
    shutil.copyfileobj(source, target, 1024 * 1024)
    return False


@dataclass
class Source:
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None
    header: list[str] = field(default_factory=list)
    header_line: int = 1
    header_problems: list[HeaderProblem] = field(default_factory=list)

    def records(self) -> Iterator[Record]:
        """The data records, header excluded; blank lines and rows are skipped."""
        if self.format in ("xlsx", "xls"):
            return self._sheet_records()
        if self.format == "json":
            return self._json_records()
        if self.format == "ndjson":
            return self._ndjson_records()
        return self._text_records()

    def _text_records(self) -> Iterator[Record]:
        with open(self.path, encoding=self.encoding, errors="replace", newline="") as text:
            reader = csv.reader(text, delimiter=self.delimiter or ",", strict=True)
            line, first = 1, True
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    problem = csv_problem(str(exc), self.delimiter or ",")
                    yield Record(line, None, problem, "CSV_UNBALANCED_QUOTE")
                else:
                    if not any(c.strip() for c in cells):
                        pass  # blank lines (and lines of delimiters) are skipped
                    elif first:
                        first = False
                    else:
                        yield self._tabular(line, cells)
                line = reader.line_num + 1

    def _tabular(self, line: int, cells: list[str]) -> Record:
        width = len(self.header)
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]  # the header's empty trailing columns
        if len(cells) != width:
            found = f"expected {len(self.header)} cells, found {len(cells)}"
            return Record(line, None, found, "CSV_INCONSISTENT_RECORD_LENGTH")
        return Record(line, dict(zip(self.header, cells, strict=True)))

    def _sheet_records(self) -> Iterator[Record]:
        first = True
        for row, cells in sheet_rows(self.path, self.format, self.sheet or self.sheet_names[0]):
            texts = [cell_text(c) for c in cells]
            if not any(t.strip() for t in texts):
                continue
            if first:
                first = False
                continue
            texts = texts[: len(self.header)] + [""] * (len(self.header) - len(texts))
            yield Record(row, dict(zip(self.header, texts, strict=True)))

    def _json_records(self) -> Iterator[Record]:
        with open(self.path, encoding=self.encoding) as text:
            try:
                data = json.load(text)
            except ValueError as exc:
                raise SourceError(f"is not valid JSON: {exc}") from None
        if not isinstance(data, list):
            raise SourceError("is a JSON value but not an array of objects")
        for position, value in enumerate(data, start=1):
            yield Record(position, value)

    def _ndjson_records(self) -> Iterator[Record]:
        with open(self.path, encoding=self.encoding) as text:
            for line, content in enumerate(text, start=1):
                if not content.strip():
                    continue
                try:
                    yield Record(line, json.loads(content))
                except ValueError as exc:
                    yield Record(line, None, f"is not valid JSON ({exc})", "INVALID_JSON")


CSV_ERRORS = {
    "unexpected end of data": "a quoted cell is not closed before the end of the file",
}


def csv_problem(message: str, delimiter: str) -> str:
    shown = "a tab" if delimiter == "\t" else f"'{delimiter}'"
    if message == f"'{delimiter}' expected after '\"'":
        return f"a closing quote must be followed by {shown} or a line end"
    return CSV_ERRORS.get(message, message)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV cell would hold, for coercion by declared type:
    12.0 -> "12", dates ISO 8601, booleans true/false, empty cells ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    return str(value)


def open_source(
    path: Path, name: str | None = None, sheet: str | None = None, lenient: bool = False
) -> Source:
    """Detects what the (plain, not gzipped) file at ``path`` is; a SourceError if it is not
    something an import reads, or its header is unusable (``lenient``: an empty or repeated
    header name is renamed and listed in ``header_problems`` instead, for an analysis)."""
    with open(path, "rb") as f:
        sample = f.read(detect.SAMPLE)
    if not sample.strip():
        raise SourceError("is empty")
    kind = detect.binary_format(path, sample[:8], name)
    if kind is not None:
        return _spreadsheet(path, kind, sheet, lenient)
    encoding = detect.encoding(sample, name)
    text = sample.decode(encoding, errors="ignore")
    kind = detect.text_format(text)
    if kind != "delimited":
        return Source(path, kind, encoding=encoding)
    first_line = text.lstrip("\ufeff").lstrip("\r\n").split("\n", 1)[0]
    delimiter = detect.delimiter(first_line, name)
    source = Source(path, "tsv" if delimiter == "\t" else "csv", encoding, delimiter)
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
        except csv.Error as exc:
            problem = csv_problem(str(exc), delimiter)
            raise SourceError(f"line {reader.line_num}: {problem}") from None
        source.header_line = reader.line_num
    source.header = _header(header, source.header_line, source.header_problems, lenient)
    return source


def _spreadsheet(path: Path, kind: str, sheet: str | None, lenient: bool) -> Source:
    names = sheet_names(path, kind)
    if sheet is not None and sheet not in names:
        listed = ", ".join(names)
        raise SourceError(f"has no sheet named {sheet!r} (its sheets: {listed})")
    chosen = sheet or (names[0] if names else None)
    if chosen is None:
        raise SourceError("is a workbook without sheets")
    source = Source(path, kind, sheet_names=names, sheet=chosen)
    for row, cells in sheet_rows(path, kind, chosen):
        texts = [cell_text(c) for c in cells]
        if any(t.strip() for t in texts):
            source.header_line = row
            source.header = _header(texts, row, source.header_problems, lenient)
            break
    if not source.header:
        raise SourceError(f"has nothing in its sheet {chosen!r}")
    return source


def _header(
    cells: list[str] | None, line: int, problems: list[HeaderProblem], lenient: bool
) -> list[str]:
    if not cells:
        raise SourceError("has no header line")
    names = [c.strip() for c in cells]
    while names and names[-1] == "":  # spreadsheets often carry empty trailing columns
        names.pop()
    if lenient:
        return _renamed(names, line, problems)
    if "" in names:
        raise SourceError(f"line {line}: column {names.index('') + 1} of the header has no name")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SourceError(f"line {line}: the header repeats {', '.join(repeated)}")
    return names


def _renamed(names: list[str], line: int, problems: list[HeaderProblem]) -> list[str]:
    """Every column named, and once: an empty name is `column_<n>`, a repeated one `<name>_<n>`
    (its position), each listed as a problem."""
    taken = set(names)
    out: list[str] = []
    for position, name in enumerate(names, start=1):
        code = "EMPTY_HEADER" if name == "" else "DUPLICATE_HEADER" if name in out else None
        if code is not None:
            base = name or "column"
            name = f"{base}_{position}"
            while name in taken:
                name += "_"
            taken.add(name)
            problems.append(HeaderProblem(code, line, position, name))
        out.append(name)
    return out
