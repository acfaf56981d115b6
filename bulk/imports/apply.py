"""Stage 5 of an import: writes a wave's valid items, nested children included.

Set-based: one bulk insert, one statement per set of changed columns, and the same again per
level of nested children. An item equal to its stored record is not written (``Work.action``
is then "unchanged"). The wave is written in a savepoint: if a concurrent writer (another
import, the API) took one of its keys meanwhile, its items are redone one by one with fresh
matching, and an item still colliding is an error of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from bulk.imports.build import Work
from bulk.imports.parse import Item
from core.dialect import none_of, one_of
from core.errors import FieldError
from core.tenancy import Scope
from records import links
from records.write import delete_where, insert, update_many
from resources.base import BelongsTo, HasMany, Resource

Prepare = Callable[[Item], Work]  # builds, resolves, matches and validates one item afresh


def apply(
    scope: Scope, resource: Resource, works: list[Work], again: Prepare, created: Counter
) -> list[Work]:
    """Writes the works that did not fail; the works as they end (redone ones replaced).
    ``created`` counts the rows inserted per type."""
    if _try_write(scope, resource, [w for w in works if not w.failed], created):
        return works
    redone = []
    for work in works:
        if not work.failed:
            work = again(work.item)
            if not work.failed and not _try_write(scope, resource, [work], created):
                work.draft.errors.append(FieldError("base", "taken", "has already been taken"))
        redone.append(work)
    return redone


def _try_write(scope: Scope, resource: Resource, works: list[Work], created: Counter) -> bool:
    savepoint = scope.conn.begin_nested()
    mark = created.copy()
    try:
        write(scope, resource, works, created)
        savepoint.commit()
        return True
    except IntegrityError:
        savepoint.rollback()
        created.clear()
        created.update(mark)
        return False


def write(scope: Scope, resource: Resource, works: list[Work], created: Counter) -> None:
    creates = [w.draft for w in works if w.draft.existing is None]
    updates = [w.draft for w in works if w.draft.existing is not None]
    # One executemany needs the same columns in every row: items name different attributes.
    columns = {k for d in creates for k in d.values} - {"id"}
    for d in creates:
        d.values.pop("id", None)
        d.values.update({c: None for c in columns if c not in d.values})
    links.create_new_names(scope, resource, creates + updates)
    insert(scope, resource, creates)
    created[resource.type] += len(creates)
    update_many(scope, resource, [d for d in updates if d.values or d.links])
    _write_children(scope, resource, works, created)


def _write_children(scope: Scope, resource: Resource, works: list[Work], created: Counter) -> None:
    names = {n for w in works for n in w.children}
    for name in names:
        rel = resource.relationships[name]
        assert isinstance(rel, HasMany)
        fk = rel.foreign_key
        given = [w for w in works if name in w.children]
        kids = [c for w in given for c in w.children[name]]
        # Declared nested arrays replace: first remove the children these items no longer list
        # (so a new child may take a removed one's key), then write the listed ones.
        target = rel.target.table
        owners = [w.draft.existing["id"] for w in given if w.draft.existing is not None]
        kept = [c.draft.existing["id"] for c in kids if c.draft.existing is not None]
        if owners and rel.nested:  # included records of another type are upserted only
            gone = delete_where(scope, rel.target, one_of(fk, owners) & none_of(target.c.id, kept))
            removed = Counter(r[fk.name] for r in gone)
            for w in given:
                if w.draft.existing is not None:
                    w.children_removed += removed[w.draft.existing["id"]]
        back = rel.target.relationships[rel.inverse]
        assert isinstance(back, BelongsTo)
        for w in given:
            record = w.draft.record
            for c in w.children[name]:
                c.draft.values[fk.name] = w.record_id
                # the codes naming the item beside its id (a price's `sku_code`), as an import
                # naming it by code would have stored them
                c.draft.values.update({key: record.get(a) for key, a in back.codes.items()})
        write(scope, rel.target, kids, created)
