"""Round trips, for every importable type, in JSON and CSV (the reason exports exist):

- A's dry export, imported into organization B (which holds only what the records refer to),
  exports from B byte-equal;
- A's own (non-dry) export, imported back into A, processes every item without an error or a
  warning, and changes no stored value but `updated_at`.

One organization A per backend for the module (the ``shop`` fixture: the world of
tests/support/world.py plus the recipes' extras); recipes in tests/bulk/exports/recipes.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from resources import REGISTRY, importable_types
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


def size(gz: bytes, fmt: str) -> int:
    """Import items: JSON array elements, CSV data rows (what import counters count)."""
    return len(csv_rows(gz)) if fmt == "csv" else len(json.loads(text(gz)))


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
    assert imported["processed_count"] == size(file_a, fmt)

    exported_b, file_b = run_export(b.api, resource_type, **spec)
    assert text(file_b) == text(file_a)
    assert file_b == file_a  # the gzip bytes too
    assert exported_b["records_count"] == exported_a["records_count"] > 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("resource_type", importable_types())
def test_reimporting_an_export_changes_nothing(shop, resource_type, fmt):
    recipe = recipe_for(resource_type)
    _attrs, exported = run_export(shop.a.api, resource_type, format=fmt,
                                  includes=list(recipe.includes))  # fmt: skip
    before = stored_rows(shop.app, shop.a.id)
    imported = run_import(shop.a.api, resource_type, inputs(exported, fmt), format=fmt)
    assert clean(imported) == ("completed", 0, 0, {}, {}), text(exported)
    assert imported["processed_count"] == size(exported, fmt)
    after = stored_rows(shop.app, shop.a.id)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, changed
