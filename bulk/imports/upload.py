"""Stage 1 for an uploaded file: its records -> ``Item``s, read lazily from storage.

The upload (``store``) keeps the original file gzipped in storage, where the import's
attachment is; a run (``items``) copies it back to a temporary file and reads it record by
record, so neither side holds the file in memory. Rows repeating an item's key (a price and
its tiers) are merged as ``parse`` merges CSV text, a block of rows at a time; an item is
keyed by the line (CSV) or sheet row (XLSX) it starts on, and a row that cannot be read is an
error naming it: "line 42: ...".
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bulk.files import store_file
from bulk.imports.mapping import compile_mapping
from bulk.imports.parse import (
    Item,
    Remap,
    Row,
    csv_row,
    json_item,
    mapped_json_item,
    merge_consecutive,
    nest,
)
from bulk.sources.reader import Record, Source, gunzip, open_source
from core.settings import Settings
from core.storage import storage_for
from resources import REGISTRY
from resources.base import Resource
from resources.imports import resource as imports

BLOCK = 1000  # rows merged at a time: memory per block, not per file


@dataclass
class Upload:
    """A file as the request received it (Starlette spools it to disk past 1 MB)."""

    file: IO[bytes]
    name: str | None
    size: int
    sheet: str | None = None


def file_items(
    resource: Resource, source: Source, parent_id: str | None, remap: Remap | None = None
) -> Iterator[Item]:
    """The file's items, its columns renamed and transformed by the import's mapping first."""
    if source.format in ("json", "ndjson"):
        for record in source.records():
            if record.error:
                yield Item(record.line, {}, error=f"line {record.line}: {record.error}")  # no raw
            else:
                item = (
                    mapped_json_item(resource, record.values, record.line, remap)
                    if remap is not None
                    else json_item(resource, record.values, record.line)
                )
                if source.format == "ndjson":  # a JSON array's records have no line of their own
                    item.line = record.line
                yield item
        return
    carry: list[Row] = []  # the last item of a block: the next block may continue it
    block: list[Row] = []
    for record in source.records():
        block.append(_row(resource, record, remap))
        if len(block) >= BLOCK:
            merged = merge_consecutive(resource, carry + block, parent_id)
            carry, block = merged[-1:], []
            yield from nest(resource, merged[:-1])
    yield from nest(resource, merge_consecutive(resource, carry + block, parent_id))


def _row(resource: Resource, record: Record, remap: Remap | None) -> Row:
    if record.error:
        return Item(record.line, {}, error=f"line {record.line}: {record.error}"), {}
    values: dict[str, Any] = record.values
    raw = [dict(values)]
    problems: list = []
    if remap is not None:
        values, problems = remap(values, True)
    item, children = csv_row(resource, record.line, list(values), list(values.values()))
    item.problems.extend(problems)
    item.raw, item.line = raw, record.line
    return item, {rel: [cells] for rel, cells in children.items()}


@contextmanager
def opened(upload: Upload, lenient: bool = False) -> Iterator[Source]:
    """The uploaded file, decompressed into a temporary file, detected and opened
    (``lenient``: see ``open_source``)."""
    upload.file.seek(0)
    with tempfile.NamedTemporaryFile(prefix="bulkport-upload-") as plain:
        gunzip(upload.file, plain)
        plain.flush()
        yield open_source(Path(plain.name), upload.name, upload.sheet, lenient)


def store(settings: Settings, row: dict[str, Any], upload: Upload) -> str:
    """Stores the original file gzipped (as it came if it came gzipped); the key."""
    upload.file.seek(0)
    return store_file(settings, imports, row, upload.file)


@contextmanager
def items(settings: Settings, row: dict[str, Any]) -> Iterator[Iterator[Item]]:
    """A stored upload's items, read from storage lazily."""
    resource = REGISTRY[row["resource_type"]]
    with tempfile.TemporaryFile(prefix="bulkport-source-") as packed:
        storage_for(settings).get_file(row["attachment_key"], packed)
        packed.seek(0)
        upload = Upload(packed, row["source_file_name"], row["source_file_size"] or 0)
        upload.sheet = row["source_sheet"]
        remap = compile_mapping(resource, row["mapping"]).apply if row["mapping"] else None
        with opened(upload) as source:
            yield file_items(resource, source, row["parent_resource_id"], remap)
