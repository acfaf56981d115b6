"""A file to import, read as the server reads an upload (bulk/sources), so that what the client
sends means what the file meant: its format told by its content, its text's encoding and
delimiter, spreadsheet cells rendered as the server's sheet reader renders them, gzipped files
read through. Records come one at a time: memory does not grow with the file.

    fmt = detect_format(path)                  # csv | json | ndjson | xlsx
    for line, cells in csv_rows(path): ...     # header first; sheet_rows(path) alike
    for text in json_lines(path): ...          # each item of an array as one line of JSON
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import ijson
import openpyxl
from charset_normalizer import from_bytes

from client.connection import ClientError

SAMPLE = 64 * 1024  # bytes read to tell a file's format and encoding, as the server does
GZIP = b"\x1f\x8b"
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (",", ";", "\t", "|")
NOT_TABULAR = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
CSV_ERRORS = {"unexpected end of data": "a quoted cell is not closed before the end of the file"}
WANTED = "a CSV, TSV, XLSX, JSON or NDJSON file"


# -- what the file is ---------------------------------------------------------------------------


@contextmanager
def binary(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, gunzipped on the fly when it is gzipped."""
    try:
        file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed below, or by the gzip file
    except OSError as exc:
        raise ClientError(f"{path}: cannot be read ({exc.strerror})") from None
    with file:
        if file.read(2) == GZIP:
            file.seek(0)
            with gzip.GzipFile(fileobj=file, mode="rb") as unpacked:
                yield cast(IO[bytes], unpacked)  # a file of bytes, as typeshed does not say
        else:
            file.seek(0)
            yield file


def _sample(path: Path) -> bytes:
    with binary(path) as file:
        try:
            return file.read(SAMPLE)
        except (OSError, EOFError, zlib.error) as exc:
            raise ClientError(f"{path}: is a damaged gzip file ({exc})") from None


def detect_format(path: Path) -> str:
    """csv, json, ndjson or xlsx, told by the content as the server tells it (the name is no
    proof: a `.json` file of one object a line is NDJSON); a ClientError naming the file when it
    is none of them."""
    sample = _sample(path)
    if not sample.strip():
        raise ClientError(f"{path}: is empty")
    if sample.startswith(b"PK\x03\x04"):
        return _zip_format(path)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise ClientError(f"{path}: is an XLS workbook, which cannot be split: save it as XLSX")
    for signature, kind in NOT_TABULAR.items():
        if sample.startswith(signature):
            raise ClientError(f"{path}: is {kind}, not {WANTED}")
    text = sample.decode(_encoding(path, sample), errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        first = text.split("\n", 1)[0]
        try:
            json.loads(first)
        except ValueError:  # an object spanning lines: one JSON value, not NDJSON
            return "json"
        return "ndjson"
    return "csv"


def _zip_format(path: Path) -> str:
    with open(path, "rb") as raw:
        if raw.read(2) == GZIP:  # openpyxl needs to seek in the archive
            raise ClientError(f"{path}: is a gzipped XLSX workbook: gunzip it first")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ClientError(f"{path}: is a damaged ZIP archive, not {WANTED}") from None
    if "xl/workbook.xml" not in names:
        raise ClientError(f"{path}: is a ZIP archive without an XLSX workbook, not {WANTED}")
    return "xlsx"


def _encoding(path: Path, sample: bytes) -> str:
    """A BOM's encoding, UTF-8 if the sample decodes as it, else what charset-normalizer finds
    (the server's rule, so both read the same characters)."""
    for bom, codec in BOMS:
        if sample.startswith(bom):
            return codec
    if b"\x00" in sample:
        raise ClientError(f"{path}: is binary data, not {WANTED}")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "utf_8"]).best()
    if best is None:
        raise ClientError(f"{path}: is not text in a known encoding, not {WANTED}")
    return best.encoding


@contextmanager
def _text(path: Path) -> Iterator[IO[str]]:
    encoding = _encoding(path, _sample(path))
    with binary(path) as file:
        yield io.TextIOWrapper(file, encoding=encoding, errors="replace", newline="")


Row = tuple[int, list[str]]  # (where it starts: a line or a sheet row, its cells)


def csv_rows(path: Path) -> Iterator[Row]:
    """The non-blank records, header first, each with the line it starts on."""
    with _text(path) as text:
        yield from _records(path, text)


