"""Many-to-many links (tags): reading and replacing them, and naming linked records.

A relationship declared with ``named_by`` (tags by `name`) may be given by names: a name no
record has yet creates one, when the draft naming it is written (``NewName`` until then), or at
once for the ``add_trigger`` attribute (`_add_tags`), as Commerce Layer does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core.db import new_id, utcnow
from core.dialect import one_of
from core.errors import FieldError
from core.tenancy import Scope
from records.draft import Draft, NewName
from resources.base import ManyToMany, Resource

# How an import item gives a link: ("id", value) or ("name", value), by the relationship's
# `named_by` attribute.
LinkRef = tuple[str, str]


def linked_ids(scope: Scope, rel: ManyToMany, owner_ids: Any) -> list[tuple[str, str]]:
    """(owner id, linked id) of these owners' links (ids, or a subquery selecting them)."""
    jt = rel.join_table
    stmt = scope.where(select(jt.c.owner_id, rel.linked_id).where(rel.owned_by(owner_ids)), jt)
    return [(owner, linked) for owner, linked in scope.execute(stmt)]


def linked_names(scope: Scope, rel: ManyToMany, owner_ids: Any) -> dict[str, list[str]]:
    """owner id -> the sorted names of its linked records (tags), for named links."""
    assert rel.named_by is not None
    jt, target = rel.join_table, rel.target.table
    stmt = scope.where(
        select(jt.c.owner_id, target.c[rel.named_by])
        .join(target, target.c.id == rel.linked_id)
        .where(rel.owned_by(owner_ids)),
        jt,
    )
    names: dict[str, list[str]] = defaultdict(list)
    for owner, name in scope.execute(stmt):
        names[owner].append(name)
    for found in names.values():
        found.sort()
    return dict(names)


def write_links(
    scope: Scope, resource: Resource, owners: list[tuple[str, dict[str, list[str]]]]
) -> None:
    """Replaces the many-to-many links of owners: one delete and one insert per relationship."""
    names = {name for _owner, links in owners for name in links}
    for name in names:
        rel = resource.relationships[name]
        assert isinstance(rel, ManyToMany)
        changed = [(owner, links[name]) for owner, links in owners if name in links]
        jt = rel.join_table
        scope.execute(scope.delete(jt).where(rel.owned_by([o for o, _ in changed])))
        scope.insert(jt, [row for owner, ids in changed for row in rel.link_rows(owner, ids)])


def delete_links(scope: Scope, resource: Resource, owner_ids: Any) -> None:
    """Removes every many-to-many link of these owners (ids or a subquery): before a delete."""
    for rel in resource.many_to_many:
        scope.execute(scope.delete(rel.join_table).where(rel.owned_by(owner_ids)))


def create_named(scope: Scope, rel: ManyToMany, names: Iterable[str]) -> dict[str, str]:
    """Creates a target for each name (one insert); {name: id}."""
    now = utcnow()
    assert rel.named_by is not None
    rows: list[dict[str, Any]] = [
        {"id": new_id(), rel.named_by: n, "created_at": now, "updated_at": now, "metadata": {}}
        for n in sorted(names)
    ]
    scope.insert(rel.target.table, rows)
    return {r[rel.named_by]: r["id"] for r in rows}


def ids_by_name(
    scope: Scope, rel: ManyToMany, names: set[str], *, create: bool
) -> tuple[dict[str, str], set[str]]:
    """({name: id}, names that are not valid names). One query, one insert at most."""
    if not names:
        return {}, set()
    assert rel.named_by is not None
    table = rel.target.table
    column = table.c[rel.named_by]
    found = dict(
        scope.execute(scope.select(table, column, table.c.id).where(one_of(column, names))).all()
    )
    check = rel.target.attributes[rel.named_by].check
    invalid = {n for n in names - set(found) if check(n) is not None}
    missing = names - set(found) - invalid
    if create and missing:
        found.update(create_named(scope, rel, missing))
    return found, invalid


