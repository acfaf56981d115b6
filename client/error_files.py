"""``--errors-out``: the failed items of every import of a run, merged into one file.

Each import's ``errors_url`` is a gzipped CSV (the header, then the failed items' rows with an
``_errors`` column) or a gzipped JSON array (objects with an ``_errors`` key). The merged file
has the same format: one header, or one array. Fixed, it imports again as it is: the server
ignores ``_errors``.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from client.connection import Api, ClientError


@contextmanager
def _downloaded(api: Api, url: str) -> Iterator[IO[str]]:
    """The errors file as text, spooled to a temporary file (never whole in memory)."""
    with tempfile.TemporaryFile() as spool:
        with api.download(url) as response:
            for block in response.iter_bytes():
                spool.write(block)
        spool.seek(0)
        with gzip.open(spool, "rt", encoding="utf-8", newline="") as text:
            yield text


def _kind(text: IO[str]) -> str:
    head = text.read(64).lstrip("\ufeff \r\n\t")
    text.seek(0)
    return "json" if head.startswith("[") else "csv"


class _Merged:
    """The output file, written beside its final name and moved there once complete."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.kind: str | None = None
        self.items = 0
        self._file: IO[str] | None = None
        self._csv: Any = None
        self._header: list[str] | None = None

    def open(self, kind: str) -> IO[str]:
        if self._file is None:
            self.kind = kind
            folder = self.out.parent if str(self.out.parent) else Path(".")
            handle, name = tempfile.mkstemp(prefix=f".{self.out.name}.", dir=folder)
            self._file = open(handle, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._name = name
            if kind == "json":
                self._file.write("[")
        elif kind != self.kind:
            raise ClientError("the imports' errors files are of different formats")
        return self._file

    def add_csv(self, text: IO[str]) -> None:
        out = self.open("csv")
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return
        if self._header is None:
            self._header = header
            self._csv = csv.writer(out)
            self._csv.writerow(header)
        positions = [header.index(name) if name in header else None for name in self._header]
        for row in reader:
            if header == self._header:
                self._csv.writerow(row)
            else:  # another chunk's columns (a chunk of an XLSX): aligned by name
                cells = ["" if p is None or p >= len(row) else row[p] for p in positions]
                self._csv.writerow(cells)
            self.items += 1

    def add_json(self, text: IO[str]) -> None:
        out = self.open("json")
        for item in json.load(text):
            out.write(",\n" if self.items else "\n")
            out.write(json.dumps(item, ensure_ascii=False))
            self.items += 1

    def finish(self) -> bool:
        """Moves the file into place; False (nothing written) when there was nothing."""
        if self._file is None:
            return False
        if self.kind == "json":
            self._file.write("\n]\n")
        self._file.close()
        os.replace(self._name, self.out)
        return True

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            os.unlink(self._name)


def merge(api: Api, urls: list[str], out: Path) -> int:
    """Writes the failed items of ``urls`` to ``out`` and answers how many rows (CSV) or
    items (JSON) it holds. Without any, ``out`` is removed if it exists: after a run, the file
    is there exactly when that run had failures (a cron job can test for it)."""
    merged = _Merged(out)
    try:
        for url in urls:
            with _downloaded(api, url) as text:
                if _kind(text) == "json":
                    merged.add_json(text)
                else:
                    merged.add_csv(text)
    except BaseException:
        merged.discard()
        raise
    if not merged.finish():
        out.unlink(missing_ok=True)
    return merged.items
