"""Versions: every create, update and destroy of a versioned type leaves one, with the changed
attributes' before and after values, the event, who did it and when.

Set-based and in the writer's transaction: one insert per batch of writes (COPY for large
ones), so a rolled-back write leaves no version and a committed one always has its version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from core.db import new_id, utcnow
from core.tenancy import Scope
from resources.base import Resource
from resources.fields import Attr
from resources.versions import resource as versions

FILTERED = "[FILTERED]"  # what a version shows of a secret (a password hash)
NOT_ATTRIBUTES = frozenset({"id", "organization_id", "created_at", "updated_at"})

Changes = dict[str, list[Any]]


@cache
def tracked(resource: Resource) -> tuple[tuple[str, Any], ...]:
    """(column, attribute or None) of what versions record: every stored value but the id,
    the organization and the timestamps (reference codes and `<rel>_id`s included)."""
    return tuple(
        (str(c.name), resource.attributes.get(c.name))
        for c in resource.table.columns
        if c.name not in NOT_ATTRIBUTES
    )


def _filtered(_value: Any) -> str:
    return FILTERED


@cache
def _shown_by(resource: Resource) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """(column, how a version shows its value: None when as it is) of each tracked column.
    Worked out once per type: a 10,000-item import shows 100,000 values."""
    out: list[tuple[str, Callable[[Any], Any] | None]] = []
    for name, attr in tracked(resource):
        if attr is not None and attr.secret:
            out.append((name, _filtered))
        elif attr is not None and type(attr).render is not Attr.render:
            out.append((name, attr.render))
        else:
            out.append((name, None))
    return tuple(out)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {}


def same(old: Any, new: Any) -> bool:
    """Whether a stored value and a given one are the same value (nothing, "" and {} alike)."""
    return old == new or (_empty(old) and _empty(new))


def differences(
    resource: Resource, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> Changes:
    """{column: [before, after]} of the columns whose values differ, rendered as the API
    renders them: a create's (no ``before``), a destroy's (no ``after``), or an update's,
    whose ``after`` holds only the columns it writes."""
    out: Changes = {}
    if before is None or after is None:  # everything there was, or is
        values = after if before is None else before
        assert values is not None
        for name, show in _shown_by(resource):
            value = values.get(name)
            if value is None or value == "" or value == {}:
                continue
            if show is not None:
                value = show(value)
            out[name] = [None, value] if before is None else [value, None]
        return out
    for name, show in _shown_by(resource):
        if name in after:  # an update leaves the other columns as they are
            old, new = before.get(name), after[name]
            if old != new and not (_empty(old) and _empty(new)):
                if show is not None:
                    old = None if old is None else show(old)
                    new = None if new is None else show(new)
                out[name] = [old, new]
    return out


def record(
    scope: Scope, resource: Resource, event: str, changes: Iterable[tuple[str, Changes]]
) -> None:
    """Stores one version per (record id, changes) of ``event``."""
    if not resource.versioned:
        return
    now = utcnow()
    who = scope.who or {}
    import_id = who.get("import", {}).get("id")
    rows = [
        {
            "id": new_id(),
            "created_at": now,
            "updated_at": now,
            "resource_type": resource.stored_type,  # a family's history is one, as its table
            "resource_id": record_id,
            "event": event,
            "changes": changed,
            "who": who,
            "import_id": import_id,
            "metadata": {},
        }
        for record_id, changed in changes
    ]
    scope.insert(versions.table, rows)
