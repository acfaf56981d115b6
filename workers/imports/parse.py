"""Import inputs -> ``Item``s: JSON arrays and RFC 4180 CSV, no database.

CSV: a UTF-8 BOM and CRLF are accepted, quoted cells may hold commas, quotes and newlines.
``price_tiers.name``-style headers fill nested children, ``tags.id`` / ``tags.name`` cells hold
comma lists, and consecutive rows with the same key are merged into one item with several
children. A row with the wrong number of cells becomes an item carrying its error (naming its
line), so it is counted and logged like any other failing item.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from resources.base import HasMany, Resource

TAG_KEYS = ("tags.id", "tags.name")


@dataclass
class Item:
    position: int  # 1-based position of the item (CSV: of its first data row)
    data: dict[str, Any]  # own keys, raw
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tags: list[tuple[str, str]] | None = None  # ("id"|"name", value)
    rows: int = 1  # source rows merged into this item (CSV); counters count rows
    text: bool = False  # values are CSV strings, coerced by declared type
    error: str | None = None  # a row that could not be read at all
    line: int | None = None


@cache
def nested_names(resource: Resource) -> frozenset[str]:
    return frozenset(
        r.name for r in resource.relationships.values() if isinstance(r, HasMany) and r.nested
    )


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _json_tags(value: Any) -> list[tuple[str, str]] | None:
    """`tags: ["sale", {"id": "..."}, {"name": "new"}]` -> [("name","sale"), ("id",..), ...]."""
    if not isinstance(value, list):
        return None
    out = []
    for tag in value:
        if isinstance(tag, str):
            out.append(("name", tag))
        elif isinstance(tag, dict) and isinstance(tag.get("id"), str):
            out.append(("id", tag["id"]))
        elif isinstance(tag, dict) and isinstance(tag.get("name"), str):
            out.append(("name", tag["name"]))
        else:
            return None
    return out


def json_item(resource: Resource, raw: dict[str, Any], position: int) -> Item:
    nested = nested_names(resource)
    item = Item(position, {})
    for key, value in raw.items():
        if key in nested and isinstance(value, list):
            item.children[key] = [v if isinstance(v, dict) else {"_invalid": v} for v in value]
        elif key == "tags" and "tags" in resource.relationships:
            item.tags = _json_tags(value)
            if item.tags is None:
                item.data["tags"] = value  # reported as invalid by the validator
        elif key in TAG_KEYS and "tags" in resource.relationships:
            values = value if isinstance(value, list) else _split_list(str(value))
            item.tags = (item.tags or []) + [(key[5:], v) for v in values]
        else:
            item.data[key] = value
    return item


def parse_json(resource: Resource, inputs: list[Any]) -> list[Item]:
    items = []
    for position, raw in enumerate(inputs, start=1):
        if isinstance(raw, dict):
            items.append(json_item(resource, raw, position))
        else:
            items.append(Item(position, {}, error="must be a JSON object"))
    return items


class CsvRecord(NamedTuple):
    line: int  # where the record starts (1-based; a quoted cell may span lines)
    cells: list[str]
    error: str | None = None  # the record could not be read


CSV_ERRORS = {
    "unexpected end of data": "a quoted cell is not closed before the end of the file",
    "',' expected after '\"'": "a closing quote must be followed by a comma or a line end",
}


def csv_records(text: str) -> list[CsvRecord]:
    """Every non-blank record, header included, each with the line it starts on."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.append(CsvRecord(line, [], CSV_ERRORS.get(str(exc), str(exc))))
        else:
            if any(c.strip() for c in cells):  # blank lines (and lines of commas) are skipped
                out.append(CsvRecord(line, cells))
        line = reader.line_num + 1
    return out


def header_problem(records: list[CsvRecord]) -> str | None:
    """Why the header line cannot be used, if it cannot."""
    if not records:
        return "the CSV has no header line"
    first = records[0]
    if first.error:
        return f"line {first.line}: {first.error}"
    names = [h.strip() for h in first.cells]
    if "" in names:
        return f"line {first.line}: column {names.index('') + 1} of the header has no name"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"line {first.line}: the header repeats {', '.join(repeated)}"
    return None


def csv_summary(text: str) -> tuple[int, str | None]:
    """(data rows, why the header is unusable or None), for validation at create."""
    records = csv_records(text)
    return max(0, len(records) - 1), header_problem(records) if records else None


