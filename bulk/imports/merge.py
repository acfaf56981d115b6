"""How an item merges into the record it matches: an import's `defaults`, `locked_fields` and
`merge_mode` (given on the import, or copied from its profile when it was created).

    build -> fill defaults -> resolve -> match -> keep locked, replace omitted -> validate

`partial` (Commerce Layer's behaviour) changes only what an item gives. `replace` makes the
item the whole record: every writable attribute it omits goes back to its declared default
(or null), and its nested children arrays count as given empty, so apply deletes the stored
children it does not list. Keys, locked fields, read-only and create-only attributes, secrets
(passwords) and relationships stay; named links (tags) change only when given, as always.

No database: one pass over a chunk's drafts, so the statements per chunk stay as they were.
The checks of these settings at create (``settings_errors``) name what cannot be used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bulk.imports.build import Work
from bulk.imports.resolve import live
from core.errors import FieldError
from records.validation import READ_ONLY, coerce_attributes
from resources.base import HasMany, Resource
from resources.fields import Attr


@dataclass(frozen=True, slots=True)
class Merge:
    replace: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)  # coerced column values
    locked: frozenset[str] = frozenset()

    @classmethod
    def of(cls, resource: Resource, row: dict[str, Any]) -> Merge:
        """The import row's settings (checked at create, so they coerce)."""
        defaults, _errors, _unknown = coerce_attributes(resource, row.get("defaults") or {})
        locked = frozenset(row.get("locked_fields") or ())
        return cls(row.get("merge_mode") == "replace", defaults, locked)

    def fill_defaults(self, resource: Resource, works: list[Work]) -> None:
        """The defaults an item does not give (a code key is given by its relationship's id
        or any of its codes)."""
        if not self.defaults:
            return
        for w in works:
            values = w.draft.values
            for key, value in self.defaults.items():
                if key not in values and not _reference_given(resource, key, values):
                    values[key] = value

    def onto_existing(self, resource: Resource, works: list[Work]) -> None:
        """Once matched: locked attributes of an existing record are not written, and in
        replace mode what the item omits goes back to its default."""
        for w in live(works):
            if w.draft.existing is None:
                continue
            for name in self.locked:
                w.draft.values.pop(name, None)
            if self.replace:
                replace_omitted(resource, w, self.locked)


def replace_omitted(resource: Resource, work: Work, locked: frozenset[str] = frozenset()) -> None:
    """An existing record's omitted attributes back to their defaults, its nested children
    arrays given (empty when omitted: apply deletes what they no longer list)."""
    values = work.draft.values
    for attr in resettable(resource):
        if attr.name not in values and attr.name not in locked:
            values[attr.name] = attr.default() if callable(attr.default) else attr.default
    for name in nested_arrays(resource):
        work.children.setdefault(name, [])


@cache
def resettable(resource: Resource) -> tuple[Attr, ...]:
    """The attributes replace mode resets: stored, writable after create, no key, no secret."""
    keys = {*resource.unique_key, *resource.code_columns, resource.discriminator, *READ_ONLY}
    return tuple(
        a
        for a in resource.attributes.values()
        if a.column and a.writable and not (a.create_only or a.update_only or a.secret)
        and a.name not in keys
    )  # fmt: skip


@cache
def nested_arrays(resource: Resource) -> tuple[str, ...]:
    """The declared nested children (prices' price_tiers), whose arrays replace."""
    return tuple(
        r.name for r in resource.relationships.values() if isinstance(r, HasMany) and r.nested
    )


def _reference_given(resource: Resource, key: str, values: dict[str, Any]) -> bool:
    found = resource.code_columns.get(key)
    if found is None:
        return False
    rel = found[0]
    return values.get(rel.column) is not None or any(k in values for k in rel.codes)


def lockable(resource: Resource) -> list[str]:
    """What `locked_fields` may name: attributes an update could write, keys excepted."""
    return sorted(a.name for a in resettable(resource))


def settings_errors(resource: Resource, values: dict[str, Any]) -> list[FieldError]:
    """`defaults` naming attributes or code keys the type imports, each coercing by its
    declared type; `locked_fields` naming attributes an update could write."""
    errors: list[FieldError] = []
    defaults = values.get("defaults")
    if defaults:
        known = {k for k in resource.inputs if k not in READ_ONLY}
        for key in defaults:
            attr = resource.inputs.get(key)
            if key not in known or attr is None or attr.update_only:
                message = f"names {key!r}, no attribute or code key imports of {resource.type} take"
                errors.append(FieldError("defaults", "invalid", message))
        _values, invalid, _unknown = coerce_attributes(resource, defaults)
        for e in invalid:
            message = f"has a value for {e.attribute!r} that {e.message}"
            errors.append(FieldError("defaults", "invalid", message))
    allowed = set(lockable(resource))
    for name in values.get("locked_fields") or ():
        if name not in allowed:
            message = (
                f"names {name!r}, which is no attribute an import may update on "
                f"{resource.type} (keys and read-only attributes cannot be locked)"
            )
            errors.append(FieldError("locked_fields", "invalid", message))
    return errors
