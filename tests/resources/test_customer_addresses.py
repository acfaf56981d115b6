from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_taken,
    created,
    gone,
    pointers,
    post,
    related_id,
)


def test_create_by_ids_or_by_email_and_address_reference(api):
    ada = factories.customer(api, "ada@example.com")
    home = factories.address(api, reference="ADA-HOME")
    data = created(post(api, "customer_addresses", {}, {"customer": ada, "address": home}))
    assert (related_id(data, "customer"), related_id(data, "address")) == (ada["id"], home["id"])
    assert data["attributes"]["customer_email"] == "ada@example.com"
    assert data["attributes"]["address_reference"] == "ADA-HOME"
    office = factories.address(api, reference="ADA-OFFICE")
    data = created(
        post(
            api,
            "customer_addresses",
            {"customer_email": "ada@example.com", "address_reference": "ADA-OFFICE"},
        )
    )
    assert related_id(data, "address") == office["id"]
    book = api.get(f"/api/customers/{ada['id']}/customer_addresses", params={"include": "address"})
    assert sorted(r["attributes"]["reference"] for r in book.json()["included"]) == [
        "ADA-HOME",
        "ADA-OFFICE",
    ]


def test_customer_and_address_are_required_and_must_exist(api, other_org):
    assert pointers(post(api, "customer_addresses", {})) == {
        ("/data/relationships/customer", "blank"),
        ("/data/relationships/address", "blank"),
    }
    ada = factories.customer(api, "ada@example.com")
    assert_invalid(
        post(api, "customer_addresses", {"customer_email": "ada@example.com"}),
        "address",
        "blank",
        relationship=True,
    )
    factories.address(other_org.api, reference="THEIRS")
    response = post(api, "customer_addresses", {"address_reference": "THEIRS"}, {"customer": ada})
    assert_must_exist(response, "address")
    response = post(
        api,
        "customer_addresses",
        {"customer_email": "nobody@example.com"},
        {"address": factories.address(api)},
    )
    assert_must_exist(response, "customer")


def test_an_address_is_in_a_book_once(api):
    ada, bob = factories.customer(api), factories.customer(api)
    home = factories.address(api)
    factories.customer_address(api, ada, home)
    response = post(api, "customer_addresses", {}, {"customer": ada, "address": home})
    assert_taken(response, "customer", relationship=True)
    factories.customer_address(api, bob, home)  # a shared address: fine


def test_filters_and_cascades(api):
    ada, bob = factories.customer(api, "ada@example.com"), factories.customer(api)
    home, office = factories.address(api, city="Paris"), factories.address(api, city="Rome")
    ada_home = factories.customer_address(api, ada, home)
    ada_office = factories.customer_address(api, ada, office)
    bob_home = factories.customer_address(api, bob, home)

    def ids(**params) -> set[str]:
        query = {f"filter[q][{k}]": v for k, v in params.items()}
        return {r["id"] for r in api.get("/api/customer_addresses", params=query).json()["data"]}

    assert ids(customer_email_eq="ada@example.com") == {ada_home["id"], ada_office["id"]}
    assert ids(address_city_eq="Paris") == {ada_home["id"], bob_home["id"]}
    assert api.delete(f"/api/addresses/{home['id']}").status_code == 204
    assert gone(api, ada_home) and gone(api, bob_home) and not gone(api, ada_office)
    assert api.delete(f"/api/customers/{ada['id']}").status_code == 204
    assert gone(api, ada_office) and not gone(api, office)
