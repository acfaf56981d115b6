"""Organization A (the world plus the recipes' extras, built once per backend), B's subset of
the world for one type, and a snapshot of an organization's stored rows."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

import resources
from app.main import create_app
from core.tenancy import Scope
from resources import REGISTRY
from resources.base import HasMany
from tests.conftest import Org, _truncate_postgres, make_org, make_settings
from tests.exports.recipes import RECIPES
from tests.resources.world import build_world, writable_relationships

JOB_TABLES = {"imports", "exports", "import_records"}  # bookkeeping, not records
TAG = "w"  # the world's codes are the same in every organization of these tests


@dataclass
class Shop:
    app: Any
    a: Org
    world: dict[str, dict]


def open_shop(request, tmp_path_factory, jwt_pem) -> Shop:
    folder = tmp_path_factory.mktemp(f"shop-{request.param}")
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), folder / "bulkport.sqlite3")
        url = f"sqlite:///{folder / 'bulkport.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
    app = create_app(make_settings(folder, url, jwt_pem))
    a = make_org(app, "shop-a")
    world = build_world(a.api, TAG)
    for recipe in RECIPES.values():
        if recipe.extra is not None:
            recipe.extra(a.api, world)
    return Shop(app, a, world)


def close_shop(shop: Shop) -> None:
    shop.app.state.dispatcher.stop()
    shop.app.state.engine.dispose()


def depends(type_: str) -> set[str]:
    """Every type `type_` refers to, directly or not (writable relationships)."""
    found: set[str] = set()
    todo = [type_]
    while todo:
        for rel in writable_relationships(todo.pop()):
            if rel.target_type not in found:
                found.add(rel.target_type)
                todo.append(rel.target_type)
    return found


def nested_types(resource_type: str, includes: tuple[str, ...]) -> set[str]:
    """The types of the nested children an export includes (`line_items.line_item_options`)."""
    out = set()
    for path in includes:
        current = REGISTRY[resource_type]
        for name in path.split("."):
            rel = current.relationships[name]
            current = rel.target
            if isinstance(rel, HasMany) and rel.nested:
                out.add(current.type)
    return out


def build_subset(api, types: set[str]) -> dict[str, dict]:
    """World records of `types` only, created as build_world creates them."""
    return build_world(api, TAG, types)


def world_for(api, resource_type: str, includes: tuple[str, ...]) -> dict[str, dict]:
    """What a dry export of `resource_type` refers to, and nothing of it or its children."""
    own = {resource_type} | nested_types(resource_type, includes)
    needed = set().union(*(depends(t) for t in own)) - own
    needed = {t for t in needed if not depends(t) & own}
    return build_subset(api, needed)


def stored_rows(app, organization_id: str) -> dict[str, list[tuple]]:
    """Every row of the organization's records (and taggings), without `updated_at`."""
    out = {}
    with app.state.engine.connect() as conn:
        scope = Scope(conn, organization_id)
        for table in resources.REGISTRY["tags"].table.metadata.sorted_tables:
            if table.name in JOB_TABLES or "organization_id" not in table.c:
                continue
            columns = [c for c in table.c if c.name != "updated_at"]
            rows = scope.execute(scope.where(select(*columns), table)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out
