from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    created,
    errors,
    gone,
    patch,
    post,
    related_id,
)


@pytest.fixture
def catalog(api):
    return factories.stock_location(api, code="WH1"), factories.sku(api, code="TSHIRT")


def assert_duplicate(response) -> None:
    """(stock_location, sku) taken: reported on one of the key's relationships."""
    error = errors(response)[0]
    assert error["meta"]["error"] == "taken", response.text
    assert error["detail"].endswith(" - has already been taken")
    pointer = error["source"]["pointer"]
    assert pointer in ("/data/relationships/stock_location", "/data/relationships/sku")


def test_create_with_every_attribute(api, catalog):
    location, sku = catalog
    attributes = {
        "quantity": 100,
        "reference": "s1",
        "reference_origin": "wms",
        "metadata": {"bin": "A3"},
    }
    data = created(post(api, "stock_items", attributes, {"stock_location": location, "sku": sku}))
    assert_rendered(data, attributes)
    assert related_id(data, "stock_location") == location["id"]
    assert related_id(data, "sku") == sku["id"]
    items = api.get(f"/api/stock_locations/{location['id']}/stock_items").json()["data"]
    assert [i["id"] for i in items] == [data["id"]]
    assert data["attributes"]["sku_code"] == "TSHIRT"


def test_sku_code_instead_of_the_sku(api, other_org, catalog):
    location, sku = catalog
    data = created(
        post(
            api, "stock_items", {"quantity": 1, "sku_code": "TSHIRT"}, {"stock_location": location}
        )
    )
    assert related_id(data, "sku") == sku["id"]
    assert_duplicate(
        post(
            api, "stock_items", {"quantity": 2, "sku_code": "TSHIRT"}, {"stock_location": location}
        )
    )
    factories.sku(other_org.api, code="FOREIGN")
    for code in ("NOPE", "FOREIGN"):
        response = post(
            api, "stock_items", {"quantity": 1, "sku_code": code}, {"stock_location": location}
        )
        assert_must_exist(response, "sku")


def test_stock_location_is_required_and_must_exist(api, other_org, catalog):
    _, sku = catalog
    response = post(api, "stock_items", {"quantity": 1}, {"sku": sku})
    assert_invalid(response, "stock_location", "blank", relationship=True)
    foreign = factories.stock_location(other_org.api)
    response = post(api, "stock_items", {"quantity": 1}, {"sku": sku, "stock_location": foreign})
    assert_must_exist(response, "stock_location")


def test_one_stock_item_per_location_and_sku(api, other_org, catalog):
    location, sku = catalog
    factories.stock_item(api, location, sku)
    assert_duplicate(
        post(api, "stock_items", {"quantity": 5}, {"stock_location": location, "sku": sku})
    )
    factories.stock_item(api, factories.stock_location(api), sku)  # another location: fine
    item = factories.stock_item(api, location, factories.sku(api))  # another SKU: fine
    assert_duplicate(patch(api, item, relationships={"sku": sku}))
    other_location = factories.stock_location(other_org.api, code="WH1")
    factories.stock_item(other_org.api, other_location, factories.sku(other_org.api, code="TSHIRT"))


def test_update_and_delete(api, catalog):
    item = factories.stock_item(api, *catalog, quantity=3)
    response = patch(api, item, {"quantity": 7})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["quantity"] == 7
    assert_invalid(patch(api, item, {"quantity": "lots"}), "quantity", "not_a_number")
    assert api.delete(f"/api/stock_items/{item['id']}").status_code == 204
    assert gone(api, item)
    assert not any(gone(api, r) for r in catalog)


def test_deleting_a_stock_location_deletes_its_stock_items(api, catalog):
    location, sku = catalog
    item = factories.stock_item(api, location, sku)
    assert api.delete(f"/api/stock_locations/{location['id']}").status_code == 204
    assert gone(api, item)
    assert not gone(api, sku)
