"""customer_subscriptions, customer_addresses, customer_payment_sources: keyed by customer
(`customer_email`) + reference / address / payment source token."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import list_all
from tests.support.jobs import counts, fixture, run_import

ADA, GRACE = "ada@example.com", "grace@example.com"
# type -> (the key's second attribute, pairs of valid.json, pairs of valid.csv)
CASES = {
    "customer_subscriptions": (
        "reference",
        [(ADA, "BACK-IN-STOCK-TSHIRT"), (ADA, "NEWSLETTER-WEEKLY"), (GRACE, "NEWSLETTER-WEEKLY")],
        [(ADA, "NEWSLETTER-WEEKLY"), (GRACE, "NEWSLETTER-MONTHLY"), (GRACE, "NEWSLETTER-WEEKLY")],
    ),
    "customer_addresses": (
        "address_reference",
        [(ADA, "ADA-HOME"), (ADA, "ADA-OFFICE"), (GRACE, "ADA-OFFICE")],
        [(ADA, "ADA-HOME"), (GRACE, "ADA-OFFICE"), (GRACE, "GRACE-HOME")],
    ),
    "customer_payment_sources": (
        "payment_source_token",
        [(ADA, "pm_1OaMc4444"), (ADA, "pm_1OaVisa4242"), (GRACE, "pm_1ObAmex0005")],
        [(ADA, "pm_1OaVisa4242"), (GRACE, "pm_1ObAmex0005"), (GRACE, "pm_1ObSepa7788")],
    ),
}


@pytest.fixture
def people(api) -> dict[str, dict]:
    for reference in ("ADA-HOME", "ADA-OFFICE", "GRACE-HOME"):
        factories.address(api, reference=reference)
    return {email: factories.customer(api, email) for email in (ADA, GRACE)}


def pairs(api, type_: str) -> list[tuple[str, str]]:
    key = CASES[type_][0]
    records = list_all(api, f"/api/{type_}")
    return sorted((r["attributes"]["customer_email"], r["attributes"][key]) for r in records)


@pytest.mark.parametrize("type_", sorted(CASES))
@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_create_from_fixtures(api, people, type_, name):
    attrs = run_import(api, type_, fixture(type_, name))
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    expected = CASES[type_][1 if name.endswith("json") else 2]
    assert pairs(api, type_) == expected
    for customer in people.values():  # the relationship, not only the stored email
        own = list_all(api, f"/api/customers/{customer['id']}/{type_}")
        email = customer["attributes"]["email"]
        assert sorted(r["attributes"]["customer_email"] for r in own) == [
            e for e, _ in expected if e == email
        ]


@pytest.mark.parametrize("type_", sorted(CASES))
def test_reimport_cleanup_and_errors_keyed_by_email_and_key(api, people, type_):
    key, from_json, from_csv = CASES[type_]
    run_import(api, type_, fixture(type_, "valid.json"))
    first = {
        (r["attributes"]["customer_email"], r["attributes"][key]): r["id"]
        for r in list_all(api, f"/api/{type_}")
    }
    attrs = run_import(api, type_, fixture(type_, "valid.csv"), cleanup_records=True)
    assert counts(attrs) == ("completed", 3, 0, 0, 1), attrs  # one of valid.json's is gone
    assert pairs(api, type_) == from_csv
    again = {
        (r["attributes"]["customer_email"], r["attributes"][key]): r["id"]
        for r in list_all(api, f"/api/{type_}")
    }
    assert all(again[p] == first[p] for p in set(from_json) & set(from_csv))  # updated in place
    value = from_csv[0][1]
    broken = {"customer_email": "nobody@example.com", key: value}
    inputs = [{"customer_email": email, key: v} for email, v in from_csv]  # the CSV as JSON
    attrs = run_import(api, type_, [*inputs, broken], skip_errors=True)
    assert counts(attrs) == ("completed", 3, 1, 0, 0), attrs
    assert attrs["errors_log"] == {f"nobody@example.com/{value}": {"customer": ["must exist"]}}
    assert pairs(api, type_) == from_csv


def test_subscription_attributes_and_lower_case_emails(api, people):
    run_import(api, "customer_subscriptions", fixture("customer_subscriptions", "valid.csv"))
    subs = list_all(api, "/api/customer_subscriptions", sort="reference")
    weekly = [s for s in subs if s["attributes"]["reference"] == "NEWSLETTER-WEEKLY"]
    by_email = {s["attributes"]["customer_email"]: s["attributes"] for s in weekly}
    assert by_email[ADA]["metadata"] == {"list": "weekly, EU"}
    assert by_email[GRACE]["reference_origin"] == "klaviyo"  # `Grace@Example.com` in the file
    attrs = run_import(api, "customer_subscriptions", [{"customer_email": ADA}], skip_errors=True)
    assert attrs["errors_log"] == {"1": {"reference": ["can't be blank"]}}


def test_address_book_by_reference_or_id(api, people):
    home = factories.address(api, reference="BOB-HOME")
    inputs = [
        {"customer_email": ADA, "address_id": home["id"]},
        {"customer_email": ADA, "address_reference": "NOWHERE"},
    ]
    attrs = run_import(api, "customer_addresses", inputs, skip_errors=True)
    assert counts(attrs) == ("completed", 1, 1, 0, 0), attrs
    assert attrs["errors_log"] == {f"{ADA}/NOWHERE": {"address": ["must exist"]}}
    assert pairs(api, "customer_addresses") == [(ADA, "BOB-HOME")]


def test_payment_source_attributes(api, people):
    run_import(api, "customer_payment_sources", fixture("customer_payment_sources", "valid.csv"))
    sources = {
        s["attributes"]["payment_source_token"]: s["attributes"]
        for s in list_all(api, "/api/customer_payment_sources")
    }
    assert sources["pm_1OaVisa4242"]["metadata"] == {"brand": "visa", "last4": "4242"}
    assert sources["pm_1ObSepa7788"]["customer_token"] == "cus_PGrace02"


def test_payment_sources_with_their_payment_method(api, people):
    stripe = factories.payment_method(api, payment_source_type="stripe_payments")
    inputs = [
        {"customer_email": ADA, "payment_source_token": "pm_1", "payment_method_id": stripe["id"]},
        {"customer_email": GRACE, "payment_source_token": "pm_2"},
    ]
    attrs = run_import(api, "customer_payment_sources", inputs)
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    sources = list_all(api, "/api/customer_payment_sources", include="payment_method")
    methods = {
        s["attributes"]["payment_source_token"]: s["relationships"]["payment_method"]["data"]
        for s in sources
    }
    assert methods == {"pm_1": {"type": "payment_methods", "id": stripe["id"]}, "pm_2": None}
