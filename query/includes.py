"""Include paths: parsed and checked against the declarations, built into one tree, and
loaded for compound documents with one query per relationship and level.

``include=prices.price_tiers`` on a page of SKUs costs two queries whatever the page size; the
linkage of every primary and included resource is filled so the document has full linkage.
Exports take the same paths and the same tree.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Result
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from core.errors import InvalidInclude
from core.tenancy import Scope
from resources.base import BelongsTo, HasMany, ManyToMany, Relationship, Resource

Key = tuple[str, str]  # (type, id)
MAX_INCLUDE_DEPTH = 3


def parse_include(resource: Resource, value: str) -> list[tuple[str, ...]]:
    """`prices.price_tiers,shipping_category` -> paths, each checked against the declarations."""
    paths = []
    for raw in filter(None, (p.strip() for p in value.split(","))):
        path = tuple(raw.split("."))
        if len(path) > MAX_INCLUDE_DEPTH:
            raise InvalidInclude(
                f"{raw} is nested deeper than {MAX_INCLUDE_DEPTH} levels", parameter="include"
            )
        current = resource
        for segment in path:
            rel = current.relationships.get(segment)
            if rel is None:
                raise InvalidInclude(
                    f"{raw} is not a relationship of {current.type}", parameter="include"
                )
            current = rel.target
        paths.append(path)
    return paths


def include_tree(paths: list[tuple[str, ...]] | list[list[str]]) -> dict[str, dict]:
    """Paths -> a tree of relationship names (`{"prices": {"price_tiers": {}}}`)."""
    tree: dict[str, dict] = {}
    for path in paths:
        node = tree
        for segment in path:
            node = node.setdefault(segment, {})
    return tree


class IncludeLoader:
    def __init__(self, scope: Scope, primary: set[Key] | None = None) -> None:
        self.scope = scope
        self.primary = primary or set()  # never included again: one object per (type, id)
        self.linkage: dict[Key, dict[str, Any]] = defaultdict(dict)
        self.included: dict[Key, tuple[Resource, dict[str, Any]]] = {}

    def load(self, resource: Resource, rows: list[dict[str, Any]], tree: dict[str, dict]) -> None:
        for name, subtree in tree.items():
            rel = resource.relationships[name]
            related = self.fetch(rel, rows)
            for row in related:
                key = (rel.target_type, row["id"])
                if key not in self.included and key not in self.primary:
                    self.included[key] = (rel.target, row)
            if subtree and related:
                self.load(rel.target, related, subtree)

    def link_families(
        self, resource: Resource, rows: list[dict[str, Any]], tree: dict[str, dict]
    ) -> None:
        """The linkage of to-one relationships to a family's umbrella, which names each
        related record's concrete type (a foreign key alone does not tell it), unless the
        include ``tree`` loads them anyway."""
        for rel in resource.belongs_to:
            if rel.target.members and rel.name not in tree:
                self.fetch(rel, rows)

    def fetch(self, rel: Relationship, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows `rel` relates to `rows`, recording the linkage of each of `rows`."""
        scope, owner = self.scope, rel.owner
        assert owner is not None
        if not rows:
            return []
        stmt = _statement(scope, rel)
        if isinstance(rel, BelongsTo):
            ids = {r[rel.column] for r in rows if r.get(rel.column)}
            found = row_dicts(scope.execute(stmt, {IDS: list(ids)})) if ids else []
            types = {r["id"]: rel.target.member_for(r).type for r in found}
            for r in rows:
                fk = r.get(rel.column)
                ident = {"type": types.get(fk, rel.target_type), "id": fk} if fk else None
                self.linkage[(owner.type, r["id"])][rel.name] = ident
            return found
        owner_ids = [r["id"] for r in rows]
        groups: dict[str, list[dict[str, str]]] = {i: [] for i in owner_ids}
        if isinstance(rel, HasMany):
            found = row_dicts(scope.execute(stmt, {IDS: owner_ids}))
            column = rel.foreign_key.name
            for r in found:
                groups[r[column]].append({"type": rel.target.member_for(r).type, "id": r["id"]})
        else:
            assert isinstance(rel, ManyToMany)
            found, seen = [], set()
            for row in row_dicts(scope.execute(stmt, {IDS: owner_ids})):
                owner_id = row.pop("_owner_id")
                groups[owner_id].append({"type": rel.target.member_for(row).type, "id": row["id"]})
                if row["id"] not in seen:
                    seen.add(row["id"])
                    found.append(row)
        for owner_id, idents in groups.items():
            self.linkage[(owner.type, owner_id)][rel.name] = idents
        return found


def row_dicts(result: Result) -> list[dict[str, Any]]:
    """A result's rows as dicts, fetched at once."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


# The statement loading each relationship for an organization, the ids bound at execution:
# built once rather than per request (building and keying it cost more than running it).
IDS = "include_ids"
STATEMENTS_MAX = 4096
_statements: dict[tuple[Relationship, str], Select] = {}
_statements_lock = threading.Lock()


def _statement(scope: Scope, rel: Relationship) -> Select:
    key = (rel, scope.organization_id)
    stmt = _statements.get(key)
    if stmt is None:
        stmt = _build(scope, rel)
        with _statements_lock:
            if len(_statements) >= STATEMENTS_MAX:
                del _statements[next(iter(_statements))]  # the oldest
            _statements[key] = stmt
    return stmt


def _build(scope: Scope, rel: Relationship) -> Select:
    target = rel.target.table
    ids: BindParameter[list[str]] = bindparam(IDS, expanding=True)
    if isinstance(rel, BelongsTo):
        return scope.select(target).where(target.c.id.in_(ids))
    if isinstance(rel, HasMany):
        order = (target.c.created_at, target.c.id)
        return scope.select(target).where(rel.foreign_key.in_(ids)).order_by(*order)
    assert isinstance(rel, ManyToMany)
    jt = rel.join_table
    return scope.where(
        select(jt.c.owner_id.label("_owner_id"), target)
        .join(target, target.c.id == rel.linked_id)
        .where(rel.owned_by(ids))
        .order_by(target.c.created_at, target.c.id),
        jt,
    )
