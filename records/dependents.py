"""Which records other records still need: those a restricting relationship (a foreign key
with ON DELETE RESTRICT) of another type points to, so that deleting them would fail."""

from __future__ import annotations

from collections import defaultdict

from core.dialect import one_of
from core.tenancy import Scope
from resources.base import Resource


def dependents(scope: Scope, resource: Resource, ids: list[str]) -> dict[str, list[str]]:
    """{id: the types of the records pointing to it} for the records among ``ids`` that
    others need; one query per restricting relationship."""
    found: dict[str, set[str]] = defaultdict(set)
    for other, rel in resource.referenced_by:
        if rel.on_delete != "RESTRICT":
            continue
        column = other.table.c[rel.column]
        stmt = scope.select(other.table, column).where(one_of(column, ids)).distinct()
        for record_id in scope.execute(stmt).scalars():
            found[record_id].add(other.type)
    return {record_id: sorted(types) for record_id, types in found.items()}
