from __future__ import annotations

from tests.support import factories
from tests.support.api import sql
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    errors,
    fetch,
    gone,
    patch,
    post,
    related_id,
)


def test_create_with_every_attribute(api):
    group = factories.customer_group(api, code="VIP")
    attributes = {
        "email": "Ada.Lovelace@Example.COM",
        "shopper_reference": "shopper-1",
        "profile_id": "prof-1",
        "tax_exemption_code": "E",
        "reference": "c1",
        "reference_origin": "crm",
        "metadata": {"newsletter": True},
    }
    data = created(post(api, "customers", attributes, {"customer_group": group}))
    assert_rendered(data, {**attributes, "email": "ada.lovelace@example.com", "status": "prospect"})
    assert related_id(data, "customer_group") == group["id"]
    members = api.get(f"/api/customer_groups/{group['id']}/customers").json()["data"]
    assert [m["id"] for m in members] == [data["id"]]


def test_email_is_required_and_well_formed(api):
    assert_invalid(post(api, "customers", {}), "email", "blank")
    for email in ("no-at-sign", "a@b", "two words@example.com", "@example.com", "a@@example.com"):
        assert_invalid(post(api, "customers", {"email": email}), "email", "invalid")
    data = created(post(api, "customers", {"email": "  Mixed@Case.Example.org "}))
    assert data["attributes"]["email"] == "mixed@case.example.org"


def test_email_is_unique_within_an_organization_whatever_its_case(api, other_org):
    customer = factories.customer(api, "ada@example.com")
    response = post(api, "customers", {"email": "ADA@example.com"})
    assert_taken(response, "email")
    assert errors(response)[0]["meta"]["value"] == "ada@example.com"
    factories.customer(other_org.api, "ada@example.com")  # another organization: fine

    other = factories.customer(api, "bob@example.com")
    assert_taken(patch(api, other, {"email": "Ada@Example.com"}), "email")
    response = patch(api, customer, {"email": "ADA@EXAMPLE.COM", "profile_id": "p"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["email"] == "ada@example.com"


def test_status_is_read_only(api):
    response = post(api, "customers", {"email": "a@example.com", "status": "acquired"})
    assert errors(response, 400)[0]["source"] == {"pointer": "/data/attributes/status"}


def test_customer_group_by_code_and_from_this_organization_only(api, other_org):
    group = factories.customer_group(api, code="VIP")
    factories.customer_group(other_org.api, code="GOLD")
    data = created(post(api, "customers", {"email": "a@example.com", "customer_group_code": "VIP"}))
    assert related_id(data, "customer_group") == group["id"]
    response = post(api, "customers", {"email": "b@example.com", "customer_group_code": "GOLD"})
    assert_must_exist(response, "customer_group")
    foreign = factories.customer_group(other_org.api)
    response = post(api, "customers", {"email": "c@example.com"}, {"customer_group": foreign})
    assert_must_exist(response, "customer_group")


def test_deleting_a_customer_group_keeps_its_customers(api):
    group = factories.customer_group(api)
    customer = created(
        post(api, "customers", {"email": "a@example.com"}, {"customer_group": group})
    )
    assert api.delete(f"/api/customer_groups/{group['id']}").status_code == 204
    assert related_id(fetch(api, customer), "customer_group") is None


def test_update_and_delete(api):
    customer = factories.customer(api)
    response = patch(api, customer, {"shopper_reference": "s2", "metadata": {"a": [1]}})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"shopper_reference": "s2", "metadata": {"a": [1]}})
    assert_invalid(patch(api, customer, {"email": None}), "email", "blank")
    assert api.delete(f"/api/customers/{customer['id']}").status_code == 204
    assert gone(api, customer)


def test_password_is_accepted_hashed_and_never_rendered(api, app):
    data = created(post(api, "customers", {"email": "p@example.com", "password": "s3cret-pass"}))
    assert "password" not in data["attributes"]
    response = api.get(f"/api/customers/{data['id']}?fields[customers]=email,password")
    assert "s3cret-pass" not in response.text
    stored = sql(app, "SELECT password FROM customers WHERE id = :id", id=data["id"])[0][0]
    assert stored and "s3cret-pass" not in stored
    assert_invalid(patch(api, data, {"password": 12345678}), "password", "invalid")
