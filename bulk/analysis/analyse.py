"""One pass over an opened file: its columns' statistics, a preview, its problems and, for a
resource type, the suggested mapping. The reader (bulk/sources) does the reading; nothing here
names a resource type."""

from __future__ import annotations

from typing import Any

from bulk.analysis.columns import Column
from bulk.analysis.problems import Problems, replaced_characters
from bulk.analysis.suggest import report, suggest
from bulk.sources.reader import TABULAR, Source
from resources.base import Resource

PREVIEW = 10
BLOCK = 1024  # rows whose cells are handed to their columns at a time
MAX_COLUMNS = 500  # JSON keys beyond these are not columns of the analysis


def analyse(source: Source, resource: Resource | None) -> dict[str, Any]:
    """The analysis's computed attributes (a SourceError if the file turns out unreadable)."""
    problems = Problems()
    for header in source.header_problems:
        what = "has no name" if header.code == "EMPTY_HEADER" else "repeats an earlier name"
        detail = f'column {header.column} of the header {what}: read as "{header.name}"'
        problems.add(header.code, header.line, header.name, detail)
    if source.encoding and source.format not in ("xlsx", "xls"):
        replaced, line = replaced_characters(source.path, source.encoding)
        if replaced:
            detail = (f"{replaced} characters are not valid {source.encoding} and were replaced; "
                      f"the first on line {line}")  # fmt: skip
            problems.add("ENCODING_REPLACED", line, None, detail)
    columns = {name: Column(name) for name in source.header}
    tabular = source.format in TABULAR
    ordered = list(columns.values())
    preview: list[Any] = []
    block: list[Any] = []
    total = 0
    for record in source.records():
        total += 1
        values = record.values
        if record.error:
            problems.add(record.code or "INVALID_JSON", record.line, None, record.error)
            continue
        if tabular:
            block.append(values.values())
            if len(block) >= BLOCK:
                _add_block(ordered, block)
                block = []
        elif isinstance(values, dict):
            for key, value in values.items():
                found = columns.get(key)
                if found is None:
                    if len(columns) >= MAX_COLUMNS:
                        continue
                    found = columns[key] = Column(key)
                found.add_value(value)
        else:
            problems.add("INVALID_JSON", record.line, None, "is not a JSON object")
            continue
        if len(preview) < PREVIEW:
            preview.append(values)
    _add_block(ordered, block)
    chosen, unmapped = suggest(resource, list(columns.values())) if resource else ({}, [])
    reports = []
    for column in columns.values():
        entry = column.report()
        if resource is not None:
            entry.update(report(chosen.get(column.name)))
        reports.append(entry)
    return {
        "file_type": source.format,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "sheet": source.sheet,
        "sheet_names": source.sheet_names or None,
        "total_rows": total,
        "columns": reports,
        "preview_rows": preview,
        "suggested_mapping": {c: found.target for c, found in chosen.items() if found.mapped}
        if resource
        else None,
        "unmapped_required": unmapped if resource else None,
        "problems": problems.listed,
        "problems_count": problems.count,
    }


def _add_block(columns: list[Column], rows: list[Any]) -> None:
    """Rows of cells (in header order), handed to their columns a column at a time."""
    if rows:
        for column, texts in zip(columns, zip(*rows, strict=True), strict=True):
            column.add_texts(texts)
