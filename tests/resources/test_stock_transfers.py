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
def places(api):
    """(sku, origin, destination)"""
    return (
        factories.sku(api, code="TSHIRT-S"),
        factories.stock_location(api, code="WH-MILAN"),
        factories.stock_location(api, code="WH-LONDON"),
    )


def rels(sku, origin, destination) -> dict:
    return {"sku": sku, "origin_stock_location": origin, "destination_stock_location": destination}


def test_create_with_every_attribute(api, places):
    sku, origin, destination = places
    attributes = {
        "number": "ST-42",
        "status": "upcoming",
        "quantity": 12,
        "reference": "t1",
        "metadata": {"carrier": "DHL"},
    }
    data = created(post(api, "stock_transfers", attributes, rels(*places)))
    assert_rendered(
        data,
        {
            **attributes,
            "sku_code": "TSHIRT-S",
            "origin_stock_location_code": "WH-MILAN",
            "destination_stock_location_code": "WH-LONDON",
        },
    )
    assert related_id(data, "sku") == sku["id"]
    assert related_id(data, "origin_stock_location") == origin["id"]
    assert related_id(data, "destination_stock_location") == destination["id"]
    outgoing = api.get(f"/api/stock_locations/{origin['id']}/stock_transfers").json()["data"]
    assert [t["id"] for t in outgoing] == [data["id"]]


def test_numbers_come_from_the_organization_sequence(api, other_org, places):
    first = factories.stock_transfer(api, *places)
    second = factories.stock_transfer(api, *places)
    assert (first["attributes"]["number"], second["attributes"]["number"]) == ("1000", "1001")
    assert first["attributes"]["status"] == "draft"
    response = patch(api, first, {"quantity": 3})  # an update keeps its number
    assert response.json()["data"]["attributes"]["number"] == "1000"
    theirs = (
        factories.sku(other_org.api),
        factories.stock_location(other_org.api),
        factories.stock_location(other_org.api),
    )
    assert factories.stock_transfer(other_org.api, *theirs)["attributes"]["number"] == "1000"
    assert_taken(
        post(api, "stock_transfers", {"number": "1001", "quantity": 1}, rels(*places)), "number"
    )


def test_codes_instead_of_relationships(api, other_org, places):
    sku, origin, destination = places
    codes = {
        "sku_code": "TSHIRT-S",
        "origin_stock_location_code": "WH-MILAN",
        "destination_stock_location_code": "WH-LONDON",
    }
    data = created(post(api, "stock_transfers", {"quantity": 1, **codes}))
    assert [
        related_id(data, r) for r in ("sku", "origin_stock_location", "destination_stock_location")
    ] == [sku["id"], origin["id"], destination["id"]]
    factories.stock_location(other_org.api, code="WH-PARIS")
    response = post(
        api,
        "stock_transfers",
        {"quantity": 1, **codes, "destination_stock_location_code": "WH-PARIS"},
    )
    assert_must_exist(response, "destination_stock_location")
    response = post(api, "stock_transfers", {"quantity": 1, **codes, "sku_code": "NOPE"})
    assert_must_exist(response, "sku")


def test_required_quantities_statuses_and_different_locations(api, places):
    sku, origin, destination = places
    assert pointers(post(api, "stock_transfers", {})) == {
        ("/data/attributes/quantity", "blank"),
        ("/data/relationships/sku", "blank"),
        ("/data/relationships/origin_stock_location", "blank"),
        ("/data/relationships/destination_stock_location", "blank"),
    }
    assert pointers(post(api, "stock_transfers", {"quantity": 0}, rels(*places))) == {
        ("/data/attributes/quantity", "greater_than_or_equal_to")
    }
    response = post(api, "stock_transfers", {"quantity": 1, "status": "lost"}, rels(*places))
    assert_invalid(response, "status", "inclusion")
    response = post(api, "stock_transfers", {"quantity": 1}, rels(sku, origin, origin))
    error = errors(response)[0]
    assert error["source"] == {"pointer": "/data/relationships/destination_stock_location"}
    assert error["detail"] == (
        "destination_stock_location - must be different from origin_stock_location"
    )
    transfer = factories.stock_transfer(api, *places)
    response = patch(api, transfer, relationships={"origin_stock_location": destination})
    assert pointers(response) == {("/data/relationships/destination_stock_location", "invalid")}


def test_filters_includes_and_cascade(api, places):
    sku, origin, destination = places
    mug = factories.sku(api, code="MUG-01")
    factories.stock_transfer(api, *places, number="A-1", status="picking")
    factories.stock_transfer(api, mug, destination, origin, number="A-2", quantity=5)

    def numbers(**filters: str) -> list[str]:
        return listed(api, "stock_transfers", "number", **filters)

    assert numbers(status_eq="picking") == ["A-1"]
    assert numbers(sku_code_eq="MUG-01") == ["A-2"]
    assert numbers(origin_stock_location_code_eq="WH-MILAN") == ["A-1"]
    assert numbers(destination_stock_location_id_eq=origin["id"]) == ["A-2"]
    assert numbers(quantity_gt="1") == ["A-2"]
    doc = api.get(
        "/api/stock_transfers",
        params={
            "filter[q][number_eq]": "A-1",
            "include": "sku,origin_stock_location,destination_stock_location",
        },
    ).json()
    assert {(r["type"], r["id"]) for r in doc["included"]} == {
        ("skus", sku["id"]),
        ("stock_locations", origin["id"]),
        ("stock_locations", destination["id"]),
    }
    assert api.delete(f"/api/skus/{mug['id']}").status_code == 204
    assert numbers() == ["A-1"]
    assert api.delete(f"/api/stock_locations/{destination['id']}").status_code == 204
    assert numbers() == []
    assert not gone(api, origin)
