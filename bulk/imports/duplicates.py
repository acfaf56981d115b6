"""Items of one import that repeat an earlier item's unique key (not the consecutive CSV rows
of one item, which parse merges): the later item gets a warning naming both positions, and
the last one wins, as items are applied in order.

Keys are the keys as written (``merge_key``, no database), remembered for the whole run with
the first item's position. A run resumed at its cursor rebuilds them from the items before
the cursor, which it reads anyway to skip them, so a resume warns as the first run would.
"""

from __future__ import annotations

from collections.abc import Iterable

from bulk.imports.parse import Item, merge_key
from records.keys import written_names
from resources.base import Resource


class Duplicates:
    def __init__(self, resource: Resource, parent_id: str | None) -> None:
        self.resource, self.parent_id = resource, parent_id
        self.first: dict[tuple, str] = {}  # key -> where its first item is
        self.seen = 0  # items noted so far: the next one's 1-based number

    def note(self, items: Iterable[Item]) -> dict[int, str]:
        """The warnings of the items (by ``id(item)``) that repeat a key noted before."""
        warnings: dict[int, str] = {}
        for item in items:
            self.seen += 1
            key = written_key(self.resource, item, self.parent_id)
            if key is None:
                continue
            first = self.first.setdefault(key, where(self.seen, item))
            if first != where(self.seen, item):
                named = key_named(self.resource, item, key)
                warnings[id(item)] = f"{named} also at {first}: the last one wins"
        return warnings


def written_key(resource: Resource, item: Item, parent_id: str | None) -> tuple | None:
    """The item's key as text (JSON `1` and `"1"` are one code); None for an item without one,
    or whose key is no text at all (`{"code": []}`, an error of its own)."""
    key = merge_key(resource, item, parent_id) if item.error is None else None
    if key is None or not all(isinstance(v, str | int | float) for v in key):
        return None
    return tuple(str(v) for v in key)


def where(number: int, item: Item) -> str:
    return f"item {number} (line {item.line})" if item.line is not None else f"item {number}"


def key_named(resource: Resource, item: Item, key: tuple) -> str:
    """`code ABC`; `price_list_code EUR, sku_code ABC`: each part by the name the item gave
    it (a part only the import's parent gives is the same for every item: left out)."""
    if not resource.unique_key:
        return f"id {key[1]}"
    parts = []
    for (_name, keys, _rel), value in zip(written_names(resource), key, strict=True):
        given = next((k for k in keys if item.data.get(k) not in (None, "")), None)
        if given is not None:
            parts.append(f"{given} {value}")
    return ", ".join(parts)
