"""How an export plans its keys (bulk/exports/plan.py), on the real declarations: no database,
no server. What the files then hold is in test_files.py."""

from __future__ import annotations

import pytest

from bulk.exports.plan import field_problem, field_tree, include_paths, plan
from resources import REGISTRY

SKUS, PRICES = REGISTRY["skus"], REGISTRY["prices"]


def test_field_tree_groups_names_by_include_level():
    assert field_tree(None) == {}
    assert field_tree([]) == {}
    assert field_tree(["code", "prices.*", "prices.price_tiers.name"]) == {
        (): {"code"},
        ("prices",): None,
        ("prices", "price_tiers"): {"name"},
    }
    assert field_tree(["name", "code", "name"]) == {(): {"name", "code"}}


def test_a_star_takes_every_field_of_its_level_whatever_the_order():
    assert field_tree(["prices.*", "prices.amount_cents"]) == {("prices",): None}
    assert field_tree(["prices.amount_cents", "prices.*"]) == {("prices",): None}
    assert field_tree(["*"]) == {(): None}


def test_include_paths_are_the_includes_and_the_levels_dotted_fields_name():
    assert include_paths(None, None) == {}
    assert include_paths(["prices.price_tiers", "tags"], None) == {
        "prices": {"price_tiers": {}},
        "tags": {},
    }
    assert include_paths(["tags"], ["code", "prices.amount_cents", "stock_items.quantity"]) == {
        "tags": {},
        "prices": {},
        "stock_items": {},
    }
    assert include_paths(["prices"], ["prices.price_tiers.name"]) == {"prices": {"price_tiers": {}}}


@pytest.mark.parametrize(
    "name",
    [
        "code",
        "id",
        "*",
        "tags",  # a named link
        "shipping_category",  # a relationship
        "shipping_category_id",
        "created_at",
        "prices.amount_cents",
        "prices.*",
        "prices.id",
        "prices.price_tiers.type",  # an attribute's import name (alias)
        "prices.price_tiers.tier_type",  # and its own name
        "shipping_category.name",
    ],
)
def test_fields_of_skus(name):
    assert field_problem(SKUS, name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("colour", "colour: colour is not a field of skus"),
        ("prices.colour", "prices.colour: colour is not a field of prices"),
        ("nothing.code", "nothing.code: nothing is not a relationship of skus"),
        ("prices.nothing.x", "prices.nothing.x: nothing is not a relationship of prices"),
        ("prices.price_tiers.colour", "prices.price_tiers.colour: colour is not a field of "
         "price_tiers"),
    ],
)  # fmt: skip
def test_what_is_not_a_field_of_skus(name, problem):
    assert field_problem(SKUS, name) == problem


def test_a_plan_selects_import_names_and_sorts_dry_records_by_their_written_key():
    full = plan(SKUS, {}, {}, False, "sqlite", csv=True)
    assert full.names[:3] == ["id", "code", "name"]
    assert full.names[-2:] == ["shipping_category_code", "shipping_category_id"]
    assert {"created_at", "updated_at"} <= set(full.names)
    assert full.header() == [*full.names, "tags.name"]

    dry = plan(SKUS, {}, {}, True, "sqlite", csv=True)
    assert "id" not in dry.names and "shipping_category_id" not in dry.names
    assert not {"created_at", "updated_at"} & set(dry.names)
    assert dry.header() == [*dry.names, "tags.name"]
    assert dry.sort_at == [dry.names.index("code")]


def test_fields_and_includes_shape_the_header():
    tree = include_paths(["prices.price_tiers", "tags"], None)
    fields = field_tree(["code", "prices.amount_cents", "prices.price_tiers.name"])
    p = plan(SKUS, tree, fields, False, "sqlite", csv=True)
    assert p.header() == ["id", "code", "tags.name", "prices.id", "prices.amount_cents",
                          "prices.price_tiers.id", "prices.price_tiers.name"]  # fmt: skip
    dry = plan(PRICES, include_paths(["price_tiers"], None), {}, True, "sqlite", csv=True)
    assert dry.header() == [
        "amount_cents", "compare_at_amount_cents", "rules", "reference", "reference_origin",
        "metadata", "price_list_code", "sku_code", "price_tiers.type", "price_tiers.name",
        "price_tiers.up_to", "price_tiers.price_amount_cents", "price_tiers.reference",
        "price_tiers.reference_origin", "price_tiers.metadata",
    ]  # fmt: skip
