"""Tags by name: found, or created when an import or `_add_tags` names a new one."""

from __future__ import annotations

from app.db import new_id, utcnow
from app.tenancy import Scope


def tag_ids_by_name(
    scope: Scope, names: set[str], *, create: bool
) -> tuple[dict[str, str], set[str]]:
    """({name: id}, names that are not valid tag names). One query, one insert at most."""
    from resources.tags import resource as tags

    if not names:
        return {}, set()
    table = tags.table
    stmt = scope.select(table, table.c.name, table.c.id).where(table.c.name.in_(names))
    found = dict(scope.execute(stmt).all())
    check = tags.attributes["name"].check
    invalid = {n for n in names - set(found) if check(n) is not None}
    missing = sorted(names - set(found) - invalid)
    if create and missing:
        now = utcnow()
        rows = [
            {"id": new_id(), "name": n, "created_at": now, "updated_at": now, "metadata": {}}
            for n in missing
        ]
        scope.insert(table, rows)
        found.update({r["name"]: r["id"] for r in rows})
    return found, invalid
