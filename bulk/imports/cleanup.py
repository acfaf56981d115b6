"""Stage 7 of an import, with `cleanup_records`: once the run completes, delete the type's
records (within the parent when one was given) that the import did not touch.

The records touched are committed with each chunk (``record_touched``), so a run resumed by
another worker still knows them. Set-based: one query finds the records other records still
depend on (a shipping category a SKU uses), one statement deletes the others, one reads the
kept ones for their warnings.

The guard (`cleanup_max_ratio`, default 0.5): before anything is deleted, two counts (the
records in scope, those that would be deleted) decide; a cleanup that would delete a larger
share deletes nothing and says so in one warning, so a truncated nightly file cannot empty
the catalog.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.exc import IntegrityError

from core.errors import FieldError
from core.tenancy import Scope
from records.keys import label
from records.write import delete_where
from resources.base import BelongsTo, Resource
from resources.import_records import import_records

WARNING = "could not be deleted"
GUARD_KEY = "cleanup"  # where the guard's warning goes in warnings_log (no record's key)
DEFAULT_MAX_RATIO = 0.5


def record_touched(scope: Scope, import_id: str, record_ids: list[str]) -> None:
    """Remembers the records a `cleanup_records` import wrote, once each across chunks."""
    rows = [{"import_id": import_id, "record_id": r} for r in sorted(set(record_ids))]
    scope.insert(import_records, rows, skip_existing=True)


def forget_touched(scope: Scope, import_id: str) -> None:
    scope.execute(scope.delete(import_records).where(import_records.c.import_id == import_id))


def cleanup(
    scope: Scope, resource: Resource, row: dict[str, Any], deleted: list[str] | None = None
) -> tuple[int, list]:
    """(records destroyed, [(record key, warning)] for those that could not be deleted);
    ``deleted`` gets the keys of the records destroyed (a preview's plan lists them)."""
    gone: list[dict[str, Any]] = []
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
    refused = guard(scope, resource, row, deletable)
    if refused is not None:
        return 0, [(GUARD_KEY, refused)]
    rows = _delete(scope, resource, deletable)
    if rows is None:  # a dependency the declarations do not know: find it one by one
        for record_id in list(scope.execute(deletable).scalars()):
            one = scope.select(table, table.c.id).where(table.c.id == record_id)
            gone += _delete(scope, resource, one) or []
    else:
        gone = rows
    if deleted is not None:
        deleted += [record_key(resource, r) for r in gone]
    destroyed = len(gone)
    kept = scope.execute(scope.select(table).where(table.c.id.in_(doomed))).mappings().all()
    return destroyed, [(record_key(resource, dict(r)), WARNING) for r in kept]


def guard(scope: Scope, resource: Resource, row: dict[str, Any], deletable: Any) -> str | None:
    """Why the cleanup must not run: it would delete more than `cleanup_max_ratio` of the
    records in its scope (the type's, within the import's parent); None when it may."""
    ratio = row.get("cleanup_max_ratio")
    ratio = DEFAULT_MAX_RATIO if ratio is None else ratio
    if ratio >= 1:
        return None
    table = resource.table
    in_scope = scope.select(table, table.c.id)
    if resource.parent and row["parent_resource_id"]:
        parent = resource.relationships[resource.parent]
        assert isinstance(parent, BelongsTo)
        in_scope = in_scope.where(table.c[parent.column] == row["parent_resource_id"])
    total, doomed = scope.execute(
        select(
            select(func.count()).select_from(in_scope.subquery()).scalar_subquery(),
            select(func.count()).select_from(deletable.subquery()).scalar_subquery(),
        )
    ).one()
    if not total or doomed <= ratio * total:
        return None
    return (
        f"cleanup skipped: it would delete {doomed:,} of {total:,} {resource.type} "
        f"({doomed / total:.0%}), more than cleanup_max_ratio {ratio:g}"
    )


def ratio_errors(values: dict[str, Any]) -> list[FieldError]:
    """`cleanup_max_ratio` (an import's or a profile's): a share, from 0 to 1."""
    ratio = values.get("cleanup_max_ratio")
    if ratio is None or 0 <= ratio <= 1:
        return []
    message = "must be a number from 0 to 1 (the share of the records a cleanup may delete)"
    return [FieldError("cleanup_max_ratio", "invalid", message)]


def _blocked(scope: Scope, resource: Resource, doomed: Any) -> Any:
    """The ids among `doomed` that a restricting relationship of another record points to."""
    queries = []
    for other, rel in resource.referenced_by:
        if rel.on_delete == "RESTRICT":
            column = other.table.c[rel.column]
            queries.append(scope.where(select(column).where(column.in_(doomed)), other.table))
    if not queries:
        return None
    return union(*queries) if len(queries) > 1 else queries[0]


def _delete(scope: Scope, resource: Resource, ids: Any) -> list[dict[str, Any]] | None:
    """Deletes the records whose ids the subquery selects: their rows; None if the database
    refused."""
    savepoint = scope.conn.begin_nested()
    try:
        deleted = delete_where(scope, resource, resource.table.c.id.in_(ids))
        savepoint.commit()
        return deleted
    except IntegrityError:
        savepoint.rollback()
        return None


def record_key(resource: Resource, record: dict[str, Any]) -> str:
    """A stored record named as logs name items; its parent (the import's) by id."""
    return label(resource, record, by_id=(resource.parent or "",)) or record["id"]
