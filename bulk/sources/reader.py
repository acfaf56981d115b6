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

import gzip
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from bulk.sources.errors import SourceError, as_source_errors, claimed
from fileformats import delimited, detect, headers
from fileformats.sheets import chosen_sheet, sheet_names, table_rows

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
            first = True
            for line, cells, error in delimited.records(text, self.delimiter or ","):
                if error:
                    yield Record(line, None, error, "CSV_UNBALANCED_QUOTE")
                elif first:
                    first = False
                else:
                    yield self._tabular(line, cells)

    def _tabular(self, line: int, cells: list[str]) -> Record:
        width = len(self.header)
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]  # the header's empty trailing columns
        if len(cells) != width:
            found = f"expected {len(self.header)} cells, found {len(cells)}"
            return Record(line, None, found, "CSV_INCONSISTENT_RECORD_LENGTH")
        return Record(line, dict(zip(self.header, cells, strict=True)))

    def _sheet_records(self) -> Iterator[Record]:
        with as_source_errors():
            rows = table_rows(self.path, self.format, self.sheet or self.sheet_names[0])
            next(rows, None)  # the header
            for row, texts in rows:
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


def open_source(
    path: Path, name: str | None = None, sheet: str | None = None, lenient: bool = False
) -> Source:
    """Detects what the (plain, not gzipped) file at ``path`` is; a SourceError if it is not
    something an import reads, or its header is unusable (``lenient``: an empty or repeated
    header name is renamed and listed in ``header_problems`` instead, for an analysis)."""
    with open(path, "rb") as f:
        sample = f.read(detect.SAMPLE)
    with as_source_errors():
        sniffed = detect.sniff(path, sample, name, claimed(name))
        if sniffed.format in ("xlsx", "xls"):
            return _spreadsheet(path, sniffed.format, sheet, lenient)
    if sniffed.format not in TABULAR:
        return Source(path, sniffed.format, encoding=sniffed.encoding)
    source = Source(path, sniffed.format, sniffed.encoding, sniffed.delimiter)
    with open(path, encoding=sniffed.encoding, errors="replace", newline="") as f:
        first = next(delimited.records(f, sniffed.delimiter or ","), None)
    if first is None:
        raise SourceError("has no header line")
    if first.error:
        raise SourceError(f"line {first.line}: {first.error}")
    source.header_line = first.line
    source.header = _header(first.cells, first.line, source.header_problems, lenient)
    return source


def _spreadsheet(path: Path, kind: str, sheet: str | None, lenient: bool) -> Source:
    names = sheet_names(path, kind)
    chosen = chosen_sheet(names, sheet)
    source = Source(path, kind, sheet_names=names, sheet=chosen)
    first = next(table_rows(path, kind, chosen), None)
    if first is None:
        raise SourceError(f"has nothing in its sheet {chosen!r}")
    source.header_line = first[0]
    source.header = _header(first[1], first[0], source.header_problems, lenient)
    return source


def _header(cells: list[str], line: int, problems: list[HeaderProblem], lenient: bool) -> list[str]:
    names = headers.names(cells)
    if lenient:
        return _renamed(names, line, problems)
    problem = headers.problem(names, line)
    if problem:
        raise SourceError(problem)
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
