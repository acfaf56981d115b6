"""Stage 1 of an import: inputs -> ``Item``s, JSON arrays and RFC 4180 CSV, no database.

CSV: a UTF-8 BOM and CRLF are accepted, quoted cells may hold commas, quotes and newlines.
``price_tiers.name``-style headers fill nested children, ``tags.id`` / ``tags.name`` cells hold
comma lists, and consecutive rows with the same key are merged into one item with several
children (counted as one item). A row with the wrong number of cells becomes an item carrying
its error (naming its line), so it is counted and logged like any other failing item. Nested
children become items of their own type here, at any depth, so later stages only recurse; an
export's to-many includes are nested children too (``HasMany.inline``).

JSON named links (`tags: ["sale", {"id": "..."}, {"name": "new"}]`, `tags.id: "a,b"`) are read
entry by entry: an entry that is not a name or an object with one string `id` or `name` is a
problem of its item (``Item.problems``, an error of that item only), never dropped silently.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fileformats import delimited, headers
from records.keys import written_names, written_parts
from records.links import LinkRef
from resources.base import BelongsTo, HasMany, ManyToMany, Resource

NOT_AN_OBJECT = "must be a JSON object"
ERRORS_KEY = "_errors"  # the errors file's messages (bulk/imports/failures.py): never an input
Problems = list[tuple[str, str]]  # (key, message): values an item gives that cannot be read
# An import's column mapping (bulk/imports/mapping.py): one item's raw values, as CSV text or
# not, -> the values parse reads, and the problems of its cells
Remap = Callable[[dict[str, Any], bool], tuple[dict[str, Any], Problems]]


@dataclass(slots=True)
class Item:
    position: int  # 1-based position of the item (CSV: of its first data row)
    data: dict[str, Any]  # own keys, raw
    children: dict[str, list[Item]] = field(default_factory=dict)  # nested, by relationship
    links: dict[str, list[LinkRef]] = field(default_factory=dict)  # named links (tags)
    rows: int = 1  # inputs it counts for: 1 (merged CSV rows are one item), or every row of a
    # CSV whose header is unusable (one failing item standing for them all)
    text: bool = False  # values are CSV strings, coerced by declared type
    error: str | None = None  # an item that could not be read at all
    # (key, message): values the item gives that cannot be read (a tag entry `{"id": 1}`);
    # each is an error of the item, which fails without stopping its neighbours
    problems: Problems = field(default_factory=list)
    # The item as the inputs gave it, for the errors file (bulk/imports/failures.py): the JSON
    # value, or its CSV rows as {column: cell} (before any mapping); None where none is kept.
    raw: Any = None
    line: int | None = None  # the file's line of its first row, where lines mean something


@cache
def nested_names(resource: Resource) -> frozenset[str]:
    """The to-many relationships whose records an item may carry inline (``HasMany.inline``)."""
    return frozenset(
        r.name for r in resource.relationships.values() if isinstance(r, HasMany) and r.inline
    )


@cache
def link_keys(resource: Resource) -> dict[str, tuple[str, str]]:
    """Keys naming links one by one -> (relationship, "id" | "name"): `tags.id`, `tags.name`."""
    keys = {}
    for rel in resource.named_links:
        keys[f"{rel.name}.id"] = (rel.name, "id")
        keys[f"{rel.name}.{rel.named_by}"] = (rel.name, "name")
    return keys


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


MAX_PROBLEMS = 10  # messages per key at most: a list of 10,000 bad entries is one line more


def _report(item: Item, key: str, problems: list[str]) -> None:
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"and {more} more invalid entries"]
    item.problems.extend((key, problem) for problem in problems)


def _add_links(item: Item, key: str, value: Any, resource: Resource) -> None:
    """`tags.id` / `tags.name`: a comma list (CSV cells, JSON strings) or a JSON list of strings;
    JSON null gives none, like an empty cell."""
    rel, kind = link_keys(resource)[key]
    if value is None:
        return
    if isinstance(value, str):
        values = _split_list(value)
    elif isinstance(value, list):
        values = [v for v in value if isinstance(v, str)]
        wrong = [n for n, v in enumerate(value, start=1) if not isinstance(v, str)]
        _report(item, key, [f"entry {n} must be a string" for n in wrong])
    else:
        _report(item, key, ["must be a comma-separated string or a list of strings"])
        return
    item.links.setdefault(rel, []).extend((kind, v) for v in values)


def _json_link(entry: Any, rel: ManyToMany) -> LinkRef | str:
    """One entry of a JSON `tags` list -> a ``LinkRef``, or why it is not one: a name, or an
    object with a string `id` or `name` (and, as a JSON:API identifier has, `type: "tags"`)."""
    named_by = str(rel.named_by)
    if isinstance(entry, str):
        return ("name", entry)
    expected = f'must be a name, or an object with an "id" or a "{named_by}"'
    if not isinstance(entry, dict):
        return expected
    unknown = [k for k in entry if k not in ("id", named_by, "type")]
    if unknown:
        listed = ", ".join(json.dumps(k[:40], ensure_ascii=False) for k in unknown[:5])
        return f'has unknown keys ({listed}): it takes an "id" or a "{named_by}"'
    given = [k for k in ("id", named_by) if k in entry]
    if not given:
        return expected
    if len(given) > 1:
        return f'has both an "id" and a "{named_by}": give one of them'
    if "type" in entry and entry["type"] != rel.target_type:
        return f'has a "type" other than "{rel.target_type}"'
    value = entry[given[0]]
    if not isinstance(value, str):
        return f'has a non-string "{given[0]}"'
    return ("id" if given[0] == "id" else "name", value)


def _json_links(item: Item, key: str, value: Any, rel: ManyToMany) -> None:
    """`tags: ["sale", {"id": "..."}, {"name": "new"}]` -> [("name","sale"), ("id",..), ...];
    each entry that is not one is a problem of the item, naming its position."""
    if not isinstance(value, list):
        expected = f'must be a list of names, or of objects with an "id" or a "{rel.named_by}"'
        _report(item, key, [expected])
        return
    links: list[LinkRef] = []
    problems = []
    for n, entry in enumerate(value, start=1):
        link = _json_link(entry, rel)
        if isinstance(link, str):
            problems.append(f"entry {n} {link}")
        else:
            links.append(link)
    _report(item, key, problems)
    item.links.setdefault(key, []).extend(links)


@cache
def _json_keys(resource: Resource) -> dict[str, str]:
    """The keys of a JSON item that are not plain values, and what they hold: "nested"
    children, a named link's "links" (`tags: [...]`), or "link" values one by one."""
    keys = dict.fromkeys(nested_names(resource), "nested")
    keys.update(dict.fromkeys((rel.name for rel in resource.named_links), "links"))
    keys.update(dict.fromkeys(link_keys(resource), "link"))
    return keys


