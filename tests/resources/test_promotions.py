from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    created,
    errors,
    gone,
    listed,
    patch,
    pointers,
    post,
    related_id,
)

PERIOD = {"starts_at": "2024-06-01T00:00:00.000Z", "expires_at": "2024-09-01T00:00:00.000Z"}


def test_create_with_every_attribute(api):
    market = factories.market(api, code="EU")
    tag = factories.tag(api, "summer")
    attributes = {
        "name": "Summer sale",
        "kind": "percentage_discount",
        "percentage": 20,
        "total_usage_limit": 500,
        "exclusive": True,
        "priority": 2,
        "reference": "p1",
        "metadata": {"channel": "web"},
        **PERIOD,
    }
    data = created(post(api, "promotions", attributes, {"market": market, "tags": [tag]}))
    assert_rendered(data, {**attributes, "total_usage_count": 0})
    assert related_id(data, "market") == market["id"]
    assert data["attributes"]["market_code"] == "EU"
    by_code = created(post(api, "promotions", {**attributes, "market_code": "EU"}))
    assert related_id(by_code, "market") == market["id"]
    tags = api.get(f"/api/promotions/{data['id']}/tags").json()["data"]
    assert [t["id"] for t in tags] == [tag["id"]]


def test_required_attributes_and_kinds(api):
    assert pointers(post(api, "promotions", {})) == {
        ("/data/attributes/name", "blank"),
        ("/data/attributes/kind", "blank"),
        ("/data/attributes/starts_at", "blank"),
        ("/data/attributes/expires_at", "blank"),
    }
    base = {"name": "P", **PERIOD}
    assert_invalid(post(api, "promotions", {**base, "kind": "half_price"}), "kind", "inclusion")
    assert_invalid(
        post(api, "promotions", {**base, "kind": "percentage_discount"}), "percentage", "blank"
    )
    assert_invalid(
        post(api, "promotions", {**base, "kind": "fixed_amount"}), "fixed_amount_cents", "blank"
    )
    response = post(api, "promotions", {**base, "kind": "percentage_discount", "percentage": 101})
    assert pointers(response) == {("/data/attributes/percentage", "less_than_or_equal_to")}
    for kind in ("free_shipping", "free_gift", "buy_x_pay_y", "external"):
        created(post(api, "promotions", {**base, "kind": kind}))
    response = post(api, "promotions", {"name": "P", "kind": "external", "starts_at": "soon"})
    assert ("/data/attributes/starts_at", "invalid") in pointers(response)


def test_expires_after_it_starts(api):
    base = {"name": "P", "kind": "free_shipping"}
    response = post(
        api,
        "promotions",
        {**base, "starts_at": PERIOD["expires_at"], "expires_at": PERIOD["starts_at"]},
    )
    error = errors(response)[0]
    assert error["source"] == {"pointer": "/data/attributes/expires_at"}
    assert error["detail"] == "expires_at - must be after starts_at"
    same = {"starts_at": PERIOD["starts_at"], "expires_at": PERIOD["starts_at"]}
    assert pointers(post(api, "promotions", {**base, **same})) == {
        ("/data/attributes/expires_at", "greater_than")
    }
    promo = factories.promotion(api, kind="free_shipping", **PERIOD)
    response = patch(api, promo, {"expires_at": "2024-05-01T00:00:00Z"})  # before the stored start
    assert pointers(response) == {("/data/attributes/expires_at", "greater_than")}


def test_filters_and_includes(api):
    market = factories.market(api, code="EU")
    summer = factories.promotion(api, name="Summer", market_code="EU", **PERIOD)
    factories.promotion(
        api,
        name="Winter",
        kind="free_shipping",
        starts_at="2024-12-01T00:00:00Z",
        expires_at="2025-01-31T00:00:00Z",
    )
    rule = factories.coupon_rule(api, summer)

    def names(**filters: str) -> list[str]:
        return listed(api, "promotions", "name", **filters)

    assert names(kind_eq="free_shipping") == ["Winter"]
    assert names(starts_at_lt="2024-07-01T00:00:00Z") == ["Summer"]
    assert names(market_code_eq="EU") == ["Summer"]
    assert names(coupon_codes_promotion_rules_id_eq=rule["id"]) == ["Summer"]
    doc = api.get(
        f"/api/promotions/{summer['id']}", params={"include": "market,coupon_codes_promotion_rules"}
    ).json()
    assert {(r["type"], r["id"]) for r in doc["included"]} == {
        ("markets", market["id"]),
        ("coupon_codes_promotion_rules", rule["id"]),
    }


def test_market_must_exist_and_may_go(api, other_org):
    factories.market(other_org.api, code="US")
    response = post(
        api, "promotions", {"name": "P", "kind": "external", "market_code": "US", **PERIOD}
    )
    assert_must_exist(response, "market")
    market = factories.market(api)
    promo = factories.promotion(api, kind="external")
    assert patch(api, promo, relationships={"market": market}).status_code == 200
    assert api.delete(f"/api/markets/{market['id']}").status_code == 204
    assert related_id(api.get(f"/api/promotions/{promo['id']}").json()["data"], "market") is None


def test_deleting_a_promotion_deletes_its_rule_and_coupons(api):
    promo = factories.promotion(api)
    rule = factories.coupon_rule(api, promo)
    coupon = factories.coupon(api, rule)
    assert api.delete(f"/api/promotions/{promo['id']}").status_code == 204
    assert gone(api, rule) and gone(api, coupon)