def parse_csv(
    resource: Resource, text: str, parent_id: str | None = None
) -> tuple[list[Item], str | None]:
    """Items and, if the header itself is unusable, why."""
    records = csv_records(text)
    problem = header_problem(records)
    if problem:
        return [], problem
    header = [h.strip() for h in records[0].cells]
    nested = nested_names(resource)
    items: list[Item] = []
    for position, (line, cells, error) in enumerate(records[1:], start=1):
        if error:
            items.append(Item(position, {}, error=f"line {line}: {error}", line=line))
            continue
        if len(cells) != len(header):
            error = f"line {line}: expected {len(header)} cells, found {len(cells)}"
            items.append(Item(position, {}, error=error, line=line))
            continue
        item = Item(position, {}, text=True, line=line)
        child: dict[str, dict[str, str]] = {}
        for name, cell in zip(header, cells, strict=True):
            if cell == "":
                continue
            if name in TAG_KEYS and "tags" in resource.relationships:
                item.tags = (item.tags or []) + [(name[5:], v) for v in _split_list(cell)]
            elif "." in name and name.split(".", 1)[0] in nested:
                rel, attr = name.split(".", 1)
                child.setdefault(rel, {})[attr] = cell
            else:
                item.data[name] = cell
        item.children = {rel: [values] for rel, values in child.items()}
        items.append(item)
    return merge_consecutive(resource, items, parent_id), None


def csv_children(resource: Resource, raws: list[dict[str, str]]) -> list[Item]:
    """The CSV cells of an item's nested children (one dict per row) as child items.

    A child's cells are read as a top-level row's are (`tags.name` lists, dotted cells of its
    own nested children: `line_items.line_item_options.name` reaches a line item as
    `line_item_options.name`). A child with several children of its own spans several rows
    that repeat its own cells: consecutive rows with the same own cells are one child.
    """
    nested = nested_names(resource)
    items: list[Item] = []
    for position, raw in enumerate(raws, start=1):
        item = Item(position, {}, text=True)
        grand: dict[str, dict[str, str]] = {}
        for name, cell in raw.items():
            head, dot, rest = name.partition(".")
            if name in TAG_KEYS and "tags" in resource.relationships:
                item.tags = (item.tags or []) + [(name[5:], v) for v in _split_list(cell)]
            elif dot and head in nested:
                grand.setdefault(head, {})[rest] = cell
            else:
                item.data[name] = cell
        item.children = {rel: [values] for rel, values in grand.items()}
        prev = items[-1] if items else None
        same = prev is not None and prev.data == item.data and item.tags in (None, prev.tags)
        if same and item.children and prev.children:  # type: ignore[union-attr]
            for rel, children in item.children.items():
                prev.children.setdefault(rel, []).extend(children)  # type: ignore[union-attr]
            continue
        items.append(item)
    return items


def raw_key(resource: Resource, item: Item, parent_id: str | None = None) -> tuple | None:
    """The item's key as written in the file (code or id columns, or the import's parent)."""
    parts = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        keys = [f"{name}_id", *rel.codes] if rel is not None else [name]  # type: ignore[union-attr]
        value = next((item.data[k] for k in keys if item.data.get(k) not in (None, "")), None)
        if value is None and name == resource.parent:
            value = parent_id
        parts.append(value)
    if not parts:
        return ("id", item.data["id"]) if item.data.get("id") else None
    return tuple(parts) if all(p is not None for p in parts) else None


def merge_consecutive(
    resource: Resource, items: list[Item], parent_id: str | None = None
) -> list[Item]:
    """Rows repeating the previous row's key add their children to it (one price, N tiers)."""
    merged: list[Item] = []
    for item in items:
        prev = merged[-1] if merged else None
        key = raw_key(resource, item, parent_id) if item.error is None else None
        if (
            prev is not None
            and prev.error is None
            and key is not None
            and key == raw_key(resource, prev, parent_id)
            and item.children
        ):
            for rel, children in item.children.items():
                prev.children.setdefault(rel, []).extend(children)
            if item.tags:
                prev.tags = (prev.tags or []) + item.tags
            prev.rows += 1
            continue
        merged.append(item)
    return merged
