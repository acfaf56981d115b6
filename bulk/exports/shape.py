"""Records as export items: the same keys the importer reads, so a file goes back in.

Pages are shaped with one query per include level and page, whatever the page size: an include
selects the children of the page's rows through the page query itself (`price.sku_id IN
(SELECT id FROM <page>)`), and timestamps and JSON are turned into text by the database.
Includes nest: to-many as arrays, to-one as objects (``Nested``: CSV writes dotted columns).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import Select

from bulk.exports.plan import Nested, Plan, blank, encode, is_named_links
from core.tenancy import Scope
from records.links import linked_ids, linked_names
from resources.base import BelongsTo, HasMany, ManyToMany


def fetch(scope: Scope, stmt: Select) -> list[Any]:
    """The rows of a ``Plan.select``; on PostgreSQL as the driver's plain tuples (a third of
    the time of SQLAlchemy rows: every value is text, a number or a boolean already)."""
    result = scope.execute(stmt)
    if scope.conn.dialect.name == "postgresql":
        return result.cursor.fetchall()
    return result.all()


def shape(scope: Scope, p: Plan, page: Select, rows: list[Any]) -> list[dict[str, Any]]:
    """Items for the rows that `page` (a ``Plan.select`` statement) returned."""
    if not rows:
        return []
    sub = page.subquery()
    related = [(name, *_related(scope, p, name, sub)) for name in p.children]
    page_ids = select(sub.c[f"c{p.extra['id']}"])
    name_lists = [(rel.name, linked_names(scope, rel, page_ids)) for rel in p.name_lists]
    names, renders, dry, id_at = p.names, p.renders, p.dry, p.extra["id"]
    out = []
    for row in rows:
        if dry:
            # rows are longer than names (extra columns follow): strict=False on purpose
            item = {k: v for k, v in zip(names, row, strict=False) if v is not None and v != ""}
        else:
            item = dict(zip(names, row, strict=False))
        for key, render in renders:
            value = item.get(key)
            if value is not None:
                value = render(value)
                if dry and blank(value):
                    del item[key]
                else:
                    item[key] = value
        for key, names_by_owner in name_lists:
            found = names_by_owner.get(row[id_at])
            if found or not dry:
                item[key] = found or []
        for name, by_owner, many, at in related:
            owner = row[at]  # the row's id (to-many) or the related record's (to-one)
            value = by_owner.get(owner) if owner is not None else None
            if many and value is None:
                value = []
            if not (dry and blank(value)):
                item[name] = value
        out.append(item)
    return out


def _related(scope: Scope, p: Plan, name: str, sub: Any) -> tuple[dict[str, Any], bool, int]:
    """(owner id or related id -> shaped value, to-many?, row index of that id) for a page."""
    rel, child = p.rels[name], p.children[name]
    target = rel.target.table
    page_ids = select(sub.c[f"c{p.extra['id']}"])
    if isinstance(rel, BelongsTo):
        at = p.extra[rel.column]
        stmt = child.select(scope).where(target.c.id.in_(select(sub.c[f"c{at}"])))
        found = fetch(scope, stmt)
        items = shape(scope, child, stmt, found)
        id_at = child.extra["id"]
        return {r[id_at]: Nested(i) for r, i in zip(found, items, strict=True)}, False, at
    if is_named_links(rel):
        assert isinstance(rel, ManyToMany)
        return linked_names(scope, rel, page_ids), True, p.extra["id"]
    if isinstance(rel, HasMany):
        stmt = child.select(scope).where(rel.foreign_key.in_(page_ids))
        owner_at = child.extra[rel.foreign_key.name]
    else:
        assert isinstance(rel, ManyToMany)
        jt = rel.join_table
        owned = scope.where(select(rel.linked_id).where(rel.owned_by(page_ids)), jt)
        stmt = child.select(scope).where(target.c.id.in_(owned))
        owner_at = -1  # many-to-many rows are matched to owners below
    stmt = stmt.order_by(target.c.created_at, target.c.id)
    found = fetch(scope, stmt)
    items = shape(scope, child, stmt, found)
    groups: dict[str, list] = {}
    if owner_at >= 0 and not p.dry:
        for row, item in zip(found, items, strict=True):
            groups.setdefault(row[owner_at], []).append(item)
        return groups, True, p.extra["id"]
    if owner_at >= 0:
        for row, item in zip(found, items, strict=True):
            groups.setdefault(row[owner_at], []).append((row, item))
    else:
        assert isinstance(rel, ManyToMany)
        id_at = child.extra["id"]
        by_id = {row[id_at]: (row, item) for row, item in zip(found, items, strict=True)}
        for owner, target_id in linked_ids(scope, rel, page_ids):
            if target_id in by_id:
                groups.setdefault(owner, []).append(by_id[target_id])
    if p.dry:  # ids differ between organizations: order by key, then by content
        for entries in groups.values():
            entries.sort(key=lambda e: (child.sort_key(e[0]), encode(e[1])))
    return {o: [item for _r, item in entries] for o, entries in groups.items()}, True, \
        p.extra["id"]  # fmt: skip
