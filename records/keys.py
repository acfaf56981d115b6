"""Unique keys: one declaration (``Resource.unique_key``), two readings.

- As stored (``stored_key``): the columns behind the key, relationships by their id column.
  Records are matched and uniqueness is checked on it.
- As written (``written_names``): how a file or a log names each part, attributes by name and
  relationships by their code columns first (`sku_code`), then `<rel>_id`. CSV rows are merged,
  errors and warnings are keyed, and dry exports are ordered on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from typing import Any, Protocol

from core.dialect import one_of, where_keys_in
from core.errors import FieldError
from core.tenancy import Scope
from records.draft import Draft
from resources.base import BelongsTo, Resource


def stored_key(resource: Resource, record: Mapping[str, Any]) -> tuple | None:
    """The record's unique-key values as stored, or None when it has no usable key.

    An optional relationship in a compound key may be empty: a bundle without a market is
    keyed by (code, None) and matched as such, not duplicated on every import.
    """
    if not resource.unique_key:
        return None
    values = tuple(record.get(col.name) for col in resource.key_columns)
    optional = resource.optional_key_parts
    if all(v is None for v in values):
        return None
    if any(v is None and i not in optional for i, v in enumerate(values)):
        return None
    return values


@cache
def written_names(resource: Resource) -> tuple[tuple[str, tuple[str, ...], BelongsTo | None], ...]:
    """(part, the keys it may be written under, preferred first, its relationship or None) for
    each unique-key part."""
    parts: list[tuple[str, tuple[str, ...], BelongsTo | None]] = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        if isinstance(rel, BelongsTo):
            parts.append((name, (*rel.codes, rel.column), rel))
        else:
            parts.append((name, (name,), None))
    return tuple(parts)


class Lookup(Protocol):
    """Where a key's values are looked up: a mapping, or a view of one."""

    def get(self, key: str, /) -> Any: ...


def written_parts(
    resource: Resource, *sources: Lookup, by_id: tuple[str, ...] = ()
) -> list[Any] | None:
    """The key as written: per part, the first non-blank value among its names, looked up in
    each source in turn (``by_id``: parts named by `<rel>_id` only); None if a part is blank."""
    parts = []
    for name, keys, _rel in written_names(resource):
        if name in by_id:
            keys = keys[-1:]
        parts.append(_first_given(sources, keys))
        if parts[-1] is None:
            return None
    return parts


def _first_given(sources: tuple[Lookup, ...], keys: tuple[str, ...]) -> Any:
    for source in sources:
        for key in keys:
            value = source.get(key)
            if value is not None and value != "":
                return value
    return None


def label(resource: Resource, *sources: Lookup, by_id: tuple[str, ...] = ()) -> str:
    """How logs name a record: its key as written, joined with `/` ('' if it has none)."""
    parts = written_parts(resource, *sources, by_id=by_id) if resource.unique_key else None
    return "/".join(str(p) for p in parts) if parts else ""


def sort_columns(resource: Resource) -> list[str]:
    """The columns holding the key as written, for ordering files that must not depend on ids
    (relationships known only by id are left out: ids differ between organizations)."""
    return [keys[0] for _name, keys, rel in written_names(resource) if rel is None or rel.codes]


def find_by_keys(scope: Scope, resource: Resource, keys: set[tuple]) -> dict[tuple, dict]:
    """Stored rows by unique key: one query for the set (one more per pattern of empty
    optional parts, rare)."""
    if not keys:
        return {}
    table = resource.key_table
    cols = resource.key_columns
    patterns: dict[tuple[bool, ...], list[tuple]] = defaultdict(list)
    for key in keys:
        patterns[tuple(v is None for v in key)].append(key)
    found: dict[tuple, dict] = {}
    for empty, group in patterns.items():
        present = [c for c, e in zip(cols, empty, strict=True) if not e]
        values = [tuple(v for v in k if v is not None) for k in group]
        nulls = [c.is_(None) for c, e in zip(cols, empty, strict=True) if e]
        stmt = scope.select(table).where(*nulls)
        if len(present) == 1:
            stmt = stmt.where(one_of(present[0], [v[0] for v in values]))
        else:
            stmt = where_keys_in(scope.conn, stmt, present, values)
        rows = scope.execute(stmt).mappings().all()
        found.update({tuple(r[c.name] for c in cols): dict(r) for r in rows})
    return found


def check_unique(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """`has already been taken` for drafts whose key another stored record holds."""
    if not resource.unique_key:
        return
    keyed = {d: stored_key(resource, d.record) for d in drafts if not d.errors}
    stored = find_by_keys(scope, resource, {k for k in keyed.values() if k})
    first = resource.unique_key[0]
    for d, key in keyed.items():
        other = stored.get(key) if key else None
        if other and key and (d.existing is None or other["id"] != d.existing["id"]):
            rel = resource.relationships.get(first)
            d.errors.append(
                FieldError.of(first, "taken", relationship=rel is not None, value=key[0])
            )
