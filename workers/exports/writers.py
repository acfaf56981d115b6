"""Export files: a JSON array, or CSV with the importer's dotted headers and comma lists.

JSON: one item per line inside one array. CSV: a header, then one row per record, except that
a record with included to-many children (`price_tiers`) takes as many rows as its largest
include: row n holds its n-th child of each include, and every row repeats the record's own
cells (its key among them), which is how the importer merges consecutive rows back into one
item. So a CSV export without to-many includes has exactly `records_count` data rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from workers.exports.shape import Nested, encode


def to_json(texts: Iterable[str]) -> str:
    """The array of already encoded items."""
    return "[" + ",\n".join(texts) + "]"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def flatten(item: dict[str, Any], prefix: str = "") -> list[dict[str, str]]:
    """One item -> its CSV rows as {dotted header: cell}."""
    base: dict[str, str] = {}
    nested: list[list[dict[str, str]]] = []
    for key, value in item.items():
        name = prefix + key
        if key == "tags" and isinstance(value, list):
            base[name + ".name"] = ",".join(value)
        elif isinstance(value, Nested):
            for sub in flatten(value, name + "."):
                base.update(sub)
        elif isinstance(value, list) and (not value or isinstance(value[0], dict)):
            nested.append([row for child in value for row in flatten(child, name + ".")])
        else:
            base[name] = _cell(value)
    if not nested:
        return [base]
    height = max(1, *(len(rows) for rows in nested))
    out = []
    for n in range(height):
        row = dict(base)
        for rows in nested:
            if n < len(rows):
                row.update(rows[n])
        out.append(row)
    return out


def to_csv(items: Iterable[dict[str, Any]], header: list[str]) -> str:
    """`header`: every possible column in order (the plan's); only those used are written."""
    rows = [row for item in items for row in flatten(item)]
    used: set[str] = set()
    for row in rows:
        used.update(row)
    columns = [h for h in header if h in used]
    columns += sorted(used - set(columns))  # nothing expected here: kept rather than lost
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(h, "") for h in columns] for row in rows)
    return out.getvalue()


def encode_items(items: list[dict[str, Any]]) -> list[str]:
    return [encode(item) for item in items]
