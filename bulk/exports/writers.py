"""Export files: a JSON array, or CSV with the importer's dotted headers and comma lists,
written a page at a time (``JsonFile``, ``CsvFile``: the same bytes as ``to_json`` and
``to_csv`` of all the items at once).

JSON: one item per line inside one array.

CSV: the header is every column the export can have (the plan's, whatever the data: the
official CLI merges the files of an `exports:all` under the first file's header), then one row
per record, except that a record with included to-many children (`price_tiers`) takes as many
rows as its largest include: row n holds its n-th child of each include (a child with children
of its own takes several rows the same way), and every row repeats the record's own cells (its
key among them), which is how the importer merges consecutive rows back into one item. So a
CSV export without to-many includes has exactly `records_count` data rows.

`csv_safe` (opt-in, CSV only): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading `'` (OWASP's CSV injection advice), so that a spreadsheet shows it as text
instead of running it as a formula (``defused``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from bulk.exports.plan import Plan, is_named_links


def to_json(texts: Iterable[str]) -> str:
    """The array of already encoded items."""
    return "[" + ",\n".join(texts) + "]"


class JsonFile:
    """``to_json``, a page of encoded items at a time: ``head``, ``page``s, ``tail``."""

    def __init__(self) -> None:
        self.started = False

    def head(self) -> str:
        return "["

    def page(self, texts: list[str]) -> str:
        if not texts:
            return ""
        text = ",\n".join(texts)
        if self.started:
            text = ",\n" + text
        self.started = True
        return text

    def tail(self) -> str:
        return "]"


def _special(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


SPECIAL = (bool, dict, list)  # what csv.writer would not write as the importer reads it


class Layout:
    """The CSV rows of an item, cells in ``Plan.header`` order."""

    def __init__(self, p: Plan) -> None:
        self.names = p.names
        self.name_lists = [rel.name for rel in p.name_lists]
        # Booleans and JSON come from the database as text already (``shape.column``); only
        # values rendered in Python may need it.
        rendered = {name for name, _render in p.renders}
        self.special = [i for i, name in enumerate(p.names) if name in rendered]
        self.parts: list[tuple[str, str, Layout | None]] = []  # (name, kind, layout)
        for name, child in p.children.items():
            rel = p.rels[name]
            kind = "names" if is_named_links(rel) else "many" if rel.many else "one"
            self.parts.append((name, kind, None if kind == "names" else Layout(child)))
        self.parts.sort(key=lambda part: part[1] != "names")
        self.width = len(p.header())

    def rows(self, item: dict[str, Any] | None) -> list[list[Any]]:
        if item is None:
            return [[""] * self.width]
        get = item.get
        own = [get(k) for k in self.names]  # None: csv writes ""; see ``special`` below
        for i in self.special:
            if isinstance(own[i], SPECIAL):
                own[i] = _special(own[i])
        for name in self.name_lists:
            own.append(",".join(get(name) or ()))
        blocks: list[list[list[Any]]] = []
        for name, kind, layout in self.parts:  # named links first, as in the header
            value = get(name)
            if kind == "names":
                own.append(",".join(value or ()))
            elif kind == "one":
                blocks.append(layout.rows(value))  # type: ignore[union-attr]
            else:
                rows = [r for child in value or () for r in layout.rows(child)]  # type: ignore[union-attr]
                blocks.append(rows or layout.rows(None))  # type: ignore[union-attr]
        if not blocks:
            return [own]
        if all(len(b) == 1 for b in blocks):
            return [own + [c for b in blocks for c in b[0]]]
        height = max(len(b) for b in blocks)
        out = []
        for n in range(height):
            row = list(own)
            for block in blocks:
                row += block[n] if n < len(block) else [""] * len(block[0])
            out.append(row)
        return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets may run as a formula


def defused(row: list[Any]) -> list[Any]:
    """`csv_safe`: the row with `'` before each text cell that starts like a formula.

    Only text cells: values of string attributes, codes, tag names. Numbers stay as they are
    (a negative `weight` or `lat` is `-5`, not `'-5`): a spreadsheet reads them as numbers, runs
    nothing, and the file still re-imports them as numbers. Cells of other types come out as
    digits (timestamps), `true` / `false` or `{...}` (JSON), so they never start like one. A
    prefixed text comes back with its `'` when the file is re-imported: `csv_safe` files are
    for spreadsheets, plain ones for round trips.
    """
    return [f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c for c in row]


class CsvFile:
    """``to_csv``, a page at a time: ``head`` (the header), then the rows of each page's items
    (``page``) or the rows the database wrote (``lines``, see ``database``), ``tail``."""

    def __init__(self, p: Plan, safe: bool = False) -> None:
        self.plan, self.safe = p, safe
        self.layout = Layout(p)

    def head(self) -> str:
        return _text([self.plan.header()])

    def page(self, items: Iterable[dict[str, Any]]) -> str:
        rows = self.layout.rows
        if self.safe:
            return _text([defused(row) for item in items for row in rows(item)])
        return _text([row for item in items for row in rows(item)])

    def lines(self, texts: list[str]) -> str:
        """The rows of records as the database wrote them (a record's rows joined by `\n`)."""
        return "".join(text + "\n" for text in texts)

    def tail(self) -> str:
        return ""


def to_csv(items: Iterable[dict[str, Any]], p: Plan, safe: bool = False) -> str:
    """The CSV file of the items; ``safe``: the export's `csv_safe` (``defused`` cells)."""
    file = CsvFile(p, safe)
    return file.head() + file.page(items)


def _text(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    if "\r" in text:
        # csv quotes a cell only for the characters of its line terminator, so a lone "\r"
        # would end the record for a reader: rows are written as "\r\n"-terminated CSV (which
        # quotes it), then end in "\n" like the others. Rare: the common path writes once.
        # (Row by row, the same bytes as deciding it for the whole file.)
        text = "".join(_row(row) for row in rows)
    return text


def _row(row: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(row)
    return out.getvalue()[:-2] + "\n"
