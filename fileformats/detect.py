"""What a file is, from its content (the file name is only a hint): a spreadsheet (XLSX, XLS),
JSON, NDJSON or delimited text, the text's encoding and its delimiter.

    sniffed = sniff(path, sample, "prices.csv", "a CSV file")   # sample: its first SAMPLE bytes
    sniffed.format, sniffed.encoding, sniffed.delimiter

A file that is none of these is a ``FileFormatError`` naming what it looks like instead, so that
a person understands ("is a PNG image, not a CSV file"); ``wanted`` is what the file should have
been, in the caller's words.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from fileformats.errors import FileFormatError

GZIP = b"\x1f\x8b"
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"  # XLS (and other Office 97 files)
SAMPLE = 64 * 1024  # bytes read to tell a file's format and encoding
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


@dataclass(frozen=True)
class Sniffed:
    format: str  # xlsx | xls | json | ndjson | csv | tsv
    encoding: str | None = None  # text formats
    delimiter: str | None = None  # text formats: what a delimited reading would use
    text: str = ""  # the sample, decoded (text formats)


def sniff(path: Path, sample: bytes, name: str | None, wanted: str) -> Sniffed:
    """What the file at ``path`` is, from ``sample``, its first (gunzipped) bytes; ``path`` is
    read only when the sample starts a ZIP archive, which must then not be gzipped."""
    if not sample.strip():
        raise FileFormatError("is empty")
    kind = binary_format(path, sample[:8], wanted)
    if kind is not None:
        return Sniffed(kind)
    return sniff_text(sample, name, wanted)


def sniff_text(sample: bytes, name: str | None, wanted: str) -> Sniffed:
    """What a sample known to be text is: its encoding, format and (were it delimited) delimiter."""
    charset = encoding(sample, wanted)
    text = sample.decode(charset, errors="ignore")
    separator = delimiter(header_line(text), name)
    kind = text_format(text)
    if kind == "delimited":
        kind = "tsv" if separator == "\t" else "csv"
    return Sniffed(kind, charset, separator, text)


def is_gzip(head: bytes) -> bool:
    return head.startswith(GZIP)


def binary_format(path: Path, head: bytes, wanted: str) -> str | None:
    """ "xlsx" or "xls" for a spreadsheet, None for text; a FileFormatError for anything else."""
    if head.startswith(ZIP):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise FileFormatError(f"is a damaged ZIP archive, not {wanted}") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise FileFormatError(f"is a ZIP archive without an XLSX workbook, not {wanted}")
    if head.startswith(OLE):
        return "xls"
    for signature, kind in NOT_TABULAR.items():
        if head.startswith(signature):
            raise FileFormatError(f"is {kind}, not {wanted}")
    return None


def encoding(sample: bytes, wanted: str) -> str:
    """The text's encoding: a BOM's, UTF-8 if the sample decodes as it, else what
    charset-normalizer finds (Windows-1252 from most ERPs)."""
    for bom, codec in BOMS:
        if sample.startswith(bom):
            return codec
    if b"\x00" in sample:
        raise FileFormatError(f"is binary data, not {wanted}")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "utf_8"]).best()
    if best is None:
        raise FileFormatError(f"is not text in a known encoding, not {wanted}")
    return best.encoding


def text_format(text: str) -> str:
    """ "json", "ndjson" or "delimited", from the first characters of the text."""
    start = text.lstrip()[:1]
    if start == "[":
        return "json"
    if start == "{":
        return "ndjson"
    return "delimited"


def header_line(text: str) -> str:
    """The text's first line that is not empty (leading tabs and spaces are cells)."""
    return text.lstrip("\ufeff").lstrip("\r\n").split("\n", 1)[0]


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
