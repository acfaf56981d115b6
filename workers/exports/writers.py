"""Export files: a JSON array, or CSV with the importer's dotted headers and comma lists."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from workers.exports.shape import Nested


def to_json(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def flatten(item: dict[str, Any], prefix: str = "") -> list[dict[str, str]]:
    """One item -> CSV rows: scalars once, `tags` as a `tags.name` comma list, nested arrays
    one row per child (the importer merges consecutive rows of the same key back together)."""
    base: dict[str, str] = {}
    nested: list[tuple[str, list]] = []
    for key, value in item.items():
        name = f"{prefix}{key}"
        if key == "tags" and isinstance(value, list):
            base[f"{name}.name"] = ",".join(value)
        elif isinstance(value, list):
            nested.append((name, value))
        elif isinstance(value, Nested):
            for sub in flatten(value, f"{name}."):
                base.update(sub)
        else:
            base[name] = _cell(value)
    rows = [base]
    for name, children in nested:
        expanded = []
        for row in rows:
            for child in children or [{}]:
                for sub in flatten(child, f"{name}.") if child else [{}]:
                    expanded.append({**row, **sub})
        rows = expanded
    return rows


def to_csv(items: list[dict[str, Any]]) -> str:
    rows = [row for item in items for row in flatten(item)]
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue()
