"""Writing records: reference resolution, uniqueness and the writes themselves, in batches.

The API writes one record at a time and the importer a chunk at a time, through the same
functions: a list of ``Draft`` goes in, each lookup is one query per chunk (not per item), and
every failure lands on the draft it belongs to as a ``FieldError``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from app.db import new_id, utcnow
from app.errors import FieldError, ValidationFailed
from app.services.validation import apply_defaults, check_record
from app.tenancy import Scope
from resources.base import BelongsTo, ManyToMany, Resource


@dataclass(eq=False)
class Draft:
    """One record about to be written."""

    values: dict[str, Any]  # column values: attributes, `<rel>_id`s and code columns
    links: dict[str, list[str]] = field(default_factory=dict)  # many-to-many ids by relationship
    existing: dict[str, Any] | None = None  # the stored row when this is an update
    errors: list[FieldError] = field(default_factory=list)

    @property
    def record(self) -> dict[str, Any]:
        return {**(self.existing or {}), **self.values}


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
        conditions = [target.c.id.in_(ids)] if ids else []
        conditions += [target.c[attr].in_(values) for attr, values in codes.items()]
        code_attrs = sorted(set(rel.codes.values()))
        columns = [target.c.id, *(target.c[a] for a in code_attrs)]
        found = scope.execute(scope.where(select(*columns).where(or_(*conditions)), target)).all()
        by_id = {row.id: row for row in found}
        by_code: dict[tuple, Any] = {}
        for row in found:
            for a in code_attrs:
                key = (a, getattr(row, a))
                # A code several records share (an option name in two markets) names none.
                by_code[key] = AMBIGUOUS if key in by_code and by_code[key].id != row.id else row
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
            if row is None:
                d.errors.append(FieldError.of(rel.name, "required", relationship=True))
                continue
            if row is AMBIGUOUS:
                message = "matches several records by that code: give its id instead"
                d.errors.append(FieldError(rel.name, "ambiguous", message, relationship=True))
                continue
            d.values[rel.column] = row.id
            for key, attr in rel.codes.items():
                d.values[key] = getattr(row, attr)


def _normalized(rel: BelongsTo, attr: str, value: Any) -> Any:
    """A code as the target stores it: `customer_email` finds `Grace@Example.com` lower-cased."""
    target = rel.target.attributes.get(attr)
    if target is not None and target.lower and isinstance(value, str):
        return value.strip().lower()
    return value


def resolve_links(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """Checks many-to-many ids (tags) exist in this organization and respect the maximum."""
    for rel in resource.relationships.values():
        if not isinstance(rel, ManyToMany):
            continue
        wanted = {i for d in drafts for i in d.links.get(rel.name, ())}
        found = set()
        if wanted:
            target = rel.target.table
            stmt = scope.select(target, target.c.id).where(target.c.id.in_(wanted))
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


def key_of(resource: Resource, record: dict[str, Any]) -> tuple | None:
    """The record's unique-key values as stored, or None when it has no usable key.

    An optional relationship in a compound key may be empty: a bundle without a market is
    keyed by (code, None) and matched as such, not duplicated on every import.
    """
    if not resource.unique_key:
        return None
    values = tuple(record.get(col.name) for col in resource.key_columns())
    optional = resource.optional_key_parts
    if all(v is None for v in values):
        return None
    if any(v is None and i not in optional for i, v in enumerate(values)):
        return None
    return values


def find_by_keys(scope: Scope, resource: Resource, keys: set[tuple]) -> dict[tuple, dict]:
    """Stored rows by unique key: one query for the set (one more per pattern of empty
    optional parts, rare)."""
    if not keys:
        return {}
    table = resource.table
    cols = resource.key_columns()
    patterns: dict[tuple[bool, ...], list[tuple]] = defaultdict(list)
    for key in keys:
        patterns[tuple(v is None for v in key)].append(key)
    found: dict[tuple, dict] = {}
    for empty, group in patterns.items():
        present = [c for c, e in zip(cols, empty, strict=True) if not e]
        values = [tuple(v for v in k if v is not None) for k in group]
        if len(present) == 1:
            cond = present[0].in_([v[0] for v in values])
        else:
            cond = tuple_(*present).in_(values)
        nulls = [c.is_(None) for c, e in zip(cols, empty, strict=True) if e]
        rows = scope.execute(scope.select(table).where(cond, *nulls)).mappings().all()
        found.update({tuple(r[c.name] for c in cols): dict(r) for r in rows})
    return found


def check_unique(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """`has already been taken` for drafts whose key another stored record holds."""
    keyed = {d: key_of(resource, d.record) for d in drafts if not d.errors}
    stored = find_by_keys(scope, resource, {k for k in keyed.values() if k})
    first = resource.unique_key[0] if resource.unique_key else None
    for d, key in keyed.items():
        other = stored.get(key) if key else None
        if other and (d.existing is None or other["id"] != d.existing["id"]):
            rel = resource.relationships.get(first)
            d.errors.append(
                FieldError.of(first, "taken", relationship=rel is not None, value=key[0])
            )


def validate(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """The API's path: references, hooks, triggers, declared rules, uniqueness."""
    resolve_references(scope, resource, drafts)
    if resource.derive:
        resource.derive(scope, [d for d in drafts if not d.errors])
    resolve_links(scope, resource, drafts)
    apply_tag_triggers(scope, resource, drafts)
    for d in drafts:
        finish_values(resource, d)
        d.errors.extend(without_repeats(d.errors, check_record(resource, d.record)))
    check_unique(scope, resource, drafts)


