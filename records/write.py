"""Writes: inserts, updates and deletes of whole batches of records, their links, the codes
other records keep of them, and their versions. Validation happened before (``records.save``
for the API, the import's stages for a chunk).

An update that changes nothing is not written: `updated_at` stays, and no version is recorded
(``Draft.changes`` is then empty)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam

from core.db import new_id, utcnow
from core.dialect import one_of
from core.tenancy import Scope
from records import events, versions
from records.draft import Draft
from records.links import delete_links, linked_ids, write_links
from resources.base import ManyToMany, Resource


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
        d.changes = {**versions.differences(resource, None, row), **_link_changes(d.links, {})}
    write_links(scope, resource, [(d.values["id"], d.links) for d in drafts if d.links])
    versions.record(scope, resource, "create", [(d.values["id"], d.changes or {}) for d in drafts])
    events.written(scope, resource.type, "create", [r["id"] for r in rows])
    return [r["id"] for r in rows]


def update_many(scope: Scope, resource: Resource, drafts: list[Draft]) -> list[Draft]:
    """Writes the drafts that change their record: one statement per set of columns given
    (an import gives the same ones). The drafts written; each draft's ``changes`` is set."""
    current = _current_links(scope, resource, drafts)
    written = []
    groups: dict[tuple[str, ...], list[Draft]] = defaultdict(list)
    for d in drafts:
        assert d.existing is not None
        values = {k: v for k, v in stored(resource, d.values).items() if k != "id"}
        changes = versions.differences(resource, d.existing, values)
        if changes:
            groups[tuple(sorted(values))].append(d)
        link_changes = _link_changes(d.links, _links_of(current, d))
        d.links = {name: ids for name, ids in d.links.items() if name in link_changes}
        d.changes = {**changes, **link_changes}
        if d.changes:
            written.append(d)
    now = utcnow()
    for columns, group in groups.items():
        rows = [{**d.values, "id": d.existing["id"]} for d in group]  # type: ignore[index]
        scope.update_rows(resource.table, rows, list(columns), updated_at=now)
    propagate_codes(scope, resource, written)
    owners = [(d.existing["id"], d.links) for d in written if d.links]  # type: ignore[index]
    write_links(scope, resource, owners)
    changed = [(d.existing["id"], d.changes or {}) for d in written]  # type: ignore[index]
    versions.record(scope, resource, "update", changed)
    events.written(scope, resource.type, "update", [record_id for record_id, _ in changed])
    for record_id, changes in changed:
        if "status" in changes and scope.webhooks:
            events.status_changed(scope, resource.type, changes["status"][1], [record_id])
    return written


def update(scope: Scope, resource: Resource, draft: Draft) -> None:
    update_many(scope, resource, [draft])


def delete_where(scope: Scope, resource: Resource, condition: Any) -> list[dict[str, Any]]:
    """Deletes the records matching ``condition`` and their links, with versions of their
    before-images; the rows deleted."""
    table = resource.table
    rows = [dict(r) for r in scope.execute(scope.select(table).where(condition)).mappings()]
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    _delete_cascaded(scope, resource, ids)
    links = _links_before(scope, resource, ids)
    delete_links(scope, resource, ids)
    scope.execute(scope.delete(table).where(one_of(table.c.id, ids)))
    before = [
        (r["id"], {**versions.differences(resource, r, None), **links.get(r["id"], {})})
        for r in rows
    ]
    versions.record(scope, resource, "destroy", before)
    events.written(scope, resource.type, "destroy", ids)
    return rows


def _delete_cascaded(scope: Scope, resource: Resource, ids: list[str]) -> None:
    """Deletes first the records the database would delete with these (ON DELETE CASCADE, a
    price's tiers), so that they leave versions too, and their links: an undo can recreate
    them (bulk/imports/revert.py)."""
    for other, rel in resource.referenced_by:
        if rel.on_delete == "CASCADE" and other.family is None and other.versioned:
            delete_where(scope, other, one_of(other.table.c[rel.column], ids))


def _links_before(scope: Scope, resource: Resource, ids: list[str]) -> dict[str, versions.Changes]:
    """id -> {relationship: [linked ids, []]}: the links a destroy removes, for its version."""
    out: dict[str, versions.Changes] = defaultdict(dict)
    for rel in resource.many_to_many:
        found: dict[str, list[str]] = defaultdict(list)
        for owner, linked in linked_ids(scope, rel, ids):
            found[owner].append(linked)
        for owner, ids in found.items():
            out[owner][rel.name] = [sorted(ids), []]
    return out


def _current_links(
    scope: Scope, resource: Resource, drafts: list[Draft]
) -> dict[tuple[str, str], dict[str, list[str]]]:
    """(relationship, owner id) -> {relationship: the linked ids} of the drafts given links."""
    out: dict[tuple[str, str], dict[str, list[str]]] = {}
    for name in {n for d in drafts for n in d.links}:
        rel = resource.relationships[name]
        assert isinstance(rel, ManyToMany)
        owners = [d.existing["id"] for d in drafts if name in d.links and d.existing is not None]
        for owner, linked in linked_ids(scope, rel, owners):
            out.setdefault((name, owner), {name: []})[name].append(linked)
    return out


def _links_of(current: dict, draft: Draft) -> dict[str, list[str]]:
    assert draft.existing is not None
    found: dict[str, list[str]] = {}
    for name in draft.links:
        found.update(current.get((name, draft.existing["id"]), {name: []}))
    return found


def _link_changes(given: dict[str, list[Any]], before: dict[str, list[str]]) -> versions.Changes:
    """{relationship: [ids before, ids after]} of the links that differ (a name still to be
    created always does)."""
    out: versions.Changes = {}
    for name, ids in given.items():
        old = sorted(before.get(name, []))
        new = [i if isinstance(i, str) else f"(new) {i.name}" for i in ids]
        if old != sorted(new):
            out[name] = [old, sorted(new)]
    return out


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
