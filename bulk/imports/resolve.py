"""Stage 3 of an import: references become ids, and items find the records they update.

Set-based: per chunk, one query per referenced type (by id or by code), one per named link
(tags), one to match stored records by id and one by unique key, whatever the chunk's size.
Matching runs per wave: a wave never names one record twice, so an item repeating an earlier
item's key (or id) is matched after that item is written, and updates it.
"""

from __future__ import annotations

from collections.abc import Iterator

from bulk.imports.build import Work
from core.dialect import one_of
from core.errors import FieldError
from core.tenancy import Scope
from records import links, references
from records.keys import find_by_keys, stored_key
from resources.base import Resource


def live(works: list[Work]) -> list[Work]:
    return [w for w in works if not w.draft.errors]


def resolve(scope: Scope, resource: Resource, works: list[Work]) -> None:
    """References (`sku_code`, `<rel>_id`) -> checked ids, then the type's derived values."""
    references.resolve(scope, resource, [w.draft for w in live(works)])


def match(scope: Scope, resource: Resource, works: list[Work]) -> None:
    """Named links (tags) -> ids, then each item's stored record: by id first (an unknown id
    is an error), else by unique key (none found: a create)."""
    links.resolve_refs(scope, resource, [w.draft for w in live(works)])
    works = live(works)
    table = resource.table
    by_id = [w for w in works if w.draft.values.get("id")]
    if by_id:
        ids = {w.draft.values["id"] for w in by_id}
        rows = scope.execute(scope.select(table).where(one_of(table.c.id, ids)))
        stored = {r["id"]: dict(r) for r in rows.mappings()}
        for w in by_id:
            w.draft.existing = stored.get(w.draft.values.pop("id"))
            if w.draft.existing is None:
                w.draft.errors.append(FieldError.of("id", "not_found"))
    unmatched = [
        w
        for w in works
        if "id" not in w.draft.values and w.draft.existing is None and not w.draft.errors
    ]
    keyed = {w: k for w in unmatched if (k := stored_key(resource, w.draft.values)) is not None}
    stored_by_key = find_by_keys(scope, resource, set(keyed.values()))
    for w, key in keyed.items():
        w.draft.existing = stored_by_key.get(key)


def waves(resource: Resource, works: list[Work]) -> Iterator[list[Work]]:
    """Consecutive runs of works that never name one record (by id or key) twice."""
    start = 0
    while start < len(works):
        seen: set[tuple] = set()
        end = start
        while end < len(works):
            names = _identities(resource, works[end])
            if names & seen:
                break
            seen |= names
            end += 1
        yield works[start:end]
        start = end


def _identities(resource: Resource, work: Work) -> set[tuple]:
    if work.draft.errors:
        return set()
    values = work.draft.values
    names = {("id", values["id"])} if values.get("id") else set()
    key = stored_key(resource, values)
    return names | {("key", key)} if key is not None else names
