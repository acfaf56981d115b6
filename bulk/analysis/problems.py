"""What an analysis finds wrong with a file: a code, where (line, column), what, and a hint
telling a person what to do about it. The first ``LISTED`` are listed, all are counted."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LISTED = 100
HINTS = {
    "CSV_UNBALANCED_QUOTE": (
        'Close the quote, or write a quote inside a quoted cell twice (""); a cell that does not '
        "start with a quote may hold quotes as they are."
    ),
    "CSV_INCONSISTENT_RECORD_LENGTH": (
        "Give the row as many cells as the header has columns; quote a cell that holds the "
        "delimiter."
    ),
    "ENCODING_REPLACED": (
        "Some bytes are not text in the detected encoding and would be imported as \ufffd: save "
        "the file as UTF-8 and upload it again."
    ),
    "DUPLICATE_HEADER": (
        "Rename one of the columns, or drop one with the mapping (map it to null); the repeated "
        "column is read under the name given here."
    ),
    "EMPTY_HEADER": (
        "Name the column in the header, or delete it if it holds nothing to import; it is read "
        "under the name given here."
    ),
    "INVALID_JSON": "Make the line one JSON object, or delete it.",
}


@dataclass
class Problems:
    listed: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, code: str, line: int | None, column: str | None, detail: str) -> None:
        self.count += 1
        if len(self.listed) < LISTED:
            entry = {"code": code, "line": line, "column": column, "detail": detail}
            self.listed.append({**entry, "hint": HINTS[code]})


def replaced_characters(path: Path, encoding: str) -> tuple[int, int]:
    """How many characters decoding the file replaces (bytes not valid in ``encoding``), and
    the line of the first; decoded a megabyte at a time, apart from the record pass (in C, a
    few milliseconds per megabyte)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    count, first, lines = 0, 0, 1
    with open(path, "rb") as raw:
        while True:
            chunk = raw.read(1024 * 1024)
            text = decoder.decode(chunk, final=not chunk)
            found = text.count("\ufffd")
            if found and not count:
                first = lines + text.count("\n", 0, text.index("\ufffd"))
            count += found
            lines += text.count("\n")
            if not chunk:
                return count, first
