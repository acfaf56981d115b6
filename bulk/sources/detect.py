"""What an uploaded file is, from its content (the file name is only a hint): gzip, a
spreadsheet (XLSX, XLS), JSON, NDJSON or delimited text, and the text's encoding.

A file that is none of these is a ``SourceError`` naming what it looks like instead, so the
upload is refused with a 422 that a person understands ("a PNG image, not a CSV file").
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from charset_normalizer import from_bytes

GZIP = b"\x1f\x8b"
SAMPLE = 64 * 1024
# Signatures of files people upload by mistake, and what to call them.
NOT_TABULAR = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (",", ";", "\t", "|")


class SourceError(Exception):
    """The file cannot be read as an import's source; the message says why."""


def claimed(name: str | None) -> str:
    """What the file name says the file is, for messages ("a CSV file")."""
    suffix = Path(name or "").suffixes
    ext = [s.lstrip(".").lower() for s in suffix if s.lower() != ".gz"]
    return f"a {ext[-1].upper()} file" if ext else "a CSV, TSV, XLSX, XLS, JSON or NDJSON file"


def is_gzip(head: bytes) -> bool:
    return head.startswith(GZIP)


def binary_format(path: Path, head: bytes, name: str | None) -> str | None:
    """ "xlsx" or "xls" for a spreadsheet, None for text; a SourceError for anything else."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise SourceError(f"is a damaged ZIP archive, not {claimed(name)}") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise SourceError(f"is a ZIP archive without an XLSX workbook, not {claimed(name)}")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    for signature, kind in NOT_TABULAR.items():
        if head.startswith(signature):
            raise SourceError(f"is {kind}, not {claimed(name)}")
    return None


def encoding(sample: bytes, name: str | None) -> str:
    """The text's encoding: a BOM's, UTF-8 if the sample decodes as it, else what
    charset-normalizer finds (Windows-1252 from most ERPs)."""
    for bom, codec in BOMS:
        if sample.startswith(bom):
            return codec
    if b"\x00" in sample:
        raise SourceError(f"is binary data, not {claimed(name)}")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "utf_8"]).best()
    if best is None:
        raise SourceError(f"is not text in a known encoding, not {claimed(name)}")
    return best.encoding


def text_format(first: str) -> str:
    """ "json", "ndjson" or "delimited", from the first characters of the text."""
    start = first.lstrip()[:1]
    if start == "[":
        return "json"
    if start == "{":
        return "ndjson"
    return "delimited"


def delimiter(header: str, name: str | None) -> str:
    """The delimiter the header line uses most (a quoted header cell counts for nothing); a
    one-column file is read with the name's (tab for .tsv), else a comma."""
    counts: dict[str, int] = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best]:
        return best
    return "\t" if (name or "").lower().removesuffix(".gz").endswith(".tsv") else ","
