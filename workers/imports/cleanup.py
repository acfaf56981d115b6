"""`cleanup_records`: after a completed run, delete the type's records (within the parent when
one was given) that the import did not touch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.tenancy import Scope
from resources.base import BelongsTo, ManyToMany, Resource
from resources.import_records import import_records


def cleanup(scope: Scope, resource: Resource, row: dict[str, Any]) -> tuple[int, list]:
    """(records destroyed, [(record key, warning)] for those that could not be deleted)."""
    table = resource.table
    touched = scope.where(
        select(import_records.c.record_id).where(import_records.c.import_id == row["id"]),
        import_records,
    )
    stmt = scope.select(table).where(table.c.id.notin_(touched))
    if resource.parent and row["parent_resource_id"]:
        parent = resource.relationships[resource.parent]
        assert isinstance(parent, BelongsTo)
        stmt = stmt.where(table.c[parent.column] == row["parent_resource_id"])
    doomed = [dict(r) for r in scope.execute(stmt).mappings()]
    if not doomed:
        return 0, []
    if _delete(scope, resource, [r["id"] for r in doomed]):
        return len(doomed), []
    destroyed, warnings = 0, []
    for record in doomed:  # something depends on some of them: find out which, one by one
        if _delete(scope, resource, [record["id"]]):
            destroyed += 1
        else:
            warnings.append((_key(resource, record), "could not be deleted"))
    return destroyed, warnings


def _delete(scope: Scope, resource: Resource, ids: list[str]) -> bool:
    savepoint = scope.conn.begin_nested()
    try:
        for rel in resource.relationships.values():
            if isinstance(rel, ManyToMany):
                jt = rel.join_table
                mine = (jt.c.owner_type == resource.type) & jt.c.owner_id.in_(ids)
                scope.execute(scope.delete(jt).where(mine))
        scope.execute(scope.delete(resource.table).where(resource.table.c.id.in_(ids)))
        savepoint.commit()
        return True
    except IntegrityError:
        savepoint.rollback()
        return False


def _key(resource: Resource, record: dict[str, Any]) -> str:
    parts = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        if isinstance(rel, BelongsTo):
            code = next((record.get(k) for k in rel.codes if record.get(k)), None)
            parts.append(code or record.get(rel.column))
        else:
            parts.append(record.get(name))
    return "/".join(str(p) for p in parts) if parts and all(parts) else record["id"]
