from __future__ import annotations

import time

from tests.support import factories
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


def category_rel(category: dict) -> dict:
    return {"shipping_category": category}


def test_create_with_every_attribute(api):
    category = factories.shipping_category(api)
    tag = factories.tag(api)
    attributes = {
        "code": "TSHIRTMM000000FFFFFFXLXX",
        "name": "Black Men T-shirt with White Logo (XL)",
        "description": "A soft cotton T-shirt.",
        "image_url": "https://img.example.com/tshirt.png",
        "pieces_per_pack": 6,
        "weight": 1.25,
        "unit_of_weight": "oz",
        "hs_tariff_number": "6109.10",
        "do_not_ship": False,
        "do_not_track": True,
        "reference": "erp-1",
        "reference_origin": "erp",
        "metadata": {"season": "fw26", "sizes": ["XL"], "nested": {"n": 1}},
    }
    data = created(post(api, "skus", attributes, {**category_rel(category), "tags": [tag]}))
    assert_rendered(data, attributes)
    assert related_id(data, "shipping_category") == category["id"]
    assert data["attributes"]["created_at"] == data["attributes"]["updated_at"]
    assert fetch(api, data)["attributes"] == data["attributes"]
    tags = api.get(f"/api/skus/{data['id']}/relationships/tags").json()["data"]
    assert tags == [{"type": "tags", "id": tag["id"]}]


def test_numbers_are_rendered_with_their_declared_type(api):
    category = factories.shipping_category(api)
    data = created(
        post(
            api,
            "skus",
            {"code": "W1", "name": "n", "weight": 2, "pieces_per_pack": "3"},
            category_rel(category),
        )
    )
    assert_rendered(data, {"weight": 2.0, "pieces_per_pack": 3, "do_not_ship": False})


def test_shipping_category_is_required_unless_do_not_ship(api):
    response = post(api, "skus", {"code": "A", "name": "n"})
    assert_invalid(response, "shipping_category", "blank", relationship=True)
    assert len(errors(response)) == 1

    gift = created(post(api, "skus", {"code": "GIFT", "name": "n", "do_not_ship": True}))
    assert related_id(gift, "shipping_category") is None
    # Making it shippable again needs a category.
    assert_invalid(
        patch(api, gift, {"do_not_ship": False}), "shipping_category", "blank", relationship=True
    )
    # And a shippable SKU cannot drop it.
    sku = factories.sku(api)
    response = patch(api, sku, relationships={"shipping_category": None})
    assert_invalid(response, "shipping_category", "blank", relationship=True)
    category = factories.shipping_category(api)
    response = patch(api, gift, {"do_not_ship": False}, category_rel(category))
    assert response.status_code == 200, response.text


def test_shipping_category_must_exist_in_this_organization(api, other_org):
    foreign = factories.shipping_category(other_org.api)
    for ref in (("shipping_categories", "NoSuchId00"), foreign):
        response = post(api, "skus", {"code": "A", "name": "n"}, {"shipping_category": ref})
        assert_must_exist(response, "shipping_category")
    sku = factories.sku(api)
    assert_must_exist(patch(api, sku, relationships=category_rel(foreign)), "shipping_category")
    path = f"/api/skus/{sku['id']}/relationships/shipping_category"
    response = api.patch(path, json={"data": {"type": "shipping_categories", "id": foreign["id"]}})
    assert_must_exist(response, "shipping_category")
    assert related_id(fetch(api, sku), "shipping_category") == related_id(sku, "shipping_category")


def test_shipping_category_code_instead_of_the_relationship(api, other_org):
    category = factories.shipping_category(api, code="STD")
    factories.shipping_category(other_org.api, code="OTHER")
    data = created(post(api, "skus", {"code": "A", "name": "n", "shipping_category_code": "STD"}))
    assert related_id(data, "shipping_category") == category["id"]
    assert data["attributes"]["shipping_category_code"] == "STD"
    for code in ("NOPE", "OTHER"):
        response = post(api, "skus", {"code": "B", "name": "n", "shipping_category_code": code})
        assert_must_exist(response, "shipping_category")


