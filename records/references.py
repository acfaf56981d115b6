"""References from a record to others, checked and turned into ids: one query per
relationship for a whole batch of drafts (the API's one, an import chunk's hundreds)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select

from core.dialect import one_of
from core.errors import FieldError
from core.tenancy import Scope
from records.draft import Draft
from resources.base import BelongsTo, Resource


def resolve(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """References -> checked ids, then the type's derived values (an order's number, a line
    item's item code), which may depend on them."""
    resolve_references(scope, resource, drafts)
    if resource.derive:
        resource.derive(scope, [d for d in drafts if not d.errors])


class _Ambiguous:
    id = None


AMBIGUOUS = _Ambiguous()


def resolve_references(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Turns `<rel>_id` and code keys (`sku_code`) into checked ids, one query per relationship.

    A reference to nothing in this organization is a `must exist` error on the relationship.
    """
    for rel in resource.belongs_to:
        target = rel.target.table
        ids: set[str] = set()
        codes: dict[str, set[str]] = defaultdict(set)
        for d in drafts:
            if d.values.get(rel.column) is not None:
                ids.add(d.values[rel.column])
            else:
                for key, attr in rel.codes.items():
                    if d.values.get(key) is not None:
                        d.values[key] = _normalized(rel, attr, d.values[key])
                        codes[attr].add(d.values[key])
                        break
        if not ids and not codes:
            continue
        conditions = [one_of(target.c.id, ids)] if ids else []
        conditions += [one_of(target.c[attr], values) for attr, values in codes.items()]
        code_attrs = sorted(set(rel.codes.values()))
        kind = rel.target.discriminator if rel.target.members else None
        columns = [target.c.id, *(target.c[a] for a in [*code_attrs, *filter(None, [kind])])]
        found = scope.execute(scope.where(select(*columns).where(or_(*conditions)), target)).all()
        by_id = {row.id: row for row in found}
        by_code: dict[tuple, Any] = {}
        for row in found:
            for a in code_attrs:
                code = (a, getattr(row, a))
                # A code several records share (an option name in two markets) names none.
                by_code[code] = AMBIGUOUS if code in by_code and by_code[code].id != row.id else row
        for d in drafts:
            row = None
            if d.values.get(rel.column) is not None:
                row = by_id.get(d.values[rel.column])
                given = True
            else:
                given = False
                for key, attr in rel.codes.items():
                    if d.values.get(key) is not None:
                        given = True
                        row = by_code.get((attr, d.values[key]))
                        break
            if not given:
                continue
            if row is None or not _of_linked_type(rel, d, row):
                d.errors.append(FieldError.of(rel.name, "required", relationship=True))
                continue
            if row is AMBIGUOUS:
                message = "matches several records by that code: give its id instead"
                d.errors.append(FieldError(rel.name, "ambiguous", message, relationship=True))
                continue
            d.values[rel.column] = row.id
            for key, attr in rel.codes.items():
                d.values[key] = getattr(row, attr)


def _of_linked_type(rel: BelongsTo, draft: Draft, row: Any) -> bool:
    """Whether a related record is of the concrete type its linkage named, if it named one
    (a `fixed_amount_promotions` linkage to a percentage discount finds nothing)."""
    linked = draft.linked_types.get(rel.name)
    if linked is None or linked == rel.target.type or row is AMBIGUOUS:
        return True
    return rel.target.member_for(dict(row._mapping)).type == linked


def _normalized(rel: BelongsTo, attr: str, value: Any) -> Any:
    """A code as the target stores it: `customer_email` finds `Grace@Example.com` lower-cased."""
    target = rel.target.attributes.get(attr)
    if target is not None and target.lower and isinstance(value, str):
        return value.strip().lower()
    return value


def resolve_links(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Checks many-to-many ids (tags) exist in this organization and respect the maximum."""
    for rel in resource.many_to_many:
        wanted = {i for d in drafts for i in d.links.get(rel.name, ())}
        found = set()
        if wanted:
            target = rel.target.table
            stmt = scope.select(target, target.c.id).where(one_of(target.c.id, wanted))
            found = set(scope.execute(stmt).scalars())
        for d in drafts:
            ids = d.links.get(rel.name)
            if ids is None:
                continue
            if set(ids) - found:
                d.errors.append(FieldError.of(rel.name, "required", relationship=True))
            elif rel.max_count and len(set(ids)) > rel.max_count:
                d.errors.append(
                    FieldError.of(rel.name, "too_many", relationship=True, count=rel.max_count)
                )
