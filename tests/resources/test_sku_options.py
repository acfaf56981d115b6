"""SKU options: per market or in a currency of their own; one name per market."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    errors,
    patch,
    post,
    related_id,
)


def test_create_with_every_attribute_filters_and_tags(api):
    market = factories.market(api, code="EU")
    attributes = {
        "name": "Engraving",
        "currency_code": "EUR",
        "description": "Laser engraved.",
        "price_amount_cents": 500,
        "delay_hours": 48,
        "sku_code_regex": "^MUG-",
        "reference": "o1",
        "metadata": {"max_chars": 20},
    }
    data = created(post(api, "sku_options", {**attributes, "market_code": "EU",
                                              "_add_tags": "personal"}))  # fmt: skip
    assert_rendered(data, {**attributes, "market_code": "EU"})
    assert related_id(data, "market") == market["id"]
    factories.sku_option(api, "Engraving", currency_code="USD")
    listed = api.get("/api/sku_options?filter[q][market_code_eq]=EU&include=tags,market").json()
    assert [r["id"] for r in listed["data"]] == [data["id"]]
    assert {r["type"] for r in listed["included"]} == {"tags", "markets"}
    assert [r["id"] for r in api.get(f"/api/markets/{market['id']}/sku_options").json()["data"]] \
        == [data["id"]]  # fmt: skip


def test_currency_without_market_and_one_name_per_market(api, other_org):
    eu, us = factories.market(api), factories.market(api)
    assert_invalid(post(api, "sku_options", {"name": "Wrap"}), "currency_code", "blank")
    assert_invalid(post(api, "sku_options", {}), "name", "blank")
    assert_invalid(post(api, "sku_options", {"name": "W", "currency_code": "XXX"}),
                   "currency_code", "inclusion")  # fmt: skip
    response = post(api, "sku_options", {"name": "W", "delay_hours": -2}, {"market": eu})
    assert errors(response)[0]["meta"]["error"] == "greater_than_or_equal_to"
    wrap = factories.sku_option(api, "Wrap", eu)
    assert_taken(post(api, "sku_options", {"name": "Wrap"}, {"market": eu}), "name")
    factories.sku_option(api, "Wrap", us)  # another market: fine
    assert_taken(patch(api, wrap, relationships={"market": us}), "name")
    foreign = factories.market(other_org.api, code="EU")
    assert_must_exist(post(api, "sku_options", {"name": "X"}, {"market": foreign}), "market")
