"""Bundles: a SKU list (by id or name) sold at one price, per market or in a currency."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    fetch,
    patch,
    post,
    related_id,
)


@pytest.fixture
def summer(api):
    return factories.sku_list(api, "Summer Essentials", [factories.sku(api, code="MUG")])


def test_create_with_every_attribute_and_includes(api, summer):
    market = factories.market(api, code="EU")
    attributes = {
        "code": "KIT",
        "name": "Summer kit",
        "currency_code": "EUR",
        "description": "Two mugs.",
        "image_url": "https://img.example.com/kit.jpg",
        "price_amount_cents": 4500,
        "compare_at_amount_cents": 5200,
        "reference": "b1",
        "metadata": {"promo": True},
    }
    body = {**attributes, "sku_list_name": "Summer Essentials", "market_code": "EU"}
    data = created(post(api, "bundles", body))
    assert_rendered(data, {**attributes, "sku_list_name": "Summer Essentials"})
    assert (related_id(data, "sku_list"), related_id(data, "market")) == (summer["id"],
                                                                          market["id"])  # fmt: skip
    doc = api.get(f"/api/bundles/{data['id']}?include=sku_list.sku_list_items.sku").json()
    assert sorted(r["type"] for r in doc["included"]) == ["sku_list_items", "sku_lists", "skus"]
    query = (
        "/api/bundles?filter[q][market_code_eq]=EU&filter[q][sku_list_name_eq]=Summer Essentials"
    )
    assert [r["id"] for r in api.get(query).json()["data"]] == [data["id"]]
    # The stored list name follows a renamed list.
    assert patch(api, summer, {"name": "Summer"}).status_code == 200
    assert fetch(api, data)["attributes"]["sku_list_name"] == "Summer"


def test_rules_and_key(api, summer, other_org):
    market = factories.market(api)
    base = {"code": "KIT", "name": "Kit"}
    assert_invalid(post(api, "bundles", base, {"market": market}), "sku_list", "blank",
                   relationship=True)  # fmt: skip
    assert_invalid(post(api, "bundles", base, {"sku_list": summer}), "currency_code", "blank")
    assert_invalid(post(api, "bundles", {"code": "K"}, {"sku_list": summer, "market": market}),
                   "name", "blank")  # fmt: skip
    assert_must_exist(post(api, "bundles", {**base, "sku_list_name": "Winter"},
                           {"market": market}), "sku_list")  # fmt: skip
    factories.bundle(api, summer, "KIT", market)
    assert_taken(post(api, "bundles", base, {"sku_list": summer, "market": market}), "code")
    factories.bundle(api, summer, "KIT", factories.market(api))  # another market: fine
    foreign = factories.sku_list(other_org.api, "Summer Essentials")
    assert_must_exist(post(api, "bundles", base, {"sku_list": foreign, "market": market}),
                      "sku_list")  # fmt: skip