def finish_values(resource: Resource, draft: Draft) -> None:
    """Defaults for a create, then the type's `prepare` hook (which may consume triggers)."""
    if draft.existing is None:
        apply_defaults(resource, draft.values)
    if resource.prepare:
        draft.errors.extend(resource.prepare(draft.values, draft.existing))


def apply_tag_triggers(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """`_add_tags` / `_remove_tags` (tag names) -> the record's new tag set, in a few queries.

    Added names that no tag has yet create it (as CSV `tags.name` does); removing a name the
    record does not carry is a no-op.
    """
    wanted = [d for d in drafts if d.values.get("_add_tags") or d.values.get("_remove_tags")]
    rel = resource.relationships.get("tags")
    if not wanted or not isinstance(rel, ManyToMany):
        return
    from app.services.tags import tag_ids_by_name

    adds = {n for d in wanted for n in d.values.get("_add_tags") or []}
    removes = {n for d in wanted for n in d.values.get("_remove_tags") or []}
    ids, invalid = tag_ids_by_name(scope, adds, create=True)
    remove_ids, _ = tag_ids_by_name(scope, removes - adds, create=False)
    ids.update(remove_ids)
    owners = [d.existing["id"] for d in wanted if d.existing is not None and "tags" not in d.links]
    current: dict[str, list[str]] = defaultdict(list)
    if owners:
        jt = rel.join_table
        stmt = scope.select(jt, jt.c.owner_id, jt.c[rel.target_column]).where(
            jt.c.owner_type == resource.type, jt.c.owner_id.in_(owners)
        )
        for owner_id, tag_id in scope.execute(stmt):
            current[owner_id].append(tag_id)
    for d in wanted:
        added = d.values.pop("_add_tags", None) or []
        removed = d.values.pop("_remove_tags", None) or []
        bad = [n for n in added if n in invalid]
        if bad:
            d.errors.append(FieldError("_add_tags", "invalid", f"has invalid tag names: {bad}"))
            continue
        base = d.links.get("tags")
        if base is None:
            base = current.get(d.existing["id"], []) if d.existing is not None else []
        gone = {ids[n] for n in removed if n in ids}
        tags = [t for t in base if t not in gone] + [ids[n] for n in added]
        d.links["tags"] = list(dict.fromkeys(tags))
        if rel.max_count and len(d.links["tags"]) > rel.max_count:
            d.errors.append(
                FieldError.of("tags", "too_many", relationship=True, count=rel.max_count)
            )


def without_repeats(known: list[FieldError], more: list[FieldError]) -> list[FieldError]:
    """Drops errors on attributes that already failed (an unknown sku_code is `must exist`,
    not also `can't be blank`)."""
    failed = {e.attribute for e in known}
    return [e for e in more if e.attribute not in failed]


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


def write_links(
    scope: Scope, resource: Resource, owners: list[tuple[str, dict[str, list[str]]]]
) -> None:
    """Replaces the many-to-many links of owners: one delete and one insert per relationship."""
    names = {name for _owner, links in owners for name in links}
    for name in names:
        rel = resource.relationships[name]
        assert isinstance(rel, ManyToMany)
        jt = rel.join_table
        changed = [(owner, links[name]) for owner, links in owners if name in links]
        mine = (jt.c.owner_type == resource.type) & jt.c.owner_id.in_([o for o, _ in changed])
        scope.execute(scope.delete(jt).where(mine))
        rows = [
            {"owner_type": resource.type, "owner_id": owner, rel.target_column: t}
            for owner, ids in changed
            for t in dict.fromkeys(ids)
        ]
        scope.insert(jt, rows)


def save_one(scope: Scope, resource: Resource, draft: Draft) -> str:
    """Validates and writes one record (the API's path); raises ValidationFailed."""
    validate(scope, resource, [draft])
    if draft.errors:
        raise ValidationFailed(draft.errors)
    nested = scope.conn.begin_nested()
    try:
        if draft.existing is None:
            record_id = insert(scope, resource, [draft])[0]
        else:
            update(scope, resource, draft)
            record_id = draft.existing["id"]
        nested.commit()
    except IntegrityError:
        # Lost a race with a concurrent writer of the same key: report it as Rails would.
        nested.rollback()
        check_unique(scope, resource, [draft])
        if draft.errors:
            raise ValidationFailed(draft.errors) from None
        raise
    return record_id
