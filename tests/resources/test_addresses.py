from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_rendered,
    assert_taken,
    created,
    errors,
    gone,
    patch,
    pointers,
    post,
)

PLACE = {
    "line_1": "2883 Geraldine Lane",
    "city": "New York",
    "country_code": "US",
    "phone": "(212) 646-338-1228",
}


def test_create_with_every_attribute(api):
    attributes = {
        **PLACE,
        "business": False,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": "Analytical Engines",
        "line_2": "Apt. 23",
        "zip_code": "10013",
        "state_code": "NY",
        "email": "ada@example.com",
        "notes": "Ring twice",
        "lat": 40.6971494,
        "lng": -74.2598672,
        "billing_info": "VAT IT0123456789",
        "reference": "a1",
        "reference_origin": "crm",
        "metadata": {"floor": 3},
    }
    assert_rendered(created(post(api, "addresses", attributes)), attributes)


def test_a_person_needs_first_and_last_name(api):
    response = post(api, "addresses", {**PLACE, "company": "Acme"})
    assert pointers(response) == {
        ("/data/attributes/first_name", "blank"),
        ("/data/attributes/last_name", "blank"),
    }
    assert_invalid(response, "first_name", "blank")
    response = post(api, "addresses", {**PLACE, "first_name": "Ada"})
    assert pointers(response) == {("/data/attributes/last_name", "blank")}


def test_a_business_needs_a_company_and_no_names(api):
    response = post(api, "addresses", {**PLACE, "business": True, "first_name": "Ada"})
    assert pointers(response) == {("/data/attributes/company", "blank")}
    assert_invalid(response, "company", "blank")
    data = created(post(api, "addresses", {**PLACE, "business": True, "company": "Acme"}))
    assert data["attributes"]["business"] is True
    assert data["attributes"]["first_name"] is None


def test_the_rules_apply_to_the_updated_record(api):
    person = factories.address(api)
    assert_invalid(patch(api, person, {"business": True}), "company", "blank")
    assert_invalid(patch(api, person, {"last_name": ""}), "last_name", "blank")
    response = patch(api, person, {"business": True, "company": "Acme", "first_name": None})
    assert response.status_code == 200, response.text
    assert_invalid(patch(api, person, {"business": False}), "first_name", "blank")


def test_country_code_is_two_letters(api):
    for code in ("GBR", "G", "1A", "G B"):
        response = post(
            api, "addresses", {**PLACE, "first_name": "A", "last_name": "L", "country_code": code}
        )
        assert_invalid(response, "country_code", "invalid")


def test_reference_is_unique_when_given(api, other_org):
    factories.address(api, reference="HQ")
    assert_taken(
        post(api, "addresses", {**PLACE, "first_name": "A", "last_name": "L", "reference": "HQ"}),
        "reference",
    )
    factories.address(other_org.api, reference="HQ")
    factories.address(api)
    factories.address(api)  # many without a reference


def test_an_address_in_use_cannot_be_deleted(api):
    location = factories.stock_location(api)
    address_id = location["relationships"]["address"]["data"]["id"]
    response = api.delete(f"/api/addresses/{address_id}")
    assert errors(response)[0]["meta"] == {"error": "restrict_dependent_destroy"}
    assert api.delete(f"/api/stock_locations/{location['id']}").status_code == 204
    assert api.delete(f"/api/addresses/{address_id}").status_code == 204


def test_update_and_delete(api):
    address = factories.address(api)
    response = patch(api, address, {"city": "Turin", "lat": 45, "notes": "x"})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"city": "Turin", "lat": 45.0, "notes": "x"})
    assert_invalid(patch(api, address, {"phone": None}), "phone", "blank")
    assert api.delete(f"/api/addresses/{address['id']}").status_code == 204
    assert gone(api, address)
