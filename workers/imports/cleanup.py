"""`cleanup_records`: after a completed run, delete the type's records (within the parent when
one was given) that the import did not touch.

Set-based: one query finds the records other records still depend on (a shipping category a SKU
uses), one statement deletes the others, one reads the kept ones for their warnings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union
from sqlalchemy.exc import IntegrityError

from app.tenancy import Scope
from resources.base import BelongsTo, ManyToMany, Resource
from resources.import_records import import_records

WARNING = "could not be deleted"


def cleanup(scope: Scope, resource: Resource, row: dict[str, Any]) -> tuple[int, list]:
    """(records destroyed, [(record key, warning)] for those that could not be deleted)."""
    table = resource.table
    touched = scope.where(
        select(import_records.c.record_id).where(import_records.c.import_id == row["id"]),
        import_records,
    )
    doomed = scope.select(table, table.c.id).where(table.c.id.notin_(touched))
    if resource.parent and row["parent_resource_id"]:
        parent = resource.relationships[resource.parent]
        assert isinstance(parent, BelongsTo)
        doomed = doomed.where(table.c[parent.column] == row["parent_resource_id"])
    blocked = _blocked(scope, resource, doomed)
    deletable = doomed.where(table.c.id.notin_(blocked)) if blocked is not None else doomed
    destroyed = _delete(scope, resource, deletable)
    if destroyed is None:  # a dependency the declarations do not know: find it one by one
        destroyed = 0
        for record_id in list(scope.execute(deletable).scalars()):
            one = scope.select(table, table.c.id).where(table.c.id == record_id)
            destroyed += _delete(scope, resource, one) or 0
    kept = scope.execute(scope.select(table).where(table.c.id.in_(doomed))).mappings().all()
    return destroyed, [(record_key(resource, dict(r)), WARNING) for r in kept]


def _blocked(scope: Scope, resource: Resource, doomed: Any) -> Any:
    """The ids among `doomed` that a restricting relationship of another record points to."""
    from resources import REGISTRY

    queries = []
    for other in REGISTRY.values():
        for rel in other.belongs_to:
            if rel.target_type == resource.type and rel.on_delete == "RESTRICT":
                column = other.table.c[rel.column]
                queries.append(scope.where(select(column).where(column.in_(doomed)), other.table))
    if not queries:
        return None
    return union(*queries) if len(queries) > 1 else queries[0]


def _delete(scope: Scope, resource: Resource, ids: Any) -> int | None:
    """Deletes the records whose ids the subquery selects; None if the database refused."""
    savepoint = scope.conn.begin_nested()
    try:
        for rel in resource.relationships.values():
            if isinstance(rel, ManyToMany):
                jt = rel.join_table
                mine = (jt.c.owner_type == resource.type) & jt.c.owner_id.in_(ids)
                scope.execute(scope.delete(jt).where(mine))
        table = resource.table
        result = scope.execute(scope.delete(table).where(table.c.id.in_(ids)))
        savepoint.commit()
        return result.rowcount
    except IntegrityError:
        savepoint.rollback()
        return None


def record_key(resource: Resource, record: dict[str, Any]) -> str:
    """How logs name a stored record: like an item, by its unique key (the parent by id, other
    relationships by code), else by id."""
    parts = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        if isinstance(rel, BelongsTo):
            code = (
                None
                if name == resource.parent
                else next((record.get(k) for k in rel.codes if record.get(k)), None)
            )
            parts.append(code or record.get(rel.column))
        else:
            parts.append(record.get(name))
    return "/".join(str(p) for p in parts) if parts and all(parts) else record["id"]
