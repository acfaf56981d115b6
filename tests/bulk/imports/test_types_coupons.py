"""Coupons imports: parent coupon codes rule, key code + rule, tags, errors, cleanup."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import by, list_all, tag_names
from tests.support.jobs import counts, fixture, run_import

TOO_SHORT = "is too short (minimum is 8 characters)"


@pytest.fixture
def rule(api):
    return factories.coupon_rule(api)


def coupons_of(api, rule: dict) -> dict[str, dict]:
    return by(list_all(api, f"/api/coupon_codes_promotion_rules/{rule['id']}/coupons"), "code")


def test_json(api, rule):
    attrs = run_import(
        api, "coupons", fixture("coupons", "valid.json"), parent_resource_id=rule["id"]
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    coupons = coupons_of(api, rule)
    assert sorted(coupons) == ["SUMMER2024", "VIP-LOYALTY-0001", "WELCOME-ADA-2024"]
    welcome = coupons["WELCOME-ADA-2024"]["attributes"]
    assert (welcome["customer_single_use"], welcome["recipient_email"], welcome["usage_count"]) == (
        True,
        "ada@example.com",
        0,
    )
    summer = coupons["SUMMER2024"]["attributes"]
    assert (summer["usage_limit"], summer["expires_at"]) == (100, "2024-09-01T00:00:00.000Z")
    assert summer["metadata"] == {"channel": "newsletter"}
    assert tag_names(api, coupons["VIP-LOYALTY-0001"]) == ["loyalty", "vip"]
    assert tag_names(api, coupons["WELCOME-ADA-2024"]) == ["welcome"]


def test_csv(api, rule):
    attrs = run_import(
        api, "coupons", fixture("coupons", "valid.csv"), parent_resource_id=rule["id"]
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    coupons = coupons_of(api, rule)
    friday = coupons["BLACKFRIDAY24"]["attributes"]
    assert (friday["customer_single_use"], friday["usage_limit"], friday["expires_at"]) == (
        False,
        1000,
        "2024-11-30T23:59:59.000Z",
    )
    grace = coupons["GRACE-THANKYOU-01"]["attributes"]
    assert grace["metadata"] == {"note": "thanks, Grace"}
    assert grace["recipient_email"] == "grace@example.com"
    cyber = coupons["CYBERMONDAY24"]["attributes"]
    assert (cyber["usage_limit"], cyber["customer_single_use"]) == (None, False)  # empty cells
    assert tag_names(api, coupons["BLACKFRIDAY24"]) == ["bf", "sale"]
    assert tag_names(api, coupons["CYBERMONDAY24"]) == ["sale"]


def test_reimport_updates_without_duplicates_and_logs_by_code(api, rule):
    run_import(api, "coupons", fixture("coupons", "valid.json"), parent_resource_id=rule["id"])
    attrs = run_import(
        api,
        "coupons",
        fixture("coupons", "update.json"),
        parent_resource_id=rule["id"],
        skip_errors=True,
    )
    assert counts(attrs) == ("completed", 2, 1, 0, 0), attrs
    assert attrs["errors_log"] == {f"SHORT/{rule['id']}": {"code": [TOO_SHORT]}}
    coupons = coupons_of(api, rule)
    assert sorted(coupons) == ["AUTUMN2024", "SUMMER2024", "VIP-LOYALTY-0001", "WELCOME-ADA-2024"]
    summer = coupons["SUMMER2024"]["attributes"]
    assert (summer["usage_limit"], summer["metadata"]) == (250, {"channel": "newsletter"})
    assert len(list_all(api, "/api/coupons")) == 4
    assert tag_names(api, coupons["AUTUMN2024"]) == ["seasonal"]


def test_the_items_own_rule_wins_and_must_exist(api, rule):
    other = factories.coupon_rule(api)
    inputs = [
        {"code": "PARENT-RULE-01"},
        {"code": "OWN-RULE-0001", "promotion_rule_id": other["id"]},
        {"code": "NO-SUCH-RULE-1", "promotion_rule_id": "XXXXXXXXXX"},
    ]
    attrs = run_import(api, "coupons", inputs, parent_resource_id=rule["id"], skip_errors=True)
    assert counts(attrs) == ("completed", 2, 1, 0, 0), attrs
    assert attrs["errors_log"] == {"NO-SUCH-RULE-1/XXXXXXXXXX": {"promotion_rule": ["must exist"]}}
    assert sorted(coupons_of(api, rule)) == ["PARENT-RULE-01"]
    assert sorted(coupons_of(api, other)) == ["OWN-RULE-0001"]
    attrs = run_import(api, "coupons", [{"code": "NO-RULE-AT-ALL"}], skip_errors=True)
    assert attrs["errors_log"] == {"1": {"promotion_rule": ["can't be blank"]}}


def test_same_code_in_another_rule_is_another_coupon(api, rule):
    other = factories.coupon_rule(api)
    factories.coupon(api, other, "SUMMER2024", usage_limit=7)
    run_import(api, "coupons", fixture("coupons", "valid.json"), parent_resource_id=rule["id"])
    assert coupons_of(api, other)["SUMMER2024"]["attributes"]["usage_limit"] == 7
    assert coupons_of(api, rule)["SUMMER2024"]["attributes"]["usage_limit"] == 100


def test_cleanup_within_the_rule(api, rule):
    other = factories.coupon_rule(api)
    factories.coupon(api, rule, "OLD-COUPON-01")
    kept = factories.coupon(api, rule, "SUMMER2024", usage_limit=1)
    factories.coupon(api, other, "OTHER-RULE-01")
    attrs = run_import(
        api,
        "coupons",
        fixture("coupons", "valid.json"),
        parent_resource_id=rule["id"],
        cleanup_records=True,
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 1), attrs
    coupons = coupons_of(api, rule)
    assert sorted(coupons) == ["SUMMER2024", "VIP-LOYALTY-0001", "WELCOME-ADA-2024"]
    assert coupons["SUMMER2024"]["id"] == kept["id"]
    assert sorted(coupons_of(api, other)) == ["OTHER-RULE-01"]


def test_cleanup_without_a_parent_is_organization_wide(api, other_org, rule):
    other = factories.coupon_rule(api)
    factories.coupon(api, other, "OTHER-RULE-01")
    theirs = factories.coupon(other_org.api, factories.coupon_rule(other_org.api), "THEIRS-0001")
    inputs = [{"code": "ONLY-THIS-ONE", "promotion_rule_id": rule["id"]}]
    attrs = run_import(api, "coupons", inputs, cleanup_records=True)
    assert counts(attrs) == ("completed", 1, 0, 0, 1), attrs
    assert [c["attributes"]["code"] for c in list_all(api, "/api/coupons")] == ["ONLY-THIS-ONE"]
    assert other_org.api.get(f"/api/coupons/{theirs['id']}").status_code == 200
