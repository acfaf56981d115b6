"""Rules every type shares, checked per type against the spec (commercelayer-reference.md §4).

The expectations are written out here, not read from the declarations, so a declaration that
drifts from the spec fails.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from resources import REGISTRY
from tests.support.documents import assert_invalid, errors, pointers, post

# type -> (required attributes, required relationships) of an empty create.
REQUIRED = {
    "addresses": (["line_1", "city", "country_code", "phone", "first_name", "last_name"], []),
    "bundles": (["code", "name", "currency_code"], ["sku_list"]),
    "coupon_codes_promotion_rules": ([], ["promotion"]),
    "coupons": (["code"], ["promotion_rule"]),
    "customer_addresses": ([], ["customer", "address"]),
    "customer_groups": (["name"], []),
    "customer_payment_sources": (["payment_source_token"], ["customer"]),
    "customer_subscriptions": (["reference"], ["customer"]),
    "customers": (["email"], []),
    "gift_cards": (["balance_cents", "currency_code"], []),  # the code is generated
    "import_profiles": (["name", "resource_type"], []),
    "inventory_models": (["name"], []),
    "line_item_options": (["quantity"], ["line_item", "sku_option"]),
    "line_items": (["quantity"], ["order"]),
    "markets": (["name"], ["merchant", "price_list", "inventory_model"]),
    "merchants": (["name"], ["address"]),
    "orders": ([], []),  # nothing: a draft order, numbered from the sequence
    "payment_methods": (["payment_source_type", "price_amount_cents"], []),
    "price_lists": (["name", "currency_code"], []),
    "price_volume_tiers": (["name", "price_amount_cents"], ["price"]),
    "price_frequency_tiers": (["name", "price_amount_cents"], ["price"]),
    "prices": (["amount_cents"], ["price_list", "sku"]),
    "percentage_discount_promotions": (["name", "starts_at", "expires_at", "percentage"], []),
    "fixed_amount_promotions": (["name", "starts_at", "expires_at", "fixed_amount_cents"], []),
    "fixed_price_promotions": (["name", "starts_at", "expires_at", "fixed_amount_cents"], []),
    "free_shipping_promotions": (["name", "starts_at", "expires_at"], []),
    "free_gift_promotions": (["name", "starts_at", "expires_at"], []),
    "buy_x_pay_y_promotions": (["name", "starts_at", "expires_at"], []),
    "external_promotions": (["name", "starts_at", "expires_at"], []),
    "shipping_categories": (["name"], []),
    "sku_list_items": ([], ["sku_list", "sku"]),
    "sku_lists": (["name"], []),
    "sku_options": (["name", "currency_code"], []),
    "skus": (["code", "name"], ["shipping_category"]),
    "stock_items": (["quantity"], ["stock_location", "sku"]),
    "stock_locations": (["name"], ["address"]),
    "stock_transfers": (
        ["quantity"],  # the number comes from the sequence
        ["sku", "origin_stock_location", "destination_stock_location"],
    ),
    "tags": (["name"], []),
    "manual_tax_calculators": (["name"], []),
    "external_tax_calculators": (["name"], []),
    "avalara_accounts": (["name"], []),
    "stripe_tax_accounts": (["name"], []),
    "vertex_accounts": (["name"], []),
    "taxjar_accounts": (["name"], []),
    "tax_categories": (["code"], ["sku", "tax_calculator"]),
}

INTEGERS = [
    ("skus", "pieces_per_pack"),
    ("prices", "amount_cents"),
    ("prices", "compare_at_amount_cents"),
    ("price_volume_tiers", "price_amount_cents"),
    ("stock_items", "quantity"),
    ("line_items", "quantity"),
    ("sku_list_items", "position"),
    ("markets", "shipping_cost_cutoff"),
    ("inventory_models", "stock_locations_cutoff"),
    ("inventory_models", "stock_reservation_cutoff"),
    ("coupons", "usage_limit"),
    ("gift_cards", "balance_cents"),
    ("free_shipping_promotions", "priority"),
    ("percentage_discount_promotions", "percentage"),
    ("fixed_amount_promotions", "fixed_amount_cents"),
    ("stock_transfers", "quantity"),
]
FLOATS = [
    ("skus", "weight"),
    ("price_frequency_tiers", "up_to"),
    ("addresses", "lat"),
    ("addresses", "lng"),
]
BOOLEANS = [
    ("skus", "do_not_ship"),
    ("skus", "do_not_track"),
    ("addresses", "business"),
    ("price_lists", "tax_included"),
    ("markets", "disabled"),
    ("orders", "guest"),
    ("sku_lists", "manual"),
    ("stock_locations", "suppress_etd"),
    ("inventory_models", "put_stock_transfers_first"),
    ("inventory_models", "manual_stock_decrement"),
    ("coupons", "customer_single_use"),
    ("gift_cards", "single_use"),
    ("fixed_price_promotions", "exclusive"),
]
CHOICES = [
    ("skus", "unit_of_weight", "kg"),
    ("stock_locations", "label_format", "JPG"),
    ("inventory_models", "strategy", "random"),
    ("price_lists", "currency_code", "ZZZ"),
    ("price_lists", "currency_code", "eur"),
    ("price_lists", "currency_code", "EURO"),
    ("line_items", "item_type", "things"),
    ("payment_methods", "payment_source_type", "cash"),
    ("gift_cards", "currency_code", "EURO"),
    ("external_promotions", "currency_code", "EURO"),
    ("stock_transfers", "status", "lost"),
]


# Job resources (tested with the importer, exporter and cleanups), the read-only history of the
# others (tests/resources/test_versions.py) and webhooks with their event callbacks
# (tests/bulk/webhooks), not catalog records.
JOB_TYPES = {
    "imports",
    "import_analyses",
    "exports",
    "cleanups",
    "versions",
    "webhooks",
    "event_callbacks",
}
# Read-only lists of their concrete types (tests/resources/test_promotions.py and others).
UMBRELLAS = {"promotions", "price_tiers", "tax_calculators"}


def test_tables_cover_every_registered_catalog_type():
    assert set(REQUIRED) == set(REGISTRY) - JOB_TYPES - UMBRELLAS


def test_blank_error_has_the_exact_rails_shape(api):
    response = post(api, "tags", {})
    assert errors(response) == [
        {
            "title": "can't be blank",
            "detail": "name - can't be blank",
            "code": "VALIDATION_ERROR",
            "source": {"pointer": "/data/attributes/name"},
            "status": "422",
            "meta": {"error": "blank"},
        }
    ]


def failures(api, cases) -> list:
    """Runs (type, attributes, name, error) cases; returns the ones without that error."""
    missed = []
    for type_, attributes, name, error in cases:
        response = post(api, type_, attributes)
        try:
            assert_invalid(response, name, error)
        except AssertionError:
            missed.append((type_, attributes, response.status_code, response.text[:300]))
    return missed


@pytest.mark.parametrize("type_", sorted(REQUIRED))
def test_empty_create_names_every_required_field(api, type_):
    attributes, relationships = REQUIRED[type_]
    response = post(api, type_, {})
    if not attributes and not relationships:
        assert response.status_code == 201, response.text
        return
    expected = {(f"/data/attributes/{a}", "blank") for a in attributes}
    expected |= {(f"/data/relationships/{r}", "blank") for r in relationships}
    assert pointers(response) == expected
    for name in attributes:
        assert_invalid(response, name, "blank")
    for name in relationships:
        assert_invalid(response, name, "blank", relationship=True)


def test_numbers_reject_non_numbers(api):
    values = ("abc", True, [1], {"cents": 1})
    cases = [(t, {a: v}, a, "not_a_number") for t, a in INTEGERS + FLOATS for v in values]
    cases += [(t, {a: 2.5}, a, "not_an_integer") for t, a in INTEGERS]
    assert failures(api, cases) == []


def test_booleans_reject_other_values(api):
    assert failures(api, [(t, {a: "maybe"}, a, "inclusion") for t, a in BOOLEANS]) == []


def test_choices_reject_values_not_in_the_list(api):
    assert failures(api, [(t, {a: v}, a, "inclusion") for t, a, v in CHOICES]) == []


def test_metadata_must_be_an_object(api):
    cases = [(t, {"metadata": v}, "metadata", "invalid") for t in REQUIRED for v in (["a"], "x")]
    assert failures(api, cases) == []


def test_timestamps_are_not_writable(api):
    for type_ in REQUIRED:
        for name in ("created_at", "updated_at"):
            response = post(api, type_, {name: "2026-01-01T12:00:00.000Z"})
            assert response.status_code == 400, (type_, response.text)
            assert response.json()["errors"][0]["source"] == {"pointer": f"/data/attributes/{name}"}


def test_concurrent_creates_of_one_key_are_taken_not_500(api):
    cases = [
        ("tags", lambda i: {"name": "race"}, "name"),
        ("customers", lambda i: {"email": f"{'RACE' if i % 2 else 'race'}@example.com"}, "email"),
    ]
    for type_, attributes, key in cases:

        def create(i: int, type_=type_, attributes=attributes):
            return post(api, type_, attributes(i))

        with ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(create, range(6)))
        assert sorted(r.status_code for r in responses) == [201] + [422] * 5
        for response in responses:
            if response.status_code == 422:
                assert_invalid(response, key, "taken")
