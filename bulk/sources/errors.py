"""The server's name for a file an import cannot read, and what it expected the file to be.

The reading rules (``fileformats``) raise ``FileFormatError``; ``as_source_errors`` turns it into
a ``SourceError`` with the same message, which the upload refuses with a 422 that a person
understands ("file - is a PNG image, not a CSV file").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fileformats.errors import FileFormatError


class SourceError(Exception):
    """The file cannot be read as an import's source; the message says why."""


@contextmanager
def as_source_errors() -> Iterator[None]:
    try:
        yield
    except FileFormatError as exc:
        raise SourceError(str(exc)) from None


def claimed(name: str | None) -> str:
    """What the file name says the file is, for messages ("a CSV file")."""
    suffix = Path(name or "").suffixes
    ext = [s.lstrip(".").lower() for s in suffix if s.lower() != ".gz"]
    return f"a {ext[-1].upper()} file" if ext else "a CSV, TSV, XLSX, XLS, JSON or NDJSON file"
