"""Payment methods: a supporting type of markets and orders (not importable)."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    created,
    errors,
    gone,
    post,
    related_id,
)
from tests.support.jobs import post_import


def test_create_defaults_filters_and_rules(api, other_org):
    market = factories.market(api, code="EU")
    attributes = {"payment_source_type": "stripe_payments", "price_amount_cents": 150,
                  "currency_code": "EUR", "moto": True, "auto_capture": True}  # fmt: skip
    data = created(post(api, "payment_methods", attributes, {"market": market}))
    assert_rendered(data, {**attributes, "require_capture": True, "auto_place": False,
                           "disabled": False, "market_code": "EU"})  # fmt: skip
    wire = factories.payment_method(api, market_code="EU", payment_source_type="wire_transfers")
    assert related_id(wire, "market") == market["id"]
    query = "/api/payment_methods?filter[q][payment_source_type_eq]=stripe_payments"
    assert [r["id"] for r in api.get(query).json()["data"]] == [data["id"]]
    listed = api.get(f"/api/markets/{market['id']}/payment_methods?sort=created_at").json()
    assert [r["id"] for r in listed["data"]] == [data["id"], wire["id"]]
    assert_invalid(post(api, "payment_methods", {"price_amount_cents": 0}),
                   "payment_source_type", "blank")  # fmt: skip
    assert_invalid(post(api, "payment_methods", {"payment_source_type": "cash",
                                                 "price_amount_cents": 0}),
                   "payment_source_type", "inclusion")  # fmt: skip
    response = post(api, "payment_methods", {"payment_source_type": "wire_transfers"})
    assert_invalid(response, "price_amount_cents", "blank")
    response = post(api, "payment_methods", {"payment_source_type": "wire_transfers",
                                             "price_amount_cents": -1})  # fmt: skip
    assert errors(response)[0]["meta"]["error"] == "greater_than_or_equal_to"
    foreign = factories.market(other_org.api)
    response = post(
        api,
        "payment_methods",
        {"payment_source_type": "wire_transfers", "price_amount_cents": 0},
        {"market": foreign},
    )
    assert_must_exist(response, "market")


def test_orders_keep_a_deleted_method_as_none_and_no_imports(api):
    method = factories.payment_method(api)
    order = api.create("orders", {}, {"payment_method": ("payment_methods", method["id"])})
    assert api.delete(f"/api/payment_methods/{method['id']}").status_code == 204
    assert gone(api, method)
    assert related_id(api.get(f"/api/orders/{order['id']}").json()["data"],
                      "payment_method") is None  # fmt: skip
    response = post_import(api, "payment_methods", [{"payment_source_type": "wire_transfers"}])
    assert errors(response)[0]["meta"]["error"] == "inclusion"
