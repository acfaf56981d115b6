"""Files an export's slices become: each attachment gunzipped to disk as it is downloaded,
then appended to the one output file in id order, counting what it holds.

The server writes a JSON export as one item per line inside ``[`` … ``]`` (items joined by
``,\\n``), and a CSV export as the plan's header then rows: so slices are joined line by line,
in bytes (exactly what the server wrote, no re-encoding), holding one line at a time.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from client.connection import Api, ClientError

GZIP_MAGIC = b"\x1f\x8b"


def gunzip_to(api: Api, url: str, out: BinaryIO) -> int:
    """Streams the gzipped attachment at ``url`` into ``out``, uncompressed; its bytes."""
    written = 0
    with api.download(url) as response:
        inflate: zlib._Decompress | None = None
        first = True
        for block in response.iter_bytes():
            if first and block:
                first = False
                # A proxy that served it with Content-Encoding: gzip has it inflated already.
                if block[:2] == GZIP_MAGIC:
                    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            data = inflate.decompress(block) if inflate else block
            out.write(data)
            written += len(data)
        if inflate is not None:
            tail = inflate.flush()
            out.write(tail)
            written += len(tail)
    return written


class Merger:
    """The output file: slices appended in order, their items (JSON) or data rows (CSV)
    counted."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.items = 0
        self.header: bytes | None = None
        self._out = path.open("wb")
        if fmt == "json":
            self._out.write(b"[")

    def append(self, slice_file: Path) -> None:
        with slice_file.open("rb") as lines:
            if self.fmt == "json":
                self._json(lines, slice_file)
            else:
                self._csv(lines, slice_file)

    def _json(self, lines: BinaryIO, name: Path) -> None:
        head = lines.read(1)
        if head != b"[":
            raise ClientError(f"an export's file is not a JSON array ({name.name})")
        for raw in lines:
            item = raw.rstrip(b"\n")
            if item.endswith((b",", b"]")):
                item = item[:-1]
            if not item:
                continue  # an empty array: "[]"
            if not (item.startswith(b"{") and item.endswith(b"}")):
                raise ClientError(f"an export's file is not one item per line ({name.name})")
            self._out.write(b",\n" + item if self.items else item)
            self.items += 1

    def _csv(self, lines: BinaryIO, name: Path) -> None:
        header = lines.readline()
        if not header:
            return
        if self.header is None:
            self.header = header
            self._out.write(header)
        elif header != self.header:
            raise ClientError(f"an export slice's CSV header differs from the first ({name.name})")

        def copied() -> Iterator[str]:
            for raw in lines:
                self._out.write(raw)
                yield raw.decode("utf-8", errors="replace")

        # Rows, not lines: a quoted cell may hold line breaks.
        self.items += sum(1 for _row in csv.reader(copied()))

    def close(self) -> None:
        if self.fmt == "json":
            self._out.write(b"]")
        self._out.close()

    def discard(self) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)
