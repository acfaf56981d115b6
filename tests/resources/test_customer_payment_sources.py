from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    gone,
    post,
    related_id,
)


def test_create_list_filter_and_include(api):
    ada = factories.customer(api, "ada@example.com")
    attributes = {
        "payment_source_token": "pm_1Nx",
        "customer_token": "cus_9Qa",
        "customer_email": "ada@example.com",
        "reference": "s1",
    }
    data = created(post(api, "customer_payment_sources", attributes))
    assert_rendered(data, attributes)
    assert related_id(data, "customer") == ada["id"]
    factories.customer_payment_source(api, factories.customer(api), "pm_other")
    response = api.get(
        "/api/customer_payment_sources",
        params={"filter[q][customer_token_eq]": "cus_9Qa", "include": "customer"},
    )
    doc = response.json()
    assert [s["id"] for s in doc["data"]] == [data["id"]]
    assert [(r["type"], r["id"]) for r in doc["included"]] == [("customers", ada["id"])]
    listed = api.get(f"/api/customers/{ada['id']}/customer_payment_sources").json()["data"]
    assert [s["id"] for s in listed] == [data["id"]]


def test_rules(api, other_org):
    ada = factories.customer(api)
    assert_invalid(
        post(api, "customer_payment_sources", {}, {"customer": ada}),
        "payment_source_token",
        "blank",
    )
    assert_invalid(
        post(api, "customer_payment_sources", {"payment_source_token": "pm_1"}),
        "customer",
        "blank",
        relationship=True,
    )
    factories.customer(other_org.api, "bob@example.com")
    response = post(
        api,
        "customer_payment_sources",
        {"payment_source_token": "pm_1", "customer_email": "bob@example.com"},
    )
    assert_must_exist(response, "customer")
    source = factories.customer_payment_source(api, ada, "pm_1")
    response = post(
        api, "customer_payment_sources", {"payment_source_token": "pm_1"}, {"customer": ada}
    )
    assert_taken(response, "customer", relationship=True)
    factories.customer_payment_source(api, factories.customer(api), "pm_1")  # another customer
    assert api.delete(f"/api/customers/{ada['id']}").status_code == 204
    assert gone(api, source)


def test_payment_method_is_optional_must_exist_and_may_go(api, other_org):
    ada = factories.customer(api)
    method = factories.payment_method(api, payment_source_type="stripe_payments")
    data = created(
        post(
            api,
            "customer_payment_sources",
            {"payment_source_token": "pm_1"},
            {"customer": ada, "payment_method": method},
        )
    )
    doc = api.get(
        f"/api/customer_payment_sources/{data['id']}", params={"include": "payment_method"}
    ).json()
    assert [(r["type"], r["id"]) for r in doc["included"]] == [("payment_methods", method["id"])]
    foreign = factories.payment_method(other_org.api)
    response = post(
        api,
        "customer_payment_sources",
        {"payment_source_token": "pm_2"},
        {"customer": ada, "payment_method": foreign},
    )
    assert_must_exist(response, "payment_method")
    assert api.delete(f"/api/payment_methods/{method['id']}").status_code == 204
    data = api.get(f"/api/customer_payment_sources/{data['id']}").json()["data"]
    assert related_id(data, "payment_method") is None
