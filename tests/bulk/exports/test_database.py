"""Exports shaped by PostgreSQL (bulk/exports/database.py) hold the bytes Python writes: for
every importable type, with its nested children, its to-one relationships and its named links
included, JSON and CSV, dry and not, and for values chosen to differ (floats, quotes, line
breaks, formula starts, stored JSON). Also: files written a page at a time, and the float text.

PostgreSQL only: on SQLite both paths are the Python one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Float, case, column, literal, select, values

from bulk.exports import database, run
from resources import REGISTRY, importable_types
from tests.bulk.exports.recipes import RECIPES, recipe_for
from tests.support import factories
from tests.support.api import Org, make_org, open_app
from tests.support.jobs import run_export, text
from tests.support.services import database_url, make_settings
from tests.support.world import build_world

TAG = "d"


@dataclass
class Shop:
    app: Any
    a: Org


ODD = ["", "plain", 'say "hi", then\nleave', "old\rmac", "\r\nwin", "=SUM(1)", "-neg", "+1",
       "@home", "\ttab", "é ✓ 🙂", "back\\slash", "ctl\x01\x1f", "'quoted'", " , "]  # fmt: skip
FLOATS = [0.0, -0.0, 0.1, 0.2, 1.5, 10.0, 100.25, 1e-4, 1.5e-05, 123456789012345.6,
          1234567890123456.8, 1e15, 9999999999999998.0, 1e16, 1.7976931348623157e308,
          # PostgreSQL writes other digits for these: Python does
          0.1 + 0.2, 1e23, 1.943109910731383e16]  # fmt: skip


def odd_records(api, world: dict) -> None:
    """SKUs, prices and tiers whose values the database must write as Python does."""
    category = world["shipping_categories"]
    plist = world["price_lists"]
    for i, weight in enumerate(FLOATS):
        name = ODD[i % len(ODD)] or "x"
        sku = factories.sku(
            api, code=f"ODD-{i:02d}", category=category, name=name, weight=weight,
            description=ODD[(i + 3) % len(ODD)] or None, reference=ODD[(i + 5) % len(ODD)],
            metadata={"k": ODD[i % len(ODD)], "n": [1, 2.5, None, True], "nested": {"é": {}},
                      "big": 10**20, "f": 1e-7} if i % 3 else {},
        )  # fmt: skip
        tags = ["-neg", f"t{i % 4}", "_z", "A-1"][: i % 5]
        api.patch(f"/api/skus/{sku['id']}", json={"data": {"type": "skus", "id": sku["id"],
                  "attributes": {"_add_tags": tags}}})  # fmt: skip
        if i % 4 == 0:
            continue
        price = factories.price(api, sku, plist, amount_cents=100 * i, reference=ODD[i % 7])
        for j in range(i % 3):
            factories.price_tier(api, price, f"tier {j}, {ODD[(i + j) % len(ODD)]}"[:40],
                                 up_to=FLOATS[(i + j) % len(FLOATS)] if j else 5.0)  # fmt: skip


@pytest.fixture(scope="module")
def shop(request, tmp_path_factory, jwt_pem):
    folder = tmp_path_factory.mktemp("shop-database")
    settings_ = make_settings(folder, database_url(request, "postgresql", folder), jwt_pem)
    with open_app(settings_) as app:
        a = make_org(app, "shop-d")
        world = build_world(a.api, TAG)
        for recipe in RECIPES.values():
            if recipe.extra is not None:
                recipe.extra(a.api, world)
        odd_records(a.api, world)
        yield Shop(app, a)


def both(api, monkeypatch, resource_type: str, **spec: Any) -> str:
    """The file shaped by the database, checked equal to the one shaped by Python."""
    shaped = []
    real = database.Shaper.select

    def spy(self):
        shaped.append(self.plan.resource.type)
        return real(self)

    with monkeypatch.context() as m:
        m.setattr(database.Shaper, "select", spy)
        _attrs, in_database = run_export(api, resource_type, **spec)
    assert shaped == [resource_type], "the database did not shape it"
    with monkeypatch.context() as m:
        m.setattr(database, "supported", lambda _plan: False)
        _attrs, in_python = run_export(api, resource_type, **spec)
    assert text(in_database) == text(in_python)
    return text(in_database)


def includes_of(resource_type: str) -> list[str]:
    """The recipe's nested children, every to-one relationship and the named links."""
    resource = REGISTRY[resource_type]
    return [*recipe_for(resource_type).includes, *(r.name for r in resource.belongs_to),
            *(r.name for r in resource.named_links)]  # fmt: skip


@pytest.mark.parametrize("dry", [False, True], ids=["full", "dry"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("resource_type", importable_types())
def test_every_type_comes_out_as_python_writes_it(shop, monkeypatch, resource_type, fmt, dry):
    both(shop.a.api, monkeypatch, resource_type, format=fmt, dry_data=dry,
         includes=includes_of(resource_type))  # fmt: skip


SPECS = [
    {"includes": ["prices.price_tiers", "shipping_category"]},
    {"includes": ["prices.price_tiers"], "dry_data": True},
    {"includes": ["prices.price_tiers", "tags"], "csv_safe": True},
    {"includes": ["prices.price_tiers"], "csv_safe": True, "dry_data": True},
    {"fields": ["code", "weight", "tags", "prices.amount_cents", "prices.price_tiers.*"]},
    {"fields": ["metadata", "shipping_category.name", "prices.price_tiers.up_to"],
     "dry_data": True},
    {"fields": ["weight"], "dry_data": True, "filters": {"code_start": "ODD"}},  # one column
    {"fields": ["reference"], "dry_data": True, "filters": {"code_start": "ODD"}},
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("spec", SPECS, ids=range(len(SPECS)))
def test_odd_values_includes_and_fields(shop, monkeypatch, spec, fmt):
    written = both(shop.a.api, monkeypatch, "skus", format=fmt, **spec)
    if fmt == "csv" and spec.get("fields") == ["weight"]:
        assert {"1e+16", "1000000000000000.0", "1.5e-05", "0.0001"} <= set(written.split("\n"))


@pytest.mark.parametrize("dry", [False, True], ids=["full", "dry"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_files_written_a_page_at_a_time(shop, monkeypatch, fmt, dry):
    spec = {"format": fmt, "dry_data": dry, "includes": ["prices.price_tiers", "tags"]}
    whole = both(shop.a.api, monkeypatch, "skus", **spec)
    monkeypatch.setattr(run, "PAGE", 3)  # more than five pages
    assert both(shop.a.api, monkeypatch, "skus", **spec) == whole


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_floats_are_written_as_python_writes_them(shop, numbers):
    """Or handed to Python (``float_exact``), which only the rare 16- and 17-digit ones are."""
    numbers += [math.ldexp(1.0, e) for e in range(-60, 60, 7)] + [0.1 + 0.2, 1e23, 5e-324]
    table = values(column("x", Float), name="v").data([(x,) for x in numbers])
    x = table.c.x
    written = case((database.float_exact(x), database.python_float(x)), else_=literal("?"))
    with shop.app.state.engine.connect() as conn:
        found = conn.execute(select(written)).scalars().all()
    assert [w for w, n in zip(found, numbers, strict=True) if w not in ("?", repr(n))] == []
    assert found[-3:] == ["?", "?", "5e-324"]
