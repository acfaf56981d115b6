"""Orders: numbers from the organization's sequence, the `_archive` rule, filters, includes."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import (
    TIMESTAMP,
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


@pytest.fixture
def market(api):
    return factories.market(api, code="EU")


def test_create_with_every_attribute(api, market):
    customer = factories.customer(api, "ada@example.com")
    address = factories.address(api)
    method = factories.payment_method(api, market)
    attributes = {
        "number": "ORD-1",
        "customer_email": "ada@example.com",
        "language_code": "it",
        "currency_code": "EUR",
        "affiliate_code": "partner-7",
        "shipping_country_code_lock": "IT",
        "coupon_code": "SUMMER10",
        "gift_card_code": "GC-1",
        "cart_url": "https://shop.example.com/cart",
        "return_url": "https://shop.example.com/back",
        "terms_url": "https://shop.example.com/terms",
        "privacy_url": "https://shop.example.com/privacy",
        "guest": False,
        "autorefresh": True,
        "place_async": False,
        "freight_taxable": True,
        "payment_method_taxable": False,
        "adjustment_taxable": True,
        "gift_card_taxable": False,
        "expires_at": "2030-01-01T10:00:00.000Z",
        "expiration_info": {"reason": "cart"},
        "reference": "erp-1",
        "metadata": {"source": "pos"},
    }
    relationships = {"market": market, "customer": customer, "shipping_address": address,
                      "billing_address": address, "payment_method": method}  # fmt: skip
    data = created(post(api, "orders", attributes, relationships))
    assert_rendered(data, {**attributes, "status": "draft", "market_code": "EU"})
    assert data["attributes"]["archived_at"] is None
    assert "_archive" not in data["attributes"]
    for name, record in relationships.items():
        assert related_id(data, name) == record["id"]


def test_numbers_come_from_the_organization_sequence(api, other_org, market):
    factories.order(api, number="1001")  # a number the sequence would give: skipped
    numbers = [factories.order(api, market)["attributes"]["number"] for _ in range(2)]
    assert numbers == ["1000", "1002"]
    assert factories.order(api, number="WEB-7")["attributes"]["number"] == "WEB-7"
    assert factories.order(other_org.api)["attributes"]["number"] == "1000"  # its own counter
    assert_taken(post(api, "orders", {"number": "1002"}), "number")
    order = factories.order(api)
    response = patch(api, order, {"reference": "x"})  # an update keeps its number
    assert response.json()["data"]["attributes"]["number"] == "1003"
    assert_invalid(patch(api, order, {"number": None}), "number", "blank")


def test_status_is_draft_unless_archived(api, market):
    placed = factories.order(api, market, status="placed")
    assert placed["attributes"]["status"] == "draft"
    archived = factories.order(api, market, status="placed", _archive=True)
    assert archived["attributes"]["status"] == "placed"
    assert TIMESTAMP.match(archived["attributes"]["archived_at"])
    # An update without `_archive` keeps the status; with it, sets it (archived_at stays).
    response = patch(api, archived, {"status": "cancelled", "guest": True})
    assert response.json()["data"]["attributes"]["status"] == "placed"
    response = patch(api, archived, {"status": "cancelled", "_archive": True})
    after = response.json()["data"]["attributes"]
    assert (after["status"], after["archived_at"]) == ("cancelled", archived["attributes"][
        "archived_at"])  # fmt: skip
    response = patch(api, archived, {"_unarchive": True})
    assert response.json()["data"]["attributes"]["archived_at"] is None
    assert response.json()["data"]["attributes"]["status"] == "cancelled"
    response = patch(api, placed, {"status": "approved", "_archive": True})
    assert response.json()["data"]["attributes"]["status"] == "approved"
    assert_invalid(post(api, "orders", {"status": "shipped", "_archive": True}), "status",
                   "inclusion")  # fmt: skip
    assert errors(post(api, "orders", {"_unarchive": True}), 400)[0]["source"] == {
        "pointer": "/data/attributes/_unarchive"
    }


def test_validations(api, other_org):
    assert_invalid(post(api, "orders", {"customer_email": "not an email"}), "customer_email",
                   "invalid")  # fmt: skip
    assert_invalid(post(api, "orders", {"currency_code": "EURO"}), "currency_code", "inclusion")
    assert_invalid(post(api, "orders", {"guest": "perhaps"}), "guest", "inclusion")
    assert_must_exist(post(api, "orders", {"market_code": "NOWHERE"}), "market")
    foreign = factories.market(other_org.api, code="EU")
    assert_must_exist(post(api, "orders", {}, {"market": foreign}), "market")


def test_filters_includes_and_delete(api, market):
    sku = factories.sku(api, code="MUG")
    option = factories.sku_option(api, "Engraving", market)
    eu_order = factories.order(api, market, customer_email="ada@example.com")
    other = factories.order(api, factories.market(api, code="US"))
    line = factories.line_item(api, eu_order, sku, quantity=2)
    choice = factories.line_item_option(api, line, option)
    listed = api.get("/api/orders?filter[q][market_code_eq]=EU").json()["data"]
    assert [o["id"] for o in listed] == [eu_order["id"]]
    query = "/api/orders?filter[q][line_items_sku_code_eq]=MUG&filter[q][status_eq]=draft"
    assert [o["id"] for o in api.get(query).json()["data"]] == [eu_order["id"]]
    doc = api.get(f"/api/orders/{eu_order['id']}?include=line_items.line_item_options,market")
    assert doc.status_code == 200, doc.text
    included = {(r["type"], r["id"]) for r in doc.json()["included"]}
    assert included == {("line_items", line["id"]), ("line_item_options", choice["id"]),
                        ("markets", market["id"])}  # fmt: skip
    assert api.delete(f"/api/orders/{eu_order['id']}").status_code == 204
    assert gone(api, line) and gone(api, choice)
    assert not gone(api, sku) and not gone(api, option) and not gone(api, other)
    assert fetch(api, other)["attributes"]["market_code"] == "US"
