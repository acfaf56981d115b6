"""Tags named by import items: by id (must exist) or by name (found, or created with the item).

An item's `tags` are `("id" | "name", value)` pairs until resolved. A new name becomes a
placeholder link that ``create_tags`` turns into a tag when, and only if, the item is written,
so a failing item leaves no tags behind.
"""

from __future__ import annotations

from app.db import new_id, utcnow
from app.errors import FieldError
from app.services.records import Draft
from app.tenancy import Scope
from resources.base import ManyToMany, Resource

NEW_TAG = "new tag:"  # a link to a tag `create_tags` makes (ids have no colon)


def resolve_tags(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """One query for all the drafts' tags; unknown ids, invalid names and more than the
    maximum are errors of the draft."""
    rel = resource.relationships.get("tags")
    wanted = [d for d in drafts if "tags" in d.links]
    if not isinstance(rel, ManyToMany) or not wanted:
        return
    refs = {r for d in wanted for r in d.links["tags"]}  # type: ignore[misc]
    ids = {v for kind, v in refs if kind == "id"}
    names = {v for kind, v in refs if kind == "name"}
    table = rel.target.table
    stmt = scope.select(table, table.c.id, table.c.name)
    found = scope.execute(stmt.where(table.c.id.in_(ids) | table.c.name.in_(names))).all()
    by_id = {r.id for r in found}
    by_name = {r.name: r.id for r in found}
    name_attr = rel.target.attributes["name"]
    for d in wanted:
        resolved = []
        for kind, value in d.links["tags"]:  # type: ignore[misc]
            if kind == "id":
                tag_id = value if value in by_id else None
            else:
                tag_id = by_name.get(value)
                if tag_id is None and name_attr.check(value) is None:
                    tag_id = NEW_TAG + value
            if kind == "name" and tag_id is None:
                d.errors.append(FieldError("tags", "invalid", f"{value!r} is invalid"))
            elif tag_id is None:
                d.errors.append(FieldError.of("tags", "required", relationship=True))
            else:
                resolved.append(tag_id)
        d.links["tags"] = list(dict.fromkeys(resolved))
        if rel.max_count and len(d.links["tags"]) > rel.max_count:
            d.errors.append(FieldError.of("tags", "too_many", count=rel.max_count))


def create_tags(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Creates the new tags these drafts name (one insert) and links them by id."""
    rel = resource.relationships.get("tags")
    if not isinstance(rel, ManyToMany):
        return
    owners = [d for d in drafts if d.links.get("tags")]
    new = {t for d in owners for t in d.links["tags"] if t.startswith(NEW_TAG)}
    if not new:
        return
    now = utcnow()
    rows = [
        {"id": new_id(), "name": n, "created_at": now, "updated_at": now, "metadata": {}}
        for n in sorted(t.removeprefix(NEW_TAG) for t in new)
    ]
    scope.insert(rel.target.table, rows)
    ids = {NEW_TAG + r["name"]: r["id"] for r in rows}
    for d in owners:
        d.links["tags"] = [ids.get(t, t) for t in d.links["tags"]]