def json_item(resource: Resource, raw: Any, position: int) -> Item:
    if not isinstance(raw, dict):
        return Item(position, {}, error=NOT_AN_OBJECT, raw=raw)
    special = _json_keys(resource)
    item = Item(position, {}, raw=raw)
    for key, value in raw.items():
        kind = special.get(key)
        if key == ERRORS_KEY:
            continue
        if kind is None:
            item.data[key] = value
        elif kind == "nested" and isinstance(value, list):
            target = resource.relationships[key].target
            item.children[key] = [json_item(target, v, i) for i, v in enumerate(value, start=1)]
        elif kind == "links":
            rel = resource.relationships[key]
            assert isinstance(rel, ManyToMany)
            _json_links(item, key, value, rel)
        elif kind == "link":
            _add_links(item, key, value, resource)
        else:
            item.data[key] = value
    return item


def parse_json(resource: Resource, inputs: list[Any], remap: Remap | None = None) -> list[Item]:
    if remap is None:
        return [json_item(resource, raw, pos) for pos, raw in enumerate(inputs, start=1)]
    return [mapped_json_item(resource, raw, pos, remap) for pos, raw in enumerate(inputs, start=1)]


def mapped_json_item(resource: Resource, raw: Any, position: int, remap: Remap) -> Item:
    if not isinstance(raw, dict):
        return json_item(resource, raw, position)
    values, problems = remap(raw, False)
    item = json_item(resource, values, position)
    item.problems[:0] = problems
    item.raw = raw
    return item


CsvRecord = delimited.Record  # (line where it starts, cells, why it could not be read)


def csv_records(text: str) -> list[CsvRecord]:
    """Every non-blank record, header included, each with the line it starts on."""
    return list(delimited.records(io.StringIO(text.removeprefix("\ufeff"), newline=""), ","))


def header_problem(records: list[CsvRecord]) -> str | None:
    """Why the header line cannot be used, if it cannot."""
    if not records:
        return "the CSV has no header line"
    first = records[0]
    if first.error:
        return f"line {first.line}: {first.error}"
    return headers.problem([h.strip() for h in first.cells], first.line)


def csv_summary(text: str) -> tuple[int, str | None]:
    """(data rows, why the header is unusable or None), for validation at create."""
    records = csv_records(text)
    return max(0, len(records) - 1), header_problem(records) if records else None


Cells = dict[str, dict[str, str]]  # nested relationship -> its cells in one row
Row = tuple[Item, dict[str, list[dict[str, str]]]]  # an item, and its children's cells by row


def csv_row(
    resource: Resource, position: int, names: list[str], cells: list[Any]
) -> tuple[Item, Cells]:
    """One CSV row (a top-level item's or a nested child's): own cells, links, children's cells.

    Dotted names reach a nested child's own cells (`price_tiers.name`) or, one level further,
    its children's (`line_items.line_item_options.name` reaches a line item as
    `line_item_options.name`)."""
    item = Item(position, {}, text=True)
    nested = nested_names(resource)
    children: Cells = {}
    for name, cell in zip(names, cells, strict=True):
        if cell == "" or name == ERRORS_KEY:
            continue
        head, dot, rest = name.partition(".")
        if name in link_keys(resource):
            _add_links(item, name, cell, resource)
        elif dot and head in nested:
            children.setdefault(head, {})[rest] = cell
        else:
            item.data[name] = cell
    return item, children


