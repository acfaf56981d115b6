from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_taken,
    created,
    gone,
    post,
    related_id,
)


def test_create_list_and_include(api):
    promo = factories.promotion(api)
    data = created(
        post(api, "coupon_codes_promotion_rules", {"reference": "r1"}, {"promotion": promo})
    )
    assert related_id(data, "promotion") == promo["id"]
    coupon = factories.coupon(api, data, "WELCOME2024")
    doc = api.get(
        f"/api/coupon_codes_promotion_rules/{data['id']}", params={"include": "promotion,coupons"}
    ).json()
    assert {(r["type"], r["id"]) for r in doc["included"]} == {
        ("promotions", promo["id"]),
        ("coupons", coupon["id"]),
    }
    listed = api.get(
        "/api/coupon_codes_promotion_rules",
        params={"filter[q][promotion_name_eq]": promo["attributes"]["name"]},
    )
    assert [r["id"] for r in listed.json()["data"]] == [data["id"]]


def test_promotion_is_required_must_exist_and_has_one_rule(api, other_org):
    assert_invalid(
        post(api, "coupon_codes_promotion_rules", {}), "promotion", "blank", relationship=True
    )
    foreign = factories.promotion(other_org.api)
    assert_must_exist(
        post(api, "coupon_codes_promotion_rules", {}, {"promotion": foreign}), "promotion"
    )
    promo = factories.promotion(api)
    factories.coupon_rule(api, promo)
    assert_taken(
        post(api, "coupon_codes_promotion_rules", {}, {"promotion": promo}),
        "promotion",
        relationship=True,
    )


def test_deleting_a_rule_deletes_its_coupons(api):
    rule = factories.coupon_rule(api)
    coupon = factories.coupon(api, rule)
    assert api.delete(f"/api/coupon_codes_promotion_rules/{rule['id']}").status_code == 204
    assert gone(api, coupon)
    assert not gone(api, {"type": "promotions", "id": related_id(rule, "promotion")})
