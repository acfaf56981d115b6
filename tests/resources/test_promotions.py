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


PERCENTAGE = "percentage_discount_promotions"


def test_create_with_every_attribute(api):
    market = factories.market(api, code="EU")
    tag = factories.tag(api, "summer")
    attributes = {
        "name": "Summer sale",
        "percentage": 20,
        "total_usage_limit": 500,
        "exclusive": True,
        "priority": 2,
        "reference": "p1",
        "metadata": {"channel": "web"},
        **PERIOD,
    }
    data = created(post(api, PERCENTAGE, attributes, {"market": market, "tags": [tag]}))
    assert data["type"] == PERCENTAGE
    assert_rendered(data, {**attributes, "total_usage_count": 0})
    assert related_id(data, "market") == market["id"]
    assert data["attributes"]["market_code"] == "EU"
    by_code = created(post(api, PERCENTAGE, {**attributes, "market_code": "EU"}))
    assert related_id(by_code, "market") == market["id"]
    for type_ in (PERCENTAGE, "promotions"):  # the tags are the promotion's, whatever the path
        tags = api.get(f"/api/{type_}/{data['id']}/tags").json()["data"]
        assert [t["id"] for t in tags] == [tag["id"]]


def test_required_attributes_per_concrete_type(api):
    required = {
        ("/data/attributes/name", "blank"),
        ("/data/attributes/starts_at", "blank"),
        ("/data/attributes/expires_at", "blank"),
    }
    assert pointers(post(api, "free_shipping_promotions", {})) == required
    base = {"name": "P", **PERIOD}
    assert_invalid(post(api, PERCENTAGE, base), "percentage", "blank")
    assert_invalid(post(api, "fixed_amount_promotions", base), "fixed_amount_cents", "blank")
    assert_invalid(post(api, "fixed_price_promotions", base), "fixed_amount_cents", "blank")
    response = post(api, PERCENTAGE, {**base, "percentage": 101})
    assert pointers(response) == {("/data/attributes/percentage", "less_than_or_equal_to")}
    for kind in ("free_shipping", "free_gift", "buy_x_pay_y", "external"):
        assert created(post(api, f"{kind}_promotions", base))["type"] == f"{kind}_promotions"
    response = post(api, "external_promotions", {"name": "P", "starts_at": "soon"})
    assert ("/data/attributes/starts_at", "invalid") in pointers(response)
    # a concrete type has its own attributes only: no kind, no other type's amounts
    for extra in ({"kind": "fixed_amount"}, {"percentage": 10}):
        response = post(api, "fixed_amount_promotions", {**base, "fixed_amount_cents": 1, **extra})
        assert errors(response, 400)[0]["source"] == {"pointer": f"/data/attributes/{[*extra][0]}"}


def test_promotions_lists_every_concrete_type_and_is_read_only(api):
    percentage = factories.promotion(api, name="Ten off")
    fixed = factories.promotion(api, "fixed_amount_promotions", fixed_amount_cents=500)
    shipping = factories.promotion(api, "free_shipping_promotions")
    listed_ = api.get("/api/promotions", params={"sort": "created_at"}).json()["data"]
    assert [(p["type"], p["id"]) for p in listed_] == [
        (PERCENTAGE, percentage["id"]),
        ("fixed_amount_promotions", fixed["id"]),
        ("free_shipping_promotions", shipping["id"]),
    ]
    assert listed_[1]["links"]["self"].endswith(f"/api/fixed_amount_promotions/{fixed['id']}")
    assert listed_[1]["attributes"]["fixed_amount_cents"] == 500
    assert "percentage" not in listed_[1]["attributes"]
    shown = api.get(f"/api/promotions/{fixed['id']}").json()["data"]
    assert (shown["type"], shown["id"]) == ("fixed_amount_promotions", fixed["id"])
    assert listed(api, "promotions", "name", name_eq="Ten off") == ["Ten off"]
    # a concrete type serves its own rows only
    assert api.get(f"/api/fixed_amount_promotions/{percentage['id']}").status_code == 404
    assert listed(api, "fixed_amount_promotions", "fixed_amount_cents") == [500]
    # written only through the concrete types
    response = post(api, "promotions", {"name": "P", "kind": "free_shipping", **PERIOD})
    assert errors(response, 403)[0]["detail"] == (
        "promotions are written through their concrete types: buy_x_pay_y_promotions, "
        "external_promotions, fixed_amount_promotions, fixed_price_promotions, "
        "free_gift_promotions, free_shipping_promotions, percentage_discount_promotions"
    )
    assert api.delete(f"/api/promotions/{fixed['id']}").status_code == 403
    assert api.delete(f"/api/free_shipping_promotions/{fixed['id']}").status_code == 404
    assert not gone(api, fixed)


