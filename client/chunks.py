"""Splits a file to import into chunks of at most ``size`` items, each one upload, streamed: at
most one chunk's text is in memory, whatever the file's size.

    fmt = detect_format(path)                              # csv | json | ndjson | xlsx
    for chunk in split(path, format=fmt, size=10_000, key=[["sku_code", "sku_id"]]): ...

An item's CSV rows stay in one chunk: a row repeating the previous row's key (``key``: per key
part, the columns that may carry it, as GET /api/import_types tells) with a cell in a dotted
column (`price_tiers.name`, or a column an import's mapping sends to one) continues its item, as
the server merges them. The rule is the server's, a little wider (keys compared without
surrounding spaces, and partly blank keys compared too): rows the server may count as separate
items are sometimes kept together, rows of one item are never split, which is what matters.

Files are read as the server reads an upload, so a chunk means what its rows meant in the file:
CSV in any encoding the server detects, any delimiter it detects (chunks are rewritten with
commas, UTF-8), spreadsheet cells rendered as its sheet reader renders them. Gzipped files are
read through. JSON arrays become NDJSON chunks (one item a line).
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import ijson
import openpyxl
from charset_normalizer import from_bytes

from client.connection import ClientError

FORMATS = ("csv", "json", "ndjson", "xlsx")
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


@dataclass(frozen=True)
class Chunk:
    number: int  # 1-based
    first_item: int  # 1-based position of its first item in the file
    items: int  # items in it (an item may span several CSV rows)
    format: str  # "csv" or "ndjson": what the chunk's bytes are
    data: bytes  # UTF-8: CSV with the header line first, or NDJSON lines
    file_name: str  # e.g. "<stem>-0003.csv"


# -- what the file is ---------------------------------------------------------------------------


@contextmanager
def _binary(path: Path) -> Iterator[IO[bytes]]:
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
    with _binary(path) as file:
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
    with _binary(path) as file:
        yield io.TextIOWrapper(file, encoding=encoding, errors="replace", newline="")


# -- splitting ------------------------------------------------------------------------------------


def split(
    path: Path,
    *,
    format: str,
    size: int,
    key: Sequence[Sequence[str]] = (),
    mapping: Mapping[str, Any] | None = None,
) -> Iterator[Chunk]:
    """The file's chunks, in order, each of at most ``size`` items; CSV and XLSX as CSV chunks
    (an item's rows together, see the module), JSON and NDJSON as NDJSON chunks.

    ``key`` names the file's columns (``mapped_key`` translates the server's names through an
    import's mapping); ``mapping``, the import's, tells which columns carry child cells."""
    if size < 1:
        raise ClientError(f"the chunk size must be at least 1 (got {size})")
    if format not in FORMATS:
        raise ClientError(f"{path}: cannot split a {format} file (only {', '.join(FORMATS)})")
    try:
        yield from _chunks(path, format, size, key, mapping or {})
    except (OSError, EOFError, zlib.error) as exc:  # a gzipped file damaged past its start
        raise ClientError(f"{path}: cannot be read past its start ({exc})") from None


def _chunks(
    path: Path, format: str, size: int, key: Sequence[Sequence[str]], mapping: Mapping[str, Any]
) -> Iterator[Chunk]:
    stem = _stem(path)
    if format == "csv":
        with _text(path) as text:
            yield from _csv_chunks(path, stem, _csv_rows(path, text), size, key, mapping)
    elif format == "xlsx":
        yield from _csv_chunks(path, stem, _sheet_rows(path), size, key, mapping)
    elif format == "json":
        yield from _ndjson_chunks(stem, _json_lines(path), size)
    else:
        yield from _ndjson_chunks(stem, _ndjson_lines(path), size)


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem or "chunk"


Row = tuple[int, list[str]]  # (where it starts: a line or a sheet row, its cells)


def _csv_rows(path: Path, text: IO[str]) -> Iterator[Row]:
    """The non-blank records, header first, each with the line it starts on."""
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


def mapped_key(key: Sequence[Sequence[str]], mapping: Mapping[str, Any]) -> list[list[str]]:
    """The key's columns as a file names them under an import's column mapping (source column ->
    target name, or ``{"to": target, ...}``, or null): per part, the columns mapped to each of its
    names first (a mapped column wins over an unmapped one named like its target), then the name
    itself unless the mapping renames or drops that column."""
    sources: dict[str, list[str]] = {}
    for source, target in mapping.items():
        to = target.get("to") if isinstance(target, dict) else target
        if isinstance(to, str):
            sources.setdefault(to, []).append(source)
    parts = []
    for part in key:
        names: list[str] = []
        for name in part:
            names += sources.get(name, [])
            if name not in mapping:
                names.append(name)
        parts.append(names)
    return parts


def _target(mapping: Mapping[str, Any], name: str) -> str | None:
    """What a file's column is read as under a mapping: its target, or itself if unmapped."""
    if name not in mapping:
        return name
    target = mapping[name]
    to = target.get("to") if isinstance(target, dict) else target
    return to if isinstance(to, str) else None


class _Grouping:
    """Tells which rows start an item: the rule of the module's docstring."""

    def __init__(
        self, header: list[str], key: Sequence[Sequence[str]], mapping: Mapping[str, Any]
    ) -> None:
        names = [h.strip() for h in header]
        while names and names[-1] == "":  # empty trailing header cells name no column
            names.pop()
        self.width = len(names)
        self.parts = [[names.index(c) for c in part if c in names] for part in key]
        # Child cells: columns named `rel.attr`, or mapped to such a name. A mapped child column
        # with a `default` gives every row a child, as the server applies it.
        targets = [_target(mapping, name) for name in names]
        self.dotted = [i for i, target in enumerate(targets) if target and "." in target]
        # A key column's `default` and `map` transforms, so that cells the server reads as one
        # key are one key here too.
        options = [mapping.get(name) for name in names]
        self.defaults = {
            i: str(o["default"])
            for i, o in enumerate(options)
            if isinstance(o, dict) and o.get("default") is not None
        }
        self.maps = {
            i: {str(k): str(v) for k, v in o["map"].items()}
            for i, o in enumerate(options)
            if isinstance(o, dict) and isinstance(o.get("map"), dict)
        }
        self.always_child = any(
            isinstance(t, dict) and t.get("default") is not None and "." in str(t.get("to"))
            for t in mapping.values()
        )
        self.previous: tuple | None = None  # the key of the last well-formed row

    def starts_item(self, cells: list[str]) -> bool:
        # Plain loops: this runs once a row (a million times for a million rows).
        width = self.width
        if len(cells) != width:
            if len(cells) > width and not "".join(cells[width:]).strip():
                cells = cells[:width]  # the header's empty trailing columns, as the server
            else:  # passed through: the server reports it, as an item of its own
                self.previous = None
                return True
        values = []
        for part in self.parts:
            value = None
            for i in part:
                if cells[i] != "":
                    # Stripped: a mapping's `trim` makes " A" and "A" one key on the server,
                    # and a coarser key only keeps more rows together, never fewer.
                    value = cells[i].strip()
                    if i in self.maps:
                        value = self.maps[i].get(value, value)
                    break
                if i in self.defaults:
                    value = self.defaults[i]
                    break
            values.append(value)
        key = tuple(values)
        if key != self.previous:
            self.previous = key
            return True
        if all(v is None for v in key):
            return True
        if self.always_child:
            return False
        for i in self.dotted:
            if cells[i] != "":
                return False
        return True


def _csv_chunks(
    path: Path,
    stem: str,
    rows: Iterable[Row],
    size: int,
    key: Sequence[Sequence[str]],
    mapping: Mapping[str, Any],
) -> Iterator[Chunk]:
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        raise ClientError(f"{path}: has no header line")
    grouping = _Grouping(header[1], key, mapping)
    number, first_item, items = 1, 1, 0
    buffer, writer = _csv_buffer(header[1])
    for _line, cells in rows:
        if grouping.starts_item(cells):
            if items == size:
                yield _chunk(number, first_item, items, "csv", buffer, f"{stem}-{number:04d}.csv")
                number, first_item, items = number + 1, first_item + items, 0
                buffer, writer = _csv_buffer(header[1])
            items += 1
        writer.writerow(cells)
    if items:
        yield _chunk(number, first_item, items, "csv", buffer, f"{stem}-{number:04d}.csv")


def _csv_buffer(header: list[str]) -> tuple[io.StringIO, Any]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    return buffer, writer


def _chunk(number: int, first: int, items: int, fmt: str, buffer: io.StringIO, name: str) -> Chunk:
    return Chunk(number, first, items, fmt, buffer.getvalue().encode("utf-8"), name)


# -- spreadsheets -----------------------------------------------------------------------------


def _sheet_rows(path: Path) -> Iterator[Row]:
    """The first sheet's non-blank rows as text cells (the server's renderings), from its first
    used cell, each as wide as the header."""
    try:
        with _binary(path) as file:
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


def _json_lines(path: Path) -> Iterator[str]:
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
    with _binary(path) as file:
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


def _ndjson_lines(path: Path) -> Iterator[str]:
    with _text(path) as text:
        for line in text:
            content = line.lstrip("\ufeff").rstrip("\r\n")
            if content.strip():
                yield content


def _ndjson_chunks(stem: str, lines: Iterable[str], size: int) -> Iterator[Chunk]:
    number, first_item, items = 1, 1, 0
    buffer = io.StringIO()
    for line in lines:
        if items == size:
            yield _chunk(number, first_item, items, "ndjson", buffer, f"{stem}-{number:04d}.ndjson")
            number, first_item, items = number + 1, first_item + items, 0
            buffer = io.StringIO()
        buffer.write(line)
        buffer.write("\n")
        items += 1
    if items:
        yield _chunk(number, first_item, items, "ndjson", buffer, f"{stem}-{number:04d}.ndjson")
