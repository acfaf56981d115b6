"""A file to import, read by the rules the server reads an upload with (fileformats), so that
what the client sends means what the file meant: its format told by its content, its text's
encoding and delimiter, spreadsheet cells rendered as the server renders them, gzipped files
read through. Records come one at a time: memory does not grow with the file.

    fmt = detect_format(path)                  # csv | json | ndjson | xlsx
    for line, cells in csv_rows(path): ...     # header first; sheet_rows(path) alike
    for text in json_lines(path): ...          # each item of an array as one line of JSON
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

import ijson

from client.connection import ClientError
from fileformats import delimited, detect
from fileformats.errors import FileFormatError
from fileformats.sheets import chosen_sheet, sheet_names, table_rows

WANTED = "a CSV, TSV, XLSX, JSON or NDJSON file"


@contextmanager
def _named(path: Path) -> Iterator[None]:
    """The reading rules' errors as the client's, naming the file."""
    try:
        yield
    except FileFormatError as exc:
        raise ClientError(f"{path}: {exc}") from None


# -- what the file is ---------------------------------------------------------------------------


@contextmanager
def binary(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, gunzipped on the fly when it is gzipped."""
    try:
        file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed below, or by the gzip file
    except OSError as exc:
        raise ClientError(f"{path}: cannot be read ({exc.strerror})") from None
    with file:
        if detect.is_gzip(file.read(2)):
            file.seek(0)
            with gzip.GzipFile(fileobj=file, mode="rb") as unpacked:
                yield cast(IO[bytes], unpacked)  # a file of bytes, as typeshed does not say
        else:
            file.seek(0)
            yield file


def _sample(path: Path) -> bytes:
    with binary(path) as file:
        try:
            return file.read(detect.SAMPLE)
        except (OSError, EOFError, zlib.error) as exc:
            raise ClientError(f"{path}: is a damaged gzip file ({exc})") from None


def _sniff(path: Path) -> detect.Sniffed:
    """What the file is, by the server's rules (fileformats.detect)."""
    sample = _sample(path)
    if sample.startswith(detect.ZIP):
        with open(path, "rb") as raw:
            if detect.is_gzip(raw.read(2)):  # openpyxl and calamine need to seek in the archive
                raise ClientError(f"{path}: is a gzipped XLSX workbook: gunzip it first")
    with _named(path):
        return detect.sniff(path, sample, path.name, WANTED)


def detect_format(path: Path) -> str:
    """csv, json, ndjson or xlsx, told by the content as the server tells it (the name is no
    proof: a `.json` file of one object a line is NDJSON); a ClientError naming the file when it
    is none of them."""
    sniffed = _sniff(path)
    if sniffed.format == "xls":
        raise ClientError(f"{path}: is an XLS workbook, which cannot be split: save it as XLSX")
    if sniffed.format == "ndjson":
        first = sniffed.text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
        try:
            json.loads(first)
        except ValueError:  # an object spanning lines: one JSON value, not NDJSON
            return "json"
    return "csv" if sniffed.format == "tsv" else sniffed.format


def _encoding(path: Path) -> str:
    with _named(path):
        return detect.encoding(_sample(path), WANTED)


def _decoded(file: IO[bytes], encoding: str | None) -> io.TextIOWrapper:
    """The file's text, lines ending as written (``csv`` reads CR and LF itself)."""
    return io.TextIOWrapper(file, encoding, errors="replace", newline="")


Row = tuple[int, list[str]]  # (where it starts: a line or a sheet row, its cells)


def csv_rows(path: Path) -> Iterator[Row]:
    """The non-blank records, header first, each with the line it starts on (whatever the file's
    format: ``--format csv`` reads it as text)."""
    with _named(path):
        sniffed = detect.sniff_text(_sample(path), path.name, WANTED)
    with binary(path) as file, _decoded(file, sniffed.encoding) as text:
        for line, cells, error in delimited.records(text, sniffed.delimiter or ","):
            if error:
                raise ClientError(f"{path}: line {line}: {error}")
            yield line, cells


# -- spreadsheets -----------------------------------------------------------------------------


def sheet_rows(path: Path) -> Iterator[Row]:
    """The first sheet's non-blank rows as text cells, as the server reads them
    (fileformats.sheets), from its first used cell, each as wide as the header."""
    with _named(path):
        yield from table_rows(path, "xlsx", chosen_sheet(sheet_names(path, "xlsx"), None))


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
    encoding = _encoding(path)
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
    encoding = _encoding(path)
    with binary(path) as file, _decoded(file, encoding) as text:
        for line in text:
            content = line.lstrip("\ufeff").rstrip("\r\n")
            if content.strip():
                yield content
