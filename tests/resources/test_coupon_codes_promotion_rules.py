from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_taken,
    created,
    errors,
    gone,
    listed,
    post,
    related_id,
)
from tests.support.jobs import run_import

PERIOD = {"starts_at": "2024-06-01T00:00:00.000Z", "expires_at": "2024-09-01T00:00:00.000Z"}


def test_coupons_of_a_concrete_promotion_are_imported(api):
    """What Commerce Layer's SDK does: a percentage discount promotion, its coupon codes rule
    (linked by the promotion's concrete type), then an import of coupons for that rule."""
    promo = created(
        post(api, "percentage_discount_promotions", {"name": "Ten off", "percentage": 10, **PERIOD})
    )
    linkage = {"type": "percentage_discount_promotions", "id": promo["id"]}
    body = {"data": {"type": "coupon_codes_promotion_rules", "attributes": {},
                     "relationships": {"promotion": {"data": linkage}}}}  # fmt: skip
    response = api.post("/api/coupon_codes_promotion_rules", json=body)
    rule = created(response)
    assert rule["relationships"]["promotion"]["data"] == linkage
    shown = api.get(f"/api/coupon_codes_promotion_rules/{rule['id']}?include=promotion").json()
    assert shown["data"]["relationships"]["promotion"]["data"] == linkage
    assert [(i["type"], i["id"]) for i in shown["included"]] == [tuple(linkage.values())]
    related = api.get(f"/api/coupon_codes_promotion_rules/{rule['id']}/promotion").json()
    assert (related["data"]["type"], related["data"]["id"]) == tuple(linkage.values())
    inputs = [{"code": "WELCOME-2024-A"}, {"code": "WELCOME-2024-B", "usage_limit": 2}]
    job = run_import(api, "coupons", inputs, parent_resource_id=rule["id"])
    assert (job["status"], job["processed_count"], job["errors_log"]) == ("completed", 2, {})
    assert listed(api, "coupons", "code") == ["WELCOME-2024-A", "WELCOME-2024-B"]


def test_promotion_linkage_takes_the_family_types_only(api):
    promo = factories.promotion(api)
    for type_ in ("skus", "promotion_rules"):
        linkage = {"type": type_, "id": promo["id"]}
        body = {"data": {"type": "coupon_codes_promotion_rules",
                         "relationships": {"promotion": {"data": linkage}}}}  # fmt: skip
        response = api.post("/api/coupon_codes_promotion_rules", json=body)
        detail = errors(response, 409)[0]["detail"]
        assert detail.startswith("Type must be promotions or one of its concrete types (")
        assert "percentage_discount_promotions" in detail
    # a concrete type of the family, but not this promotion's: no such promotion
    wrong = {"type": "fixed_amount_promotions", "id": promo["id"]}
    body = {"data": {"type": "coupon_codes_promotion_rules",
                     "relationships": {"promotion": {"data": wrong}}}}  # fmt: skip
    assert_must_exist(api.post("/api/coupon_codes_promotion_rules", json=body), "promotion")
    umbrella = {"type": "promotions", "id": promo["id"]}
    body["data"]["relationships"]["promotion"]["data"] = umbrella
    rule = created(api.post("/api/coupon_codes_promotion_rules", json=body))
    assert related_id(rule, "promotion") == promo["id"]


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
        ("percentage_discount_promotions", promo["id"]),
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
