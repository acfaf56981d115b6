"""Prices and their price tiers."""

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
    no_duplicate_errors,
    patch,
    post,
    related_id,
)


@pytest.fixture
def catalog(api):
    return factories.sku(api, code="TSHIRT"), factories.price_list(api, code="EU")


def price_rels(sku: dict, plist: dict) -> dict:
    return {"sku": sku, "price_list": plist}


def assert_duplicate(response) -> None:
    """(price_list, sku) taken: reported on one of the key's relationships."""
    error = errors(response)[0]
    assert error["meta"]["error"] == "taken", response.text
    assert error["title"] == "has already been taken"
    assert error["source"]["pointer"] in (
        "/data/relationships/price_list",
        "/data/relationships/sku",
    )


def test_create_with_every_attribute(api, catalog):
    sku, plist = catalog
    attributes = {
        "amount_cents": 10000,
        "compare_at_amount_cents": 13000,
        "rules": {"min_quantity": 2},
        "reference": "p1",
        "reference_origin": "erp",
        "metadata": {"vat": 0.22},
    }
    data = created(post(api, "prices", attributes, price_rels(sku, plist)))
    assert_rendered(data, attributes)
    assert related_id(data, "sku") == sku["id"]
    assert related_id(data, "price_list") == plist["id"]
    assert data["attributes"]["sku_code"] == "TSHIRT"
    assert data["attributes"]["price_list_code"] == "EU"


def test_sku_code_and_price_list_code_instead_of_relationships(api, catalog):
    sku, plist = catalog
    attributes = {"amount_cents": 500, "sku_code": "TSHIRT", "price_list_code": "EU"}
    data = created(post(api, "prices", attributes))
    assert related_id(data, "sku") == sku["id"]
    assert related_id(data, "price_list") == plist["id"]
    # The same key again, by code: taken.
    assert_duplicate(post(api, "prices", attributes))


def test_sku_code_follows_a_renamed_sku(api, catalog):
    sku, plist = catalog
    price = factories.price(api, sku, plist)
    assert patch(api, sku, {"code": "RENAMED"}).status_code == 200
    listed = api.get("/api/prices?filter[q][sku_code_eq]=RENAMED").json()["data"]
    assert [p["id"] for p in listed] == [price["id"]]
    assert fetch(api, price)["attributes"]["sku_code"] == "RENAMED"


def test_unknown_or_foreign_sku_code_must_exist(api, other_org, catalog):
    _, plist = catalog
    factories.sku(other_org.api, code="FOREIGN")
    for code in ("NOPE", "FOREIGN"):
        response = post(api, "prices", {"amount_cents": 1, "sku_code": code}, {"price_list": plist})
        assert_must_exist(response, "sku")
        assert no_duplicate_errors(response), response.text


def test_relationships_to_other_organizations_must_exist(api, other_org, catalog):
    sku, plist = catalog
    foreign_sku = factories.sku(other_org.api)
    foreign_list = factories.price_list(other_org.api)
    assert_must_exist(
        post(api, "prices", {"amount_cents": 1}, price_rels(foreign_sku, plist)), "sku"
    )
    response = post(api, "prices", {"amount_cents": 1}, price_rels(sku, foreign_list))
    assert_must_exist(response, "price_list")
    price = factories.price(api, sku, plist)
    assert_must_exist(patch(api, price, relationships={"sku": foreign_sku}), "sku")
    assert related_id(fetch(api, price), "sku") == sku["id"]


def test_one_price_per_sku_and_price_list(api, other_org, catalog):
    sku, plist = catalog
    factories.price(api, sku, plist)
    assert_duplicate(post(api, "prices", {"amount_cents": 1}, price_rels(sku, plist)))
    factories.price(api, sku, factories.price_list(api))  # another list: fine
    factories.price(api, factories.sku(api), plist)  # another SKU: fine
    # The same codes in another organization: fine.
    other_sku = factories.sku(other_org.api, code="TSHIRT")
    factories.price(other_org.api, other_sku, factories.price_list(other_org.api, code="EU"))


def test_amounts_are_non_negative_integers(api, catalog):
    response = post(api, "prices", {"amount_cents": -1}, price_rels(*catalog))
    assert errors(response)[0]["meta"]["error"] == "greater_than_or_equal_to"
    assert_invalid(
        post(api, "prices", {"amount_cents": "ten"}, price_rels(*catalog)),
        "amount_cents",
        "not_a_number",
    )


