"""Include paths: parsed and checked against the declarations, built into one tree, and
loaded for compound documents with one query per relationship and level.

``include=prices.price_tiers`` on a page of SKUs costs two queries whatever the page size; the
linkage of every primary and included resource is filled so the document has full linkage.
Exports take the same paths and the same tree.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

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

    def fetch(self, rel: Relationship, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows `rel` relates to `rows`, recording the linkage of each of `rows`."""
        scope, owner = self.scope, rel.owner
        assert owner is not None
        target = rel.target.table
        if not rows:
            return []
        if isinstance(rel, BelongsTo):
            ids = {r[rel.column] for r in rows if r.get(rel.column)}
            found = []
            if ids:
                stmt = scope.select(target).where(target.c.id.in_(ids))
                found = [dict(r) for r in scope.execute(stmt).mappings()]
            for r in rows:
                fk = r.get(rel.column)
                ident = {"type": rel.target_type, "id": fk} if fk else None
                self.linkage[(owner.type, r["id"])][rel.name] = ident
            return found
        owner_ids = [r["id"] for r in rows]
        groups: dict[str, list[dict[str, str]]] = {i: [] for i in owner_ids}
        if isinstance(rel, HasMany):
            fk = rel.foreign_key
            stmt = (
                scope.select(target)
                .where(fk.in_(owner_ids))
                .order_by(target.c.created_at, target.c.id)
            )
            found = [dict(r) for r in scope.execute(stmt).mappings()]
            for r in found:
                groups[r[fk.name]].append({"type": rel.target_type, "id": r["id"]})
        else:
            assert isinstance(rel, ManyToMany)
            jt = rel.join_table
            stmt = scope.where(
                select(jt.c.owner_id.label("_owner_id"), target)
                .join(target, target.c.id == rel.linked_id)
                .where(rel.owned_by(owner_ids))
                .order_by(target.c.created_at, target.c.id),
                jt,
            )
            found, seen = [], set()
            for r in scope.execute(stmt).mappings():
                row = dict(r)
                owner_id = row.pop("_owner_id")
                groups[owner_id].append({"type": rel.target_type, "id": row["id"]})
                if row["id"] not in seen:
                    seen.add(row["id"])
                    found.append(row)
        for owner_id, idents in groups.items():
            self.linkage[(owner.type, owner_id)][rel.name] = idents
        return found
