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

LINE_BITS = 32  # a first position is one int: its item number, then its line (0: none)


class Duplicates:
    def __init__(self, resource: Resource, parent_id: str | None) -> None:
        self.resource, self.parent_id = resource, parent_id
        # key -> its first item's position, packed: a million keys take about 100 MB less
        # than as tuples and strings (measured)
        self.first: dict[str | tuple, int] = {}
        self.seen = 0  # items noted so far: the next one's 1-based number

    def note(self, items: Iterable[Item]) -> dict[int, str]:
        """The warnings of the items (by ``id(item)``) that repeat a key noted before."""
        warnings: dict[int, str] = {}
        for item in items:
            self.seen += 1
            key = written_key(self.resource, item, self.parent_id)
            if key is None:
                continue
            here = self.seen << LINE_BITS | (item.line or 0)
            first = self.first.setdefault(key, here)
            if first != here:
                named = key_named(self.resource, item, key)
                warnings[id(item)] = f"{named} also at {where(first)}: the last one wins"
        return warnings


def written_key(resource: Resource, item: Item, parent_id: str | None) -> str | tuple | None:
    """The item's key as text (JSON `1` and `"1"` are one code; one part: that string); None
    for an item without one, or whose key is no text at all (`{"code": []}`, its own error)."""
    key = merge_key(resource, item, parent_id) if item.error is None else None
    if key is None or not all(isinstance(v, str | int | float) for v in key):
        return None
    return str(key[0]) if len(key) == 1 else tuple(str(v) for v in key)


def where(position: int) -> str:
    number, line = position >> LINE_BITS, position & ((1 << LINE_BITS) - 1)
    return f"item {number} (line {line})" if line else f"item {number}"


def key_named(resource: Resource, item: Item, key: str | tuple) -> str:
    """`code ABC`; `price_list_code EUR, sku_code ABC`: each part by the name the item gave
    it (a part only the import's parent gives is the same for every item: left out)."""
    if not resource.unique_key:
        return f"id {key[1]}"
    values = (key,) if isinstance(key, str) else key
    parts = []
    for (_name, keys, _rel), value in zip(written_names(resource), values, strict=True):
        given = next((k for k in keys if item.data.get(k) not in (None, "")), None)
        if given is not None:
            parts.append(f"{given} {value}")
    return ", ".join(parts)
