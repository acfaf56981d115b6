from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_taken,
    created,
    gone,
    patch,
    post,
    related_id,
)


def test_create_by_customer_or_customer_email(api):
    ada = factories.customer(api, "ada@example.com")
    data = created(post(api, "customer_subscriptions", {"reference": "NEWS-1"}, {"customer": ada}))
    assert related_id(data, "customer") == ada["id"]
    assert data["attributes"]["customer_email"] == "ada@example.com"
    data = created(
        post(
            api,
            "customer_subscriptions",
            {
                "reference": "NEWS-2",
                "customer_email": " Ada@Example.COM",
                "metadata": {"list": "weekly"},
            },
        )
    )
    assert related_id(data, "customer") == ada["id"]
    assert data["attributes"]["metadata"] == {"list": "weekly"}
    listed = api.get(f"/api/customers/{ada['id']}/customer_subscriptions").json()["data"]
    assert sorted(s["attributes"]["reference"] for s in listed) == ["NEWS-1", "NEWS-2"]


def test_customer_and_reference_are_required(api, other_org):
    ada = factories.customer(api)
    assert_invalid(post(api, "customer_subscriptions", {}, {"customer": ada}), "reference", "blank")
    assert_invalid(
        post(api, "customer_subscriptions", {"reference": "R"}),
        "customer",
        "blank",
        relationship=True,
    )
    factories.customer(other_org.api, "bob@example.com")
    response = post(
        api, "customer_subscriptions", {"reference": "R", "customer_email": "bob@example.com"}
    )
    assert_must_exist(response, "customer")


def test_reference_is_unique_per_customer(api):
    ada, bob = factories.customer(api), factories.customer(api)
    factories.customer_subscription(api, ada, "NEWS")
    response = post(api, "customer_subscriptions", {"reference": "NEWS"}, {"customer": ada})
    assert_taken(response, "customer", relationship=True)
    other = factories.customer_subscription(api, bob, "NEWS")  # another customer: fine
    assert_taken(patch(api, other, relationships={"customer": ada}), "customer", relationship=True)


def test_filters_includes_and_cascade(api):
    ada = factories.customer(api, "ada@example.com")
    grace = factories.customer(api, "grace@example.com")
    mine = factories.customer_subscription(api, ada, "NEWS")
    factories.customer_subscription(api, grace, "NEWS")
    response = api.get(
        "/api/customer_subscriptions",
        params={"filter[q][customer_email_eq]": "ada@example.com", "include": "customer"},
    )
    doc = response.json()
    assert [s["id"] for s in doc["data"]] == [mine["id"]]
    assert [(r["type"], r["id"]) for r in doc["included"]] == [("customers", ada["id"])]
    response = patch(api, ada, {"email": "ada@lovelace.example.com"})  # the stored email follows
    assert response.status_code == 200
    got = api.get(f"/api/customer_subscriptions/{mine['id']}").json()["data"]
    assert got["attributes"]["customer_email"] == "ada@lovelace.example.com"
    assert api.delete(f"/api/customers/{ada['id']}").status_code == 204
    assert gone(api, mine)