def apply_triggers(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """`_add_tags` / `_remove_tags` (names) -> the record's new link set, in a few queries.

    Added names that no record has yet create it (as CSV `tags.name` does); removing a name
    the record does not carry is a no-op.
    """
    for rel in resource.named_links:
        add, remove = rel.add_trigger or "", rel.remove_trigger or ""
        wanted = [d for d in drafts if d.values.get(add) or d.values.get(remove)]
        if wanted:
            _apply_triggers(scope, rel, wanted)


def _apply_triggers(scope: Scope, rel: ManyToMany, wanted: list[Draft]) -> None:
    add, remove = rel.add_trigger or "", rel.remove_trigger or ""
    adds = {n for d in wanted for n in d.values.get(add) or []}
    removes = {n for d in wanted for n in d.values.get(remove) or []}
    ids, invalid = ids_by_name(scope, rel, adds, create=True)
    remove_ids, _ = ids_by_name(scope, rel, removes - adds, create=False)
    ids.update(remove_ids)
    owners = [
        d.existing["id"] for d in wanted if d.existing is not None and rel.name not in d.links
    ]
    current: dict[str, list[str]] = defaultdict(list)
    for owner_id, linked in linked_ids(scope, rel, owners) if owners else ():
        current[owner_id].append(linked)
    for d in wanted:
        added = d.values.pop(add, None) or []
        removed = d.values.pop(remove, None) or []
        bad = [n for n in added if n in invalid]
        if bad:
            d.errors.append(FieldError(add, "invalid", f"has invalid names: {bad}"))
            continue
        base = d.links.get(rel.name)
        if base is None:
            base = current.get(d.existing["id"], []) if d.existing is not None else []
        gone = {ids[n] for n in removed if n in ids}
        links = [t for t in base if t not in gone] + [ids[n] for n in added]
        d.links[rel.name] = list(dict.fromkeys(links))
        if rel.max_count and len(d.links[rel.name]) > rel.max_count:
            d.errors.append(
                FieldError.of(rel.name, "too_many", relationship=True, count=rel.max_count)
            )


def resolve_refs(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Links import items give as ``LinkRef``s -> ids, or ``NewName`` for a valid name no
    record has yet. One query per relationship for all the drafts; unknown ids, invalid names
    and more than the maximum are errors of the draft."""
    for rel in resource.named_links:
        wanted = [d for d in drafts if rel.name in d.links]
        if wanted:
            _resolve_refs(scope, rel, wanted)


def _resolve_refs(scope: Scope, rel: ManyToMany, wanted: list[Draft]) -> None:
    assert rel.named_by is not None
    refs: set[LinkRef] = {r for d in wanted for r in d.links[rel.name]}
    ids = {v for kind, v in refs if kind == "id"}
    names = {v for kind, v in refs if kind == "name"}
    table = rel.target.table
    column = table.c[rel.named_by]
    stmt = scope.select(table, table.c.id, column).where(
        one_of(table.c.id, ids) | one_of(column, names)
    )
    found = scope.execute(stmt).all()
    by_id = {r[0] for r in found}
    by_name = {r[1]: r[0] for r in found}
    check = rel.target.attributes[rel.named_by].check
    for d in wanted:
        resolved: list[Any] = []
        for kind, value in d.links[rel.name]:
            link: Any
            if kind == "id":
                link = value if value in by_id else None
            else:
                link = by_name.get(value)
                if link is None and check(value) is None:
                    link = NewName(value)
            if kind == "name" and link is None:
                d.errors.append(FieldError(rel.name, "invalid", f"{value!r} is invalid"))
            elif link is None:
                d.errors.append(FieldError.of(rel.name, "required", relationship=True))
            else:
                resolved.append(link)
        d.links[rel.name] = list(dict.fromkeys(resolved))
        if rel.max_count and len(d.links[rel.name]) > rel.max_count:
            d.errors.append(FieldError.of(rel.name, "too_many", count=rel.max_count))


def create_new_names(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Creates the records these drafts link to by a new name (one insert) and links them."""
    for rel in resource.named_links:
        owners = [d for d in drafts if d.links.get(rel.name)]
        new = {t.name for d in owners for t in d.links[rel.name] if isinstance(t, NewName)}
        if new:
            ids = create_named(scope, rel, new)
            for d in owners:
                links = d.links[rel.name]
                d.links[rel.name] = [ids[t.name] if isinstance(t, NewName) else t for t in links]