def test_update_and_delete_through_the_concrete_type(api):
    promo = factories.promotion(api, "fixed_amount_promotions", fixed_amount_cents=500)
    response = patch(api, promo, {"fixed_amount_cents": 700, "name": "Seven off"})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"fixed_amount_cents": 700, "name": "Seven off"})
    assert_invalid(patch(api, promo, {"fixed_amount_cents": None}), "fixed_amount_cents", "blank")
    other = {"type": PERCENTAGE, "id": promo["id"]}  # the same id at another concrete type
    assert patch(api, other, {"name": "x"}).status_code == 404
    assert api.delete(f"/api/{PERCENTAGE}/{promo['id']}").status_code == 404
    assert api.delete(f"/api/fixed_amount_promotions/{promo['id']}").status_code == 204
    assert gone(api, promo)
    assert api.get(f"/api/promotions/{promo['id']}").status_code == 404


def test_expires_after_it_starts(api):
    base = {"name": "P"}
    response = post(
        api,
        "free_shipping_promotions",
        {**base, "starts_at": PERIOD["expires_at"], "expires_at": PERIOD["starts_at"]},
    )
    error = errors(response)[0]
    assert error["source"] == {"pointer": "/data/attributes/expires_at"}
    assert error["detail"] == "expires_at - must be after starts_at"
    same = {"starts_at": PERIOD["starts_at"], "expires_at": PERIOD["starts_at"]}
    assert pointers(post(api, "free_shipping_promotions", {**base, **same})) == {
        ("/data/attributes/expires_at", "greater_than")
    }
    promo = factories.promotion(api, "free_shipping_promotions", **PERIOD)
    response = patch(api, promo, {"expires_at": "2024-05-01T00:00:00Z"})  # before the stored start
    assert pointers(response) == {("/data/attributes/expires_at", "greater_than")}


def test_filters_and_includes(api):
    market = factories.market(api, code="EU")
    summer = factories.promotion(api, name="Summer", market_code="EU", **PERIOD)
    factories.promotion(
        api,
        "free_shipping_promotions",
        name="Winter",
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
    assert listed(api, PERCENTAGE, "name", starts_at_lt="2024-07-01T00:00:00Z") == ["Summer"]
    assert listed(api, "free_shipping_promotions", "name") == ["Winter"]
    for type_ in ("promotions", PERCENTAGE):
        doc = api.get(
            f"/api/{type_}/{summer['id']}",
            params={"include": "market,coupon_codes_promotion_rules"},
        ).json()
        assert {(r["type"], r["id"]) for r in doc["included"]} == {
            ("markets", market["id"]),
            ("coupon_codes_promotion_rules", rule["id"]),
        }


def test_market_must_exist_and_may_go(api, other_org):
    factories.market(other_org.api, code="US")
    response = post(api, "external_promotions", {"name": "P", "market_code": "US", **PERIOD})
    assert_must_exist(response, "market")
    market = factories.market(api)
    promo = factories.promotion(api, "external_promotions")
    assert patch(api, promo, relationships={"market": market}).status_code == 200
    assert api.delete(f"/api/markets/{market['id']}").status_code == 204
    assert related_id(api.get(f"/api/promotions/{promo['id']}").json()["data"], "market") is None


def test_deleting_a_promotion_deletes_its_rule_and_coupons(api):
    promo = factories.promotion(api)
    rule = factories.coupon_rule(api, promo)
    coupon = factories.coupon(api, rule)
    assert api.delete(f"/api/{PERCENTAGE}/{promo['id']}").status_code == 204
    assert gone(api, rule) and gone(api, coupon)