def test_update_and_delete(api, catalog):
    sku, plist = catalog
    price = factories.price(api, sku, plist, amount_cents=100)
    response = patch(api, price, {"amount_cents": 250, "rules": {"x": 1}})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"amount_cents": 250, "rules": {"x": 1}})
    assert_invalid(patch(api, price, {"amount_cents": None}), "amount_cents", "blank")
    tier = factories.price_tier(api, price)
    assert api.delete(f"/api/prices/{price['id']}").status_code == 204
    assert gone(api, price) and gone(api, tier)
    assert not gone(api, sku) and not gone(api, plist)


def test_deleting_a_price_list_deletes_its_prices(api, catalog):
    sku, plist = catalog
    price = factories.price(api, sku, plist)
    assert api.delete(f"/api/price_lists/{plist['id']}").status_code == 204
    assert gone(api, price)
    assert not gone(api, sku)


# -- price tiers --------------------------------------------------------------------------------
@pytest.fixture
def price(api, catalog):
    return factories.price(api, *catalog)


@pytest.mark.parametrize(
    ("type_", "tier_type"),
    [("price_volume_tiers", "PriceVolumeTier"), ("price_frequency_tiers", "PriceFrequencyTier")],
)
def test_tier_create_with_every_attribute(api, price, type_, tier_type):
    attributes = {
        "name": "10+",
        "up_to": 10.0,
        "price_amount_cents": 900,
        "reference": "t1",
        "metadata": {"a": 1},
    }
    data = created(post(api, type_, attributes, {"price": price}))
    assert data["type"] == type_
    assert_rendered(data, attributes)
    assert related_id(data, "price") == price["id"]
    listed = api.get(f"/api/prices/{price['id']}/price_tiers").json()["data"]
    assert [(t["type"], t["id"]) for t in listed] == [(type_, data["id"])]
    included = api.get(f"/api/prices/{price['id']}?include=price_tiers").json()
    assert [(t["type"], t["id"]) for t in included["included"]] == [(type_, data["id"])]
    linkage = included["data"]["relationships"]["price_tiers"]["data"]
    assert linkage == [{"type": type_, "id": data["id"]}]
    umbrella = api.get(f"/api/price_tiers/{data['id']}").json()["data"]
    assert umbrella["type"] == type_
    assert (
        api.get("/api/price_tiers", params={"filter[q][tier_type_eq]": tier_type}).json()["meta"][
            "record_count"
        ]
        == 1
    )


def test_volume_tier_update_and_delete(api, price):
    tier = factories.price_tier(api, price, name="bulk", up_to=10)
    response = patch(api, tier, {"up_to": 20, "price_amount_cents": 800})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"up_to": 20.0, "price_amount_cents": 800})
    frequency = {"type": "price_frequency_tiers", "id": tier["id"]}
    assert patch(api, frequency, {"name": "x"}).status_code == 404
    assert api.delete(f"/api/price_tiers/{tier['id']}").status_code == 403
    assert api.delete(f"/api/price_volume_tiers/{tier['id']}").status_code == 204
    assert gone(api, tier)


def test_tier_rules(api, price):
    base = {"name": "t", "price_amount_cents": 100}
    response = post(api, "price_volume_tiers", {**base, "tier_type": "PriceFrequencyTier"})
    assert errors(response, 400)[0]["source"] == {"pointer": "/data/attributes/tier_type"}
    response = post(api, "price_tiers", {**base, "tier_type": "PriceVolumeTier"}, {"price": price})
    assert response.status_code == 403, response.text
    response = post(api, "price_volume_tiers", {**base, "up_to": -1}, {"price": price})
    assert errors(response)[0]["meta"]["error"] == "greater_than_or_equal_to"


def test_tier_name_is_unique_per_price(api, other_org, price, catalog):
    factories.price_tier(api, price, name="bulk")
    response = post(
        api, "price_volume_tiers", {"name": "bulk", "price_amount_cents": 1}, {"price": price}
    )
    assert_taken(response, "price", relationship=True)
    another = factories.price(api, catalog[0], factories.price_list(api))
    factories.price_tier(api, another, name="bulk")  # another price: fine
    other_price = factories.price(
        other_org.api, factories.sku(other_org.api), factories.price_list(other_org.api)
    )
    factories.price_tier(other_org.api, other_price, name="bulk")  # another organization: fine
    response = post(
        other_org.api,
        "price_volume_tiers",
        {"name": "x", "price_amount_cents": 1},
        {"price": price},
    )
    assert_must_exist(response, "price")