def parse_csv(
    resource: Resource, text: str, parent_id: str | None = None, remap: Remap | None = None
) -> tuple[list[Item], str | None]:
    """Items and, if the header itself is unusable, why."""
    records = csv_records(text)
    problem = header_problem(records)
    if problem:
        return [], problem
    header = [h.strip() for h in records[0].cells]
    rows: list[Row] = []
    for position, (line, cells, error) in enumerate(records[1:], start=1):
        raw = [dict(zip(header, cells, strict=False))]  # a short or long row: what it has
        if error:
            rows.append((Item(position, {}, error=f"line {line}: {error}", raw=raw), {}))
        elif len(cells) != len(header):
            error = f"line {line}: expected {len(header)} cells, found {len(cells)}"
            rows.append((Item(position, {}, error=error, raw=raw), {}))
        elif remap is not None:
            mapped, problems = remap(dict(zip(header, cells, strict=True)), True)
            item, children = csv_row(resource, position, list(mapped), list(mapped.values()))
            item.problems.extend(problems)
            item.raw = raw
            rows.append((item, {rel: [values] for rel, values in children.items()}))
        else:
            item, children = csv_row(resource, position, header, cells)
            item.raw = raw
            rows.append((item, {rel: [values] for rel, values in children.items()}))
        rows[-1][0].line = line
    return nest(resource, merge_consecutive(resource, rows, parent_id)), None


def nest(resource: Resource, rows: list[Row]) -> list[Item]:
    """Turns each row's children cells into child items of their own type (recursively)."""
    for item, children in rows:
        item.children = {
            name: csv_children(resource.relationships[name].target, raws)
            for name, raws in children.items()
        }
    return [item for item, _children in rows]


def csv_children(resource: Resource, raws: list[dict[str, str]]) -> list[Item]:
    """The CSV cells of an item's nested children (one dict per row) as child items.

    A child with several children of its own spans several rows that repeat its own cells:
    consecutive rows with the same own cells are one child.
    """
    rows: list[Row] = []
    for position, raw in enumerate(raws, start=1):
        item, children = csv_row(resource, position, list(raw), list(raw.values()))
        grand = {rel: [values] for rel, values in children.items()}
        prev = rows[-1] if rows else None
        if (
            prev is not None
            and prev[0].data == item.data
            and (not item.links or item.links == prev[0].links)
            and grand
            and prev[1]
        ):
            for rel, more in grand.items():
                prev[1].setdefault(rel, []).extend(more)
            continue
        rows.append((item, grand))
    return nest(resource, rows)


def merge_columns(resource: Resource) -> list[list[str]]:
    """The columns ``merge_key`` reads, per key part, preferred first (`id` for a type without
    a unique key): what a client splitting a file must keep together (GET /api/import_types)."""
    if not resource.unique_key:
        return [["id"]]
    return [list(keys) for _name, keys, _rel in written_names(resource)]


def parent_relationship(resource: Resource) -> BelongsTo | None:
    """The relationship an import's `parent_resource_id` fills, if the type has one."""
    parent = resource.relationships.get(resource.parent or "")
    return parent if isinstance(parent, BelongsTo) else None


def merge_key(resource: Resource, item: Item, parent_id: str | None = None) -> tuple | None:
    """The item's key as written in the file (or the import's parent), to merge rows on."""
    if not resource.unique_key:
        return ("id", item.data["id"]) if item.data.get("id") else None
    parent = parent_relationship(resource)
    given = {parent.column: parent_id} if parent is not None and parent_id else {}
    parts = written_parts(resource, item.data, given)
    return tuple(parts) if parts is not None else None


def _include_cells(resource: Resource, item: Item) -> bool:
    """Whether the row carries cells of an include that is not inline (`stock_locations.name`
    of an address): its record's other rows, which build warns about once."""
    return any(
        dot and head in resource.relationships
        for head, dot, _rest in (key.partition(".") for key in item.data)
    )


def merge_consecutive(
    resource: Resource,
    rows: list[Row],
    parent_id: str | None = None,
) -> list[Row]:
    """Rows repeating the previous row's key add their children to it (one price, N tiers);
    rows repeating it for an include that is not inline are the same item too."""
    merged: list[Row] = []
    last_key: tuple | None = None  # the key of merged[-1]'s item
    for item, children in rows:
        key = merge_key(resource, item, parent_id) if item.error is None else None
        repeated = merged and key is not None and key == last_key
        if repeated and (children or _include_cells(resource, item)):
            prev = merged[-1]
            for rel, more in children.items():
                prev[1].setdefault(rel, []).extend(more)
            for rel, refs in item.links.items():
                prev[0].links.setdefault(rel, []).extend(refs)
            if isinstance(prev[0].raw, list) and isinstance(item.raw, list):
                prev[0].raw.extend(item.raw)  # the item's rows, all of them
            continue
        last_key = key
        merged.append((item, children))
    return merged
