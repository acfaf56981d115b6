"""Supporting types: markets, merchants, inventory models, price lists, stock locations, tax
calculators and customer groups."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    errors,
    fetch,
    gone,
    patch,
    post,
    related_id,
)


def market_rels(api) -> dict:
    return {
        "merchant": factories.merchant(api),
        "price_list": factories.price_list(api),
        "inventory_model": factories.inventory_model(api),
    }


def with_address(api) -> dict:
    return {"address": factories.address(api)}


# type -> (every attribute, relationships builder)
FULL = {
    "markets": (
        {
            "name": "Europe",
            "code": "EU",
            "checkout_url": "https://checkout.example.com/:order_id",
            "external_prices_url": "https://prices.example.com",
            "shipping_cost_cutoff": 5000,
            "disabled": True,
        },
        lambda api: {
            **market_rels(api),
            "customer_group": factories.customer_group(api),
            "tax_calculator": factories.tax_calculator(api),
        },
    ),
    "merchants": ({"name": "The Brand"}, with_address),
    "inventory_models": (
        {
            "name": "Split",
            "strategy": "split_shipments",
            "stock_locations_cutoff": 2,
            "stock_reservation_cutoff": 3600,
            "put_stock_transfers_first": True,
            "manual_stock_decrement": True,
        },
        None,
    ),
    "price_lists": (
        {"name": "EUR", "code": "EU", "currency_code": "EUR", "tax_included": False},
        None,
    ),
    "stock_locations": (
        {"name": "Main", "code": "WH1", "label_format": "ZPL", "suppress_etd": True},
        with_address,
    ),
    "avalara_accounts": ({"name": "Avalara"}, None),
    "manual_tax_calculators": ({"name": "Manual"}, None),
    "customer_groups": ({"name": "VIP", "code": "vip"}, None),
}

DEFAULTS = {
    "markets": ({"name": "M"}, market_rels, {"disabled": False}),
    "inventory_models": (
        {"name": "I"},
        None,
        {"strategy": "no_split", "manual_stock_decrement": False},
    ),
    "price_lists": ({"name": "P", "currency_code": "USD"}, None, {"tax_included": True}),
    "stock_locations": (
        {"name": "S"},
        with_address,
        {"label_format": "PDF", "suppress_etd": False},
    ),
}

# type -> (unique attribute, a valid record's attributes, relationships builder)
UNIQUE = {
    "markets": ("code", {"name": "M", "code": "EU"}, market_rels),
    "price_lists": ("code", {"name": "P", "code": "EU", "currency_code": "EUR"}, None),
    "stock_locations": ("code", {"name": "S", "code": "WH1"}, with_address),
    "customer_groups": ("name", {"name": "VIP"}, None),
}


def build(api, type_: str, attributes: dict, rels) -> dict:
    return created(post(api, type_, attributes, rels(api) if rels else None))


@pytest.mark.parametrize("type_", sorted(FULL))
def test_create_with_every_attribute(api, type_):
    attributes, rels = FULL[type_]
    attributes = {
        **attributes,
        "reference": "r-1",
        "reference_origin": "erp",
        "metadata": {"k": "v"},
    }
    relationships = rels(api) if rels else {}
    data = created(post(api, type_, attributes, relationships))
    assert_rendered(data, attributes)
    for name, target in relationships.items():
        assert related_id(data, name) == target["id"]
    assert fetch(api, data) == data


def test_defaults(api):
    for type_, (attributes, rels, expected) in DEFAULTS.items():
        assert_rendered(build(api, type_, attributes, rels), expected)


@pytest.mark.parametrize("type_", sorted(UNIQUE))
def test_unique_keys_within_an_organization(api, other_org, type_):
    name, attributes, rels = UNIQUE[type_]
    first = build(api, type_, attributes, rels)
    response = post(api, type_, attributes, rels(api) if rels else None)
    assert_taken(response, name)
    build(other_org.api, type_, attributes, rels)  # another organization: fine
    second = build(api, type_, {**attributes, name: "OTHER"}, rels)
    assert_taken(patch(api, second, {name: attributes[name]}), name)
    assert patch(api, first, {name: attributes[name]}).status_code == 200


def test_currency_codes(api):
    for code in ("EUR", "USD", "GBP", "JPY", "CHF"):
        created(post(api, "price_lists", {"name": code, "currency_code": code}))
    for code in ("ZZZ", "eur", "EURO", "€"):
        response = post(api, "price_lists", {"name": "x", "currency_code": code})
        assert_invalid(response, "currency_code", "inclusion")


def test_market_relationships_must_exist_in_this_organization(api, other_org):
    foreign = market_rels(other_org.api)
    for name, target in foreign.items():
        response = post(api, "markets", {"name": "M"}, {**market_rels(api), name: target})
        assert_must_exist(response, name)
    for name, make in (
        ("customer_group", factories.customer_group),
        ("tax_calculator", factories.tax_calculator),
    ):
        response = post(
            api, "markets", {"name": "M"}, {**market_rels(api), name: make(other_org.api)}
        )
        assert_must_exist(response, name)


def test_market_price_list_by_code(api, other_org):
    plist = factories.price_list(api, code="EU")
    factories.price_list(other_org.api, code="US")
    rels = market_rels(api)
    del rels["price_list"]
    data = created(post(api, "markets", {"name": "M", "price_list_code": "EU"}, rels))
    assert related_id(data, "price_list") == plist["id"]
    response = post(api, "markets", {"name": "M", "price_list_code": "US"}, rels)
    assert_must_exist(response, "price_list")


def test_merchant_and_stock_location_need_an_address_of_this_organization(api, other_org):
    foreign = factories.address(other_org.api)
    for type_ in ("merchants", "stock_locations"):
        assert_invalid(post(api, type_, {"name": "x"}), "address", "blank", relationship=True)
        assert_must_exist(post(api, type_, {"name": "x"}, {"address": foreign}), "address")


def test_records_a_market_uses_cannot_be_deleted(api):
    rels = market_rels(api)
    group, calculator = factories.customer_group(api), factories.tax_calculator(api)
    market = created(
        post(
            api,
            "markets",
            {"name": "M"},
            {**rels, "customer_group": group, "tax_calculator": calculator},
        )
    )
    for target in rels.values():
        response = api.delete(f"/api/{target['type']}/{target['id']}")
        assert errors(response)[0]["meta"] == {"error": "restrict_dependent_destroy"}
    # Optional relationships are cleared instead.
    for target in (group, calculator):
        assert api.delete(f"/api/{target['type']}/{target['id']}").status_code == 204
    data = fetch(api, market)
    assert related_id(data, "customer_group") is None and related_id(data, "tax_calculator") is None
    assert api.delete(f"/api/markets/{market['id']}").status_code == 204
    for target in rels.values():
        assert api.delete(f"/api/{target['type']}/{target['id']}").status_code == 204
        assert gone(api, target)


def test_minimums(api):
    for type_, attributes in (
        ("inventory_models", {"name": "I", "stock_locations_cutoff": 0}),
        ("inventory_models", {"name": "I", "stock_reservation_cutoff": -1}),
        ("markets", {"name": "M", "shipping_cost_cutoff": -1}),
    ):
        response = post(api, type_, attributes)
        assert "greater_than_or_equal_to" in {e["meta"]["error"] for e in errors(response)}


def test_update_a_market(api):
    market = created(post(api, "markets", {"name": "M"}, market_rels(api)))
    response = patch(api, market, {"name": "Europe", "disabled": True})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"name": "Europe", "disabled": True})
    assert_invalid(
        patch(api, market, relationships={"merchant": None}), "merchant", "blank", relationship=True
    )
    model = factories.inventory_model(api)
    response = patch(api, market, relationships={"inventory_model": model})
    assert response.status_code == 200, response.text
    assert related_id(response.json()["data"], "inventory_model") == model["id"]
    plist = factories.price_list(api)
    response = patch(api, market, relationships={"price_list": plist})
    assert related_id(response.json()["data"], "price_list") == plist["id"]
