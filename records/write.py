"""Writes: inserts and updates of whole batches of drafts, their links and the codes other
records keep of them. Validation happened before (``records.save`` for the API, the import's
stages for a chunk)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam

from core.db import new_id, utcnow
from core.tenancy import Scope
from records.draft import Draft
from records.links import write_links
from resources.base import Resource


def stored(resource: Resource, values: dict[str, Any]) -> dict[str, Any]:
    """The values that are columns: triggers (`_archive`, `_add_tags`) never reach SQL."""
    columns = resource.table.c
    return {k: v for k, v in values.items() if k in columns}


def insert(scope: Scope, resource: Resource, drafts: list[Draft]) -> list[str]:
    now = utcnow()
    rows = []
    for d in drafts:
        row = {**stored(resource, d.values), "id": d.values.get("id") or new_id()}
        row["created_at"] = now
        row["updated_at"] = now
        rows.append(row)
    scope.insert(resource.table, rows)
    for d, row in zip(drafts, rows, strict=True):
        d.values["id"] = row["id"]
    write_links(scope, resource, [(d.values["id"], d.links) for d in drafts if d.links])
    return [r["id"] for r in rows]


def update_many(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Updates, one statement per set of changed columns (an import changes the same ones)."""
    groups: dict[tuple[str, ...], list[Draft]] = defaultdict(list)
    for d in drafts:
        groups[tuple(sorted(k for k in stored(resource, d.values) if k != "id"))].append(d)
    now = utcnow()
    for columns, group in groups.items():
        rows = [{**d.values, "id": d.existing["id"]} for d in group]  # type: ignore[index]
        scope.update_rows(resource.table, rows, list(columns), updated_at=now)
    propagate_codes(scope, resource, drafts)
    owners = [(d.existing["id"], d.links) for d in drafts if d.links]  # type: ignore[index]
    write_links(scope, resource, owners)


def update(scope: Scope, resource: Resource, draft: Draft) -> None:
    assert draft.existing is not None
    changes = {k: v for k, v in stored(resource, draft.values).items() if k != "id"}
    table = resource.table
    stmt = scope.update(table).where(table.c.id == draft.existing["id"])
    scope.execute(stmt.values(**changes, updated_at=utcnow()))
    propagate_codes(scope, resource, [draft])
    write_links(scope, resource, [(draft.existing["id"], draft.links)] if draft.links else [])


def propagate_codes(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Keeps stored code references in step: renaming a SKU's code rewrites `sku_code` on its
    prices, stock items and tax categories (one statement per referencing relationship)."""
    for owner, rel, key, attr in resource.inbound_codes:
        moves = [
            {"_fk": d.existing["id"], "_value": d.values[attr]}
            for d in drafts
            if d.existing is not None
            and attr in d.values
            and d.values[attr] != d.existing.get(attr)
        ]
        if moves:
            table = owner.table
            stmt = scope.update(table).where(table.c[rel.column] == bindparam("_fk"))
            scope.execute(stmt.values({key: bindparam("_value")}), moves)
