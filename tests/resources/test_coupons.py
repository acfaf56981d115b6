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
    gone,
    listed,
    patch,
    pointers,
    post,
    related_id,
)


@pytest.fixture
def rule(api):
    return factories.coupon_rule(api)


def test_create_with_every_attribute(api, rule):
    tag = factories.tag(api, "influencer")
    attributes = {
        "code": "SUMMER-2024-ADA",
        "customer_single_use": True,
        "usage_limit": 3,
        "recipient_email": "ada@example.com",
        "expires_at": "2024-09-01T00:00:00.000Z",
        "reference": "c1",
        "reference_origin": "crm",
        "metadata": {"campaign": "summer"},
    }
    data = created(post(api, "coupons", attributes, {"promotion_rule": rule, "tags": [tag]}))
    assert_rendered(data, {**attributes, "usage_count": 0})
    assert related_id(data, "promotion_rule") == rule["id"]
    coupons = api.get(f"/api/coupon_codes_promotion_rules/{rule['id']}/coupons").json()["data"]
    assert [c["id"] for c in coupons] == [data["id"]]
    tags = api.get(f"/api/coupons/{data['id']}/tags").json()["data"]
    assert [t["attributes"]["name"] for t in tags] == ["influencer"]


def test_code_is_required_and_8_to_40_characters(api, rule):
    rel = {"promotion_rule": rule}
    assert_invalid(post(api, "coupons", {}, rel), "code", "blank")
    response = post(api, "coupons", {"code": "SHORT77"}, rel)
    assert errors(response)[0]["detail"] == "code - is too short (minimum is 8 characters)"
    response = post(api, "coupons", {"code": "X" * 41}, rel)
    assert errors(response)[0]["detail"] == "code - is too long (maximum is 40 characters)"
    for code in ("EIGHT888", "Y" * 40):
        assert created(post(api, "coupons", {"code": code}, rel))["attributes"]["code"] == code


def test_rule_is_required_and_must_exist(api, other_org):
    assert_invalid(
        post(api, "coupons", {"code": "WELCOME10"}), "promotion_rule", "blank", relationship=True
    )
    foreign = factories.coupon_rule(other_org.api)
    response = post(api, "coupons", {"code": "WELCOME10"}, {"promotion_rule": foreign})
    assert_must_exist(response, "promotion_rule")


def test_code_is_unique_within_its_rule(api, other_org, rule):
    factories.coupon(api, rule, "WELCOME10")
    assert_taken(post(api, "coupons", {"code": "WELCOME10"}, {"promotion_rule": rule}), "code")
    other_rule = factories.coupon_rule(api)
    moved = factories.coupon(api, other_rule, "WELCOME10")  # another rule: fine
    assert_taken(patch(api, moved, relationships={"promotion_rule": rule}), "code")
    factories.coupon(other_org.api, factories.coupon_rule(other_org.api), "WELCOME10")


def test_read_only_and_typed_attributes(api, rule):
    rel = {"promotion_rule": rule}
    response = post(api, "coupons", {"code": "WELCOME10", "usage_count": 4}, rel)
    assert errors(response, 400)[0]["source"] == {"pointer": "/data/attributes/usage_count"}
    response = post(
        api,
        "coupons",
        {"code": "WELCOME10", "usage_limit": 0, "recipient_email": "nobody", "expires_at": "never"},
        rel,
    )
    assert pointers(response) == {
        ("/data/attributes/usage_limit", "greater_than_or_equal_to"),
        ("/data/attributes/recipient_email", "invalid"),
        ("/data/attributes/expires_at", "invalid"),
    }


def test_filters_and_includes(api, rule):
    promo_id = related_id(rule, "promotion")
    factories.coupon(api, rule, "WELCOME10", customer_single_use=True)
    factories.coupon(api, rule, "WELCOME20", usage_limit=10)
    factories.coupon(api, factories.coupon_rule(api), "SPRING2024")

    def codes(**filters: str) -> list[str]:
        return listed(api, "coupons", "code", **filters)

    assert codes(code_start="WELCOME") == ["WELCOME10", "WELCOME20"]
    assert codes(customer_single_use_true="1") == ["WELCOME10"]
    assert codes(usage_limit_gteq="5") == ["WELCOME20"]
    assert codes(promotion_rule_id_eq=rule["id"]) == ["WELCOME10", "WELCOME20"]
    assert codes(promotion_rule_promotion_id_eq=promo_id) == ["WELCOME10", "WELCOME20"]
    doc = api.get(
        "/api/coupons",
        params={"filter[q][code_eq]": "WELCOME10", "include": "promotion_rule.promotion"},
    ).json()
    assert {(r["type"], r["id"]) for r in doc["included"]} == {
        ("coupon_codes_promotion_rules", rule["id"]),
        ("percentage_discount_promotions", promo_id),  # an included promotion is concrete
    }


def test_update_and_delete(api, rule):
    coupon = factories.coupon(api, rule, "WELCOME10")
    response = patch(api, coupon, {"code": "WELCOME15", "usage_limit": 2})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["code"] == "WELCOME15"
    assert api.delete(f"/api/coupons/{coupon['id']}").status_code == 204
    assert gone(api, coupon) and not gone(api, rule)
