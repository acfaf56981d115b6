"""Line items: a SKU or a bundle by code, the derived item code, the (order, item) key."""

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
    fetch,
    patch,
    post,
    related_id,
)


@pytest.fixture
def shop(api):
    sku = factories.sku(api, code="MUG")
    summer = factories.sku_list(api, "Summer", [sku])
    bundle = factories.bundle(api, summer, "KIT")
    return factories.order(api), sku, bundle


def test_sku_line_with_every_attribute(api, shop):
    order, sku, _ = shop
    attributes = {
        "sku_code": "MUG",
        "quantity": 3,
        "unit_amount_cents": 1200,
        "compare_at_amount_cents": 1500,
        "name": "Mug",
        "image_url": "https://img.example.com/mug.jpg",
        "frequency": "monthly",
        "reference": "l1",
        "metadata": {"gift": True},
    }
    data = created(post(api, "line_items", attributes, {"order": order}))
    assert_rendered(data, {**attributes, "item_code": "MUG", "item_type": "skus"})
    assert related_id(data, "sku") == sku["id"]
    assert related_id(data, "bundle") is None
    by_id = created(post(api, "line_items", {"quantity": 1}, {"order": factories.order(api),
                                                               "sku": sku}))  # fmt: skip
    assert (by_id["attributes"]["sku_code"], by_id["attributes"]["item_code"]) == ("MUG", "MUG")


def test_bundle_line_and_commerce_layer_item_type_spelling(api, shop):
    order, _, bundle = shop
    data = created(post(api, "line_items", {"bundle_code": "KIT", "quantity": 1,
                                             "item_type": "bundle"}, {"order": order}))  # fmt: skip
    assert_rendered(data, {"item_code": "KIT", "item_type": "bundles", "sku_code": None})
    assert related_id(data, "bundle") == bundle["id"]
    shipping = created(
        post(
            api,
            "line_items",
            {"quantity": 1, "item_type": "shipments", "unit_amount_cents": 700},
            {"order": order},
        )
    )
    assert (shipping["attributes"]["item_code"], shipping["attributes"]["item_type"]) == (
        None, "shipments")  # fmt: skip


def test_validations(api, shop, other_org):
    order, sku, bundle = shop
    rel = {"order": order}
    assert_invalid(post(api, "line_items", {"sku_code": "MUG"}, rel), "quantity", "blank")
    response = post(api, "line_items", {"sku_code": "MUG", "quantity": 0}, rel)
    assert errors(response)[0]["meta"] == {"error": "greater_than_or_equal_to", "count": 1}
    response = post(api, "line_items", {"sku_code": "MUG", "bundle_code": "KIT", "quantity": 1},
                    rel)  # fmt: skip
    assert errors(response)[0]["source"] == {"pointer": "/data/attributes/bundle_code"}
    assert errors(response)[0]["detail"] == "bundle_code - must be blank when sku_code is given"
    assert_must_exist(post(api, "line_items", {"sku_code": "NOPE", "quantity": 1}, rel), "sku")
    assert_invalid(post(api, "line_items", {"quantity": 1, "item_type": "things"}, rel),
                   "item_type", "inclusion")  # fmt: skip
    assert_invalid(post(api, "line_items", {"quantity": 1}), "order", "blank", relationship=True)
    foreign = factories.order(other_org.api)
    assert_must_exist(post(api, "line_items", {"quantity": 1}, {"order": foreign}), "order")


def test_one_line_per_order_and_item(api, shop):
    order, sku, bundle = shop
    factories.line_item(api, order, sku)
    response = post(api, "line_items", {"sku_code": "MUG", "quantity": 2}, {"order": order})
    assert_taken(response, "order", relationship=True)
    created(post(api, "line_items", {"bundle_code": "KIT", "quantity": 1}, {"order": order}))
    assert_taken(post(api, "line_items", {"bundle_code": "KIT", "quantity": 1}, {"order": order}),
                 "order", relationship=True)  # fmt: skip
    factories.line_item(api, factories.order(api), sku)  # another order: fine


def test_update_filters_tags_and_deletes(api, shop):
    order, sku, _ = shop
    other_sku = factories.sku(api, code="CAP")
    line = factories.line_item(api, order, sku, quantity=1)
    response = patch(api, line, {"quantity": 5, "sku_code": "CAP", "_add_tags": "gift"})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"quantity": 5, "item_code": "CAP"})
    assert related_id(response.json()["data"], "sku") == other_sku["id"]
    number = order["attributes"]["number"]
    query = "/api/line_items?filter[q][item_code_eq]=CAP&include=tags"
    doc = api.get(f"{query}&filter[q][order_number_eq]={number}").json()
    assert [d["id"] for d in doc["data"]] == [line["id"]]
    assert [t["attributes"]["name"] for t in doc["included"]] == ["gift"]
    assert api.delete(f"/api/skus/{other_sku['id']}").status_code == 204
    kept = fetch(api, line)  # the line outlives its SKU, with its code
    assert (related_id(kept, "sku"), kept["attributes"]["sku_code"]) == (None, "CAP")
