"""Round trips, for every importable type, in JSON and CSV (the reason exports exist):

- A's dry export, imported into organization B (which holds only what the records refer to),
  exports from B byte-equal;
- A's own (non-dry) export, imported back into A, processes every item without an error or a
  warning, and changes no stored value but `updated_at`;
- the same dry round trip with each of a type's to-many relationships included (a SKU's
  `prices.price_tiers`, `stock_items`...): the included records come back too, or, where an
  import of the type cannot write them, each item that carried some says so in warnings_log.

One organization A per backend for the module (the ``shop`` fixture: the world of
tests/support/world.py plus the recipes' extras); recipes in tests/bulk/exports/recipes.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from resources import REGISTRY, importable_types
from resources.base import HasMany
from tests.bulk.exports.recipes import RECIPES, recipe_for
from tests.support.api import Org, make_org, open_app
from tests.support.jobs import csv_rows, run_export, run_import, text
from tests.support.services import database_url, make_settings
from tests.support.world import build_world, stored_rows, world_for

FORMATS = ["json", "csv"]
TAG = "w"  # the world's codes are the same in every organization of these tests


@dataclass
class Shop:
    app: Any
    a: Org
    world: dict[str, dict]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, tmp_path_factory, jwt_pem):
    """Organization A: the world plus the recipes' extras, built once per backend."""
    folder = tmp_path_factory.mktemp(f"shop-{request.param}")
    settings = make_settings(folder, database_url(request, request.param, folder), jwt_pem)
    with open_app(settings) as app:
        a = make_org(app, "shop-a")
        world = build_world(a.api, TAG)
        for recipe in RECIPES.values():
            if recipe.extra is not None:
                recipe.extra(a.api, world)
        yield Shop(app, a, world)


def types_with_gaps() -> list:
    """Every importable type; one whose recipe names a gap must fail (a strict xfail): once
    the gap is closed, the test says so."""
    params = []
    for resource_type in importable_types():
        recipe = RECIPES.get(resource_type)
        gap = recipe.gap if recipe is not None else None
        marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
        params.append(pytest.param(resource_type, marks=marks, id=resource_type))
    return params


def inputs(gz: bytes, fmt: str):
    return text(gz) if fmt == "csv" else json.loads(text(gz))


def clean(attrs: dict) -> tuple:
    return attrs["status"], attrs["errors_count"], attrs["warnings_count"], attrs["errors_log"], \
        attrs["warnings_log"]  # fmt: skip


def test_every_importable_type_has_a_recipe():
    for resource_type in importable_types():
        recipe_for(resource_type)
    assert set(RECIPES) <= set(importable_types()), "recipes of types that are not importable"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("resource_type", types_with_gaps())
def test_dry_export_recreates_the_records_in_another_organization(shop, resource_type, fmt):
    recipe = recipe_for(resource_type)
    resource = REGISTRY[resource_type]
    spec = {"format": fmt, "dry_data": True, "includes": list(recipe.dry)}
    exported_a, file_a = run_export(shop.a.api, resource_type, **spec)

    b = make_org(shop.app, f"b-{resource_type}-{fmt}".replace("_", "-"))
    world_b = world_for(b.api, TAG, resource_type, recipe.dry)
    if recipe.extra_b is not None:
        recipe.extra_b(b.api, world_b)
    parent = {}
    if resource.parent:
        target = resource.relationships[resource.parent].target_type
        parent["parent_resource_id"] = world_b[target]["id"]
    imported = run_import(b.api, resource_type, inputs(file_a, fmt), format=fmt, **parent)
    assert clean(imported) == ("completed", 0, 0, {}, {}), text(file_a)
    assert imported["processed_count"] == exported_a["records_count"]  # CSV: items, not rows

    exported_b, file_b = run_export(b.api, resource_type, **spec)
    assert text(file_b) == text(file_a)
    assert file_b == file_a  # the gzip bytes too
    assert exported_b["records_count"] == exported_a["records_count"] > 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("resource_type", importable_types())
def test_reimporting_an_export_changes_nothing(shop, resource_type, fmt):
    recipe = recipe_for(resource_type)
    attrs, exported = run_export(shop.a.api, resource_type, format=fmt,
                                 includes=list(recipe.includes))  # fmt: skip
    before = stored_rows(shop.app, shop.a.id)
    imported = run_import(shop.a.api, resource_type, inputs(exported, fmt), format=fmt)
    assert clean(imported) == ("completed", 0, 0, {}, {}), text(exported)
    assert imported["processed_count"] == attrs["records_count"]
    after = stored_rows(shop.app, shop.a.id)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, changed


def carries(gz: bytes, fmt: str, name: str) -> bool:
    """Whether an export's file holds records of the include `name`."""
    if fmt == "json":
        return any(name in item for item in json.loads(text(gz)))
    return any(v for row in csv_rows(gz) for k, v in row.items() if k.startswith(f"{name}."))


def include_path(rel: HasMany) -> str:
    """The include of a to-many relationship, down its records' own nested children
    (`prices.price_tiers`)."""
    path = [rel.name]
    current = rel.target
    while nested := [r for r in current.relationships.values()
                     if isinstance(r, HasMany) and r.nested]:  # fmt: skip
        path.append(nested[0].name)
        current = nested[0].target
    return ".".join(path)


def to_many_includes() -> list:
    return [
        pytest.param(resource_type, include_path(rel), id=f"{resource_type}-{rel.name}")
        for resource_type in importable_types()
        for rel in REGISTRY[resource_type].relationships.values()
        if isinstance(rel, HasMany)
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("resource_type", "include"), to_many_includes())
def test_dry_export_with_a_to_many_include_comes_back(shop, resource_type, include, fmt):
    resource = REGISTRY[resource_type]
    rel = resource.relationships[include.split(".")[0]]
    assert isinstance(rel, HasMany)
    spec = {"format": fmt, "dry_data": True, "includes": [include]}
    exported_a, file_a = run_export(shop.a.api, resource_type, **spec)

    slug = f"i-{resource_type}-{rel.name}-{fmt}".replace("_", "-")
    b = make_org(shop.app, slug)
    world_b = world_for(b.api, TAG, resource_type, (include,))
    for recipe in (recipe_for(resource_type), RECIPES.get(rel.target_type)):
        if recipe is not None and recipe.extra_b is not None:
            recipe.extra_b(b.api, world_b)
    parent = {}
    if resource.parent:
        target = resource.relationships[resource.parent].target_type
        parent["parent_resource_id"] = world_b[target]["id"]
    imported = run_import(b.api, resource_type, inputs(file_a, fmt), format=fmt, **parent)
    if not rel.inline:
        assert imported["status"] == "completed", imported
        assert imported["errors_log"] == {}
        message = f"{rel.name} cannot be imported with {resource_type}: ignored"
        assert bool(imported["warnings_log"]) == carries(file_a, fmt, rel.name), text(file_a)
        warned = imported["warnings_log"]
        assert all(m == [message] for m in warned.values()), warned
        return
    assert clean(imported) == ("completed", 0, 0, {}, {}), text(file_a)

    exported_b, file_b = run_export(b.api, resource_type, **spec)
    assert text(file_b) == text(file_a)
    assert exported_b["records_count"] == exported_a["records_count"] > 0
