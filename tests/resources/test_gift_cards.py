from __future__ import annotations

import re

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    errors,
    gone,
    listed,
    patch,
    pointers,
    post,
    related_id,
)

GENERATED = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


def test_create_with_every_attribute(api):
    tag = factories.tag(api, "xmas")
    attributes = {
        "code": "GC-XMAS-0001",
        "currency_code": "USD",
        "balance_cents": 5000,
        "balance_max_cents": 10000,
        "single_use": True,
        "rechargeable": False,
        "distribute_discount": False,
        "image_url": "https://img.example.com/xmas.png",
        "recipient_email": "grace@example.com",
        "expires_at": "2025-12-31T23:59:59.000Z",
        "reference": "g1",
        "metadata": {"occasion": "xmas"},
    }
    data = created(post(api, "gift_cards", attributes, {"tags": [tag]}))
    assert_rendered(data, {**attributes, "status": "draft"})
    assert related_id(data, "market") is None


def test_currency_is_required_without_a_market_and_inherited_with_one(api, other_org):
    assert pointers(post(api, "gift_cards", {"code": "GC-1", "balance_cents": 1})) == {
        ("/data/attributes/currency_code", "blank")
    }
    response = post(api, "gift_cards", {"balance_cents": 1, "currency_code": "EURO"})
    assert_invalid(response, "currency_code", "inclusion")
    usd_list = factories.price_list(api, currency_code="USD")
    market = factories.market(api, code="US")
    api.patch(
        f"/api/markets/{market['id']}/relationships/price_list",
        json={"data": {"type": "price_lists", "id": usd_list["id"]}},
    )
    data = created(post(api, "gift_cards", {"balance_cents": 1}, {"market": market}))
    assert data["attributes"]["currency_code"] == "USD"
    data = created(
        post(api, "gift_cards", {"balance_cents": 1, "market_code": "US", "currency_code": "GBP"})
    )
    assert (related_id(data, "market"), data["attributes"]["currency_code"]) == (
        market["id"],
        "GBP",
    )
    factories.market(other_org.api, code="EU")
    assert_must_exist(post(api, "gift_cards", {"balance_cents": 1, "market_code": "EU"}), "market")
    card = factories.gift_card(api)  # EUR, no market
    response = patch(api, card, relationships={"market": market})  # moved without a currency
    assert response.json()["data"]["attributes"]["currency_code"] == "USD"
    response = patch(api, card, {"currency_code": "EUR", "reference": "x"})
    assert response.json()["data"]["attributes"]["currency_code"] == "EUR"  # a later change


def test_a_code_is_generated_when_not_given(api):
    first = created(post(api, "gift_cards", {"balance_cents": 100, "currency_code": "EUR"}))
    second = created(post(api, "gift_cards", {"balance_cents": 100, "currency_code": "EUR"}))
    codes = [first["attributes"]["code"], second["attributes"]["code"]]
    assert all(GENERATED.match(c) for c in codes) and codes[0] != codes[1], codes
    response = patch(api, first, {"balance_cents": 50})
    assert response.json()["data"]["attributes"]["code"] == codes[0]
    assert_invalid(patch(api, first, {"code": None}), "code", "blank")


def test_balance_rules_status_and_uniqueness(api, other_org):
    base = {"currency_code": "EUR"}
    assert_invalid(post(api, "gift_cards", base), "balance_cents", "blank")
    response = post(api, "gift_cards", {**base, "balance_cents": -1})
    assert pointers(response) == {("/data/attributes/balance_cents", "greater_than_or_equal_to")}
    response = post(api, "gift_cards", {**base, "balance_cents": 200, "balance_max_cents": 100})
    assert errors(response)[0]["detail"] == "balance_cents - must be less than or equal to 100"
    response = post(api, "gift_cards", {**base, "balance_cents": 1, "status": "active"})
    assert errors(response, 400)[0]["source"] == {"pointer": "/data/attributes/status"}
    factories.gift_card(api, "GC-TAKEN-01")
    assert_taken(
        post(api, "gift_cards", {**base, "code": "GC-TAKEN-01", "balance_cents": 1}), "code"
    )
    factories.gift_card(other_org.api, "GC-TAKEN-01")  # another organization: fine


def test_filters_includes_and_delete(api):
    market = factories.market(api, code="EU")
    in_market = factories.gift_card(api, "GC-EU-0001", market, balance_cents=2500)
    factories.gift_card(api, "GC-USD-0001", currency_code="USD", balance_cents=10000)

    def codes(**filters: str) -> list[str]:
        return listed(api, "gift_cards", "code", **filters)

    assert codes(currency_code_eq="USD") == ["GC-USD-0001"]
    assert codes(balance_cents_lt="5000") == ["GC-EU-0001"]
    assert codes(market_code_eq="EU") == ["GC-EU-0001"]
    assert codes(status_eq="draft") == ["GC-EU-0001", "GC-USD-0001"]
    doc = api.get(f"/api/gift_cards/{in_market['id']}", params={"include": "market"}).json()
    assert [(r["type"], r["id"]) for r in doc["included"]] == [("markets", market["id"])]
    cards = api.get(f"/api/markets/{market['id']}/gift_cards").json()["data"]
    assert [c["id"] for c in cards] == [in_market["id"]]
    response = api.delete(f"/api/markets/{market['id']}")  # a market with gift cards stays
    assert response.status_code == 422, response.text
    assert api.delete(f"/api/gift_cards/{in_market['id']}").status_code == 204
    assert gone(api, in_market)