def _records(path: Path, text: IO[str]) -> Iterator[Row]:
    first = _first_line(text)
    text.seek(0)
    delimiter = _delimiter(first, path)
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = CSV_ERRORS.get(str(exc), str(exc))
            raise ClientError(f"{path}: line {line}: {problem}") from None
        # blank lines (and lines of delimiters) are skipped
        if cells and (cells[0].strip() or any(c.strip() for c in cells)):
            yield line, cells
        line = reader.line_num + 1


def _first_line(text: IO[str]) -> str:
    for raw in text:
        line = raw.lstrip("\ufeff").strip("\r\n")
        if line:
            return line
    return ""


def _delimiter(header: str, path: Path) -> str:
    """The delimiter the header line uses most outside quotes (the server's rule); a one-column
    file is read with the name's (tab for .tsv), else a comma."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best]:
        return best
    return "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","


# -- spreadsheets -----------------------------------------------------------------------------


def sheet_rows(path: Path) -> Iterator[Row]:
    """The first sheet's non-blank rows as text cells (the server's renderings), from its first
    used cell, each as wide as the header."""
    try:
        with binary(path) as file:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
            try:
                yield from _rendered_rows(book.worksheets[0])
            finally:
                book.close()
    except ClientError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises zip, XML and key errors
        raise ClientError(f"{path}: is a damaged spreadsheet ({exc})") from None


def _rendered_rows(sheet: Any) -> Iterator[Row]:
    first_row, first_col = sheet.min_row or 1, sheet.min_column or 1
    rows = sheet.iter_rows(min_row=first_row, min_col=first_col, values_only=True)
    width: int | None = None
    for number, cells in enumerate(rows, start=first_row):
        texts = [cell_text(value) for value in cells]
        if not any(t.strip() for t in texts):
            continue
        if width is None:
            while texts and texts[-1].strip() == "":  # empty trailing columns
                texts.pop()
            width = len(texts)
        else:
            texts = texts[:width] + [""] * (width - len(texts))
        yield number, texts


def cell_text(value: Any) -> str:
    """A cell as the server's sheet reader (calamine) writes it: 12.0 -> "12", dates and times
    ISO 8601 (a datetime at midnight is its date), booleans true/false, empty cells ""."""
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


# -- JSON and NDJSON --------------------------------------------------------------------------


def json_lines(path: Path) -> Iterator[str]:
    """Each item of a top-level JSON array as one line. Numbers are read as the server reads
    them: integers exactly, others as binary floats (whose shortest form is written back, so
    19.90 is 19.9). ijson's C parser refuses integers beyond 64 bits; the file is then read
    again, past the items already given, by its Python parser (~30x slower, but exact)."""
    with _utf8(path) as file:
        head = file.read(64).lstrip()
    if not head.startswith(b"["):
        what = "a JSON object" if head.startswith(b"{") else "a single JSON value"
        raise ClientError(f"{path}: is {what}, not an array of items")
    given = 0
    for backend in (ijson, ijson.get_backend("python")):
        with _utf8(path) as file:
            try:
                for position, item in enumerate(backend.items(file, "item", use_float=True)):
                    if position >= given:
                        yield json.dumps(item, ensure_ascii=False)
                        given += 1
                return
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                if backend is ijson and "integer overflow" in str(exc):
                    continue
                problem = str(exc).split("\n", 1)[0]
                raise ClientError(
                    f"{path}: is not valid JSON after item {given} ({problem})"
                ) from None


@contextmanager
def _utf8(path: Path) -> Iterator[IO[bytes]]:
    """The file as UTF-8 bytes (what ijson reads), BOM dropped, whatever its encoding."""
    encoding = _encoding(path, _sample(path))
    with binary(path) as file:
        if encoding == "utf-8":
            yield file
        else:  # a BOM (dropped by its decoder, after each seek too) or another encoding
            yield cast(IO[bytes], _Reencoded(io.TextIOWrapper(file, encoding, errors="replace")))


class _Reencoded:
    """A text stream read as UTF-8 bytes, a block at a time."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.pending = b""

    def seek(self, offset: int, whence: int = 0) -> int:
        self.text.seek(0)
        self.pending = b""
        return 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.pending) < size:
            block = self.text.read(64 * 1024 if size < 0 else max(size, 1024))
            if not block:
                break
            self.pending += block.encode("utf-8")
        if size < 0:
            size = len(self.pending)
        out, self.pending = self.pending[:size], self.pending[size:]
        return out


def ndjson_lines(path: Path) -> Iterator[str]:
    with _text(path) as text:
        for line in text:
            content = line.lstrip("\ufeff").rstrip("\r\n")
            if content.strip():
                yield content
