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

Files are read as the server reads an upload (client/sources, by the rules of fileformats), so a
chunk means what its rows meant in the file; CSV chunks are rewritten with commas, in UTF-8, and
JSON arrays become NDJSON chunks (one item a line).
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.connection import ClientError
from client.sources import Row, csv_rows, detect_format, json_lines, ndjson_lines, sheet_rows
from fileformats import headers

FORMATS = ("csv", "json", "ndjson", "xlsx")
__all__ = ["FORMATS", "Chunk", "detect_format", "mapped_key", "split"]


@dataclass(frozen=True)
class Chunk:
    number: int  # 1-based
    first_item: int  # 1-based position of its first item in the file
    items: int  # items in it (an item may span several CSV rows)
    format: str  # "csv" or "ndjson": what the chunk's bytes are
    data: bytes  # UTF-8: CSV with the header line first, or NDJSON lines
    file_name: str  # e.g. "<stem>-0003.csv"


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
        yield from _csv_chunks(path, stem, csv_rows(path), size, key, mapping)
    elif format == "xlsx":
        yield from _csv_chunks(path, stem, sheet_rows(path), size, key, mapping)
    elif format == "json":
        yield from _ndjson_chunks(stem, json_lines(path), size)
    else:
        yield from _ndjson_chunks(stem, ndjson_lines(path), size)


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem or "chunk"


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
        names = headers.names(header)  # empty trailing header cells name no column
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