def test_code_is_unique_within_an_organization_only(api, other_org):
    sku = factories.sku(api, code="TSHIRT")
    category = factories.shipping_category(api)
    response = post(api, "skus", {"code": "TSHIRT", "name": "again"}, category_rel(category))
    assert_taken(response, "code")
    assert errors(response)[0]["meta"] == {"error": "taken", "value": "TSHIRT"}

    factories.sku(other_org.api, code="TSHIRT")  # another organization: fine

    other = factories.sku(api, code="HOODIE")
    assert_taken(patch(api, other, {"code": "TSHIRT"}), "code")
    response = patch(api, sku, {"code": "TSHIRT", "name": "renamed"})
    assert response.status_code == 200, response.text


def test_string_limits_are_validation_errors(api):
    category = factories.shipping_category(api)
    long_url = "https://img.example.com/" + "a" * 300
    response = post(
        api, "skus", {"code": "A", "name": "n", "image_url": long_url}, category_rel(category)
    )
    error = errors(response)[0]
    assert error["source"] == {"pointer": "/data/attributes/image_url"}
    assert error["meta"] == {"error": "too_long", "count": 255}
    assert error["detail"] == "image_url - is too long (maximum is 255 characters)"


def test_out_of_range_integer_is_a_validation_error(api):
    category = factories.shipping_category(api)
    attributes = {"code": "A", "name": "n", "pieces_per_pack": 10**20}
    error = errors(post(api, "skus", attributes, category_rel(category)))[0]
    assert error["source"] == {"pointer": "/data/attributes/pieces_per_pack"}
    assert error["meta"] == {"error": "less_than_or_equal_to", "count": 2**31 - 1}


def test_nul_characters_are_a_validation_error(api):
    category = factories.shipping_category(api)
    attributes = {"code": "A", "name": "n", "description": "cotton\x00"}
    response = post(api, "skus", attributes, category_rel(category))
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["source"] == {"pointer": "/data/attributes/description"}
    assert error["meta"] == {"error": "invalid"}


def test_minimums(api):
    category = factories.shipping_category(api)
    for name, value in (("pieces_per_pack", 0), ("weight", -1)):
        response = post(
            api, "skus", {"code": "A", "name": "n", name: value}, category_rel(category)
        )
        assert errors(response)[0]["meta"]["error"] == "greater_than_or_equal_to", response.text


def test_update(api):
    sku = factories.sku(api)
    time.sleep(0.01)  # timestamps have milliseconds: the update must come out later
    changes = {"name": "Renamed", "weight": 3.5, "unit_of_weight": "gr", "metadata": {"a": 1}}
    response = patch(api, sku, changes)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert_rendered(data, {**changes, "code": sku["attributes"]["code"]})
    assert data["attributes"]["created_at"] == sku["attributes"]["created_at"]
    assert data["attributes"]["updated_at"] > sku["attributes"]["updated_at"]
    assert fetch(api, sku)["attributes"] == data["attributes"]
    assert_invalid(patch(api, sku, {"name": None}), "name", "blank")
    assert_invalid(patch(api, sku, {"unit_of_weight": "kg"}), "unit_of_weight", "inclusion")


def test_delete_cascades_to_prices_stock_items_and_tax_categories(api):
    sku = factories.sku(api)
    plist = factories.price_list(api)
    location = factories.stock_location(api)
    calculator = factories.tax_calculator(api)
    dependents = [
        factories.price(api, sku, plist),
        factories.stock_item(api, location, sku),
        factories.tax_category(api, sku, calculator),
    ]
    tag = factories.tag(api)
    assert patch(api, sku, relationships={"tags": [tag]}).status_code == 200

    response = api.delete(f"/api/skus/{sku['id']}")
    assert response.status_code == 204, response.text
    assert gone(api, sku)
    assert all(gone(api, d) for d in dependents)
    assert not any(gone(api, kept) for kept in (plist, location, calculator, tag))


def test_missing_records_are_404(api):
    for method in ("GET", "PATCH", "DELETE"):
        json = {"data": {"type": "skus", "id": "NoSuchId00"}} if method == "PATCH" else None
        response = api.request(method, "/api/skus/NoSuchId00", json=json)
        assert response.status_code == 404, response.text
        assert errors(response, 404)[0]["code"] == "RECORD_NOT_FOUND"
