"""Line item options: a SKU option chosen for a line, with its options object."""

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
    patch,
    post,
    related_id,
)


@pytest.fixture
def line(api):
    return factories.line_item(api, factories.order(api), factories.sku(api))


@pytest.fixture
def option(api):
    return factories.sku_option(api, "Engraving")


def test_create_with_every_attribute_and_include(api, line, option):
    attributes = {
        "quantity": 2,
        "options": {"text": "ADA", "font": {"family": "serif", "size": 12}},
        "name": "Engraving",
        "unit_amount_cents": 500,
        "reference": "o1",
        "metadata": {"a": 1},
    }
    data = created(post(api, "line_item_options", attributes,
                        {"line_item": line, "sku_option": option}))  # fmt: skip
    assert_rendered(data, attributes)
    assert related_id(data, "sku_option") == option["id"]
    doc = api.get(f"/api/line_items/{line['id']}?include=line_item_options.sku_option").json()
    assert {(r["type"], r["id"]) for r in doc["included"]} == {
        ("line_item_options", data["id"]), ("sku_options", option["id"])
    }  # fmt: skip
    query = "/api/line_item_options?filter[q][sku_option_name_eq]=Engraving"
    assert [r["id"] for r in api.get(query).json()["data"]] == [data["id"]]


def test_validations_and_key(api, line, option, other_org):
    rels = {"line_item": line, "sku_option": option}
    # None given is an empty object, as Commerce Layer's import guide writes them.
    created = post(api, "line_item_options", {"quantity": 1}, rels)
    assert created.status_code == 201 and created.json()["data"]["attributes"]["options"] == {}
    assert api.delete(f"/api/line_item_options/{created.json()['data']['id']}").status_code == 204
    assert_invalid(post(api, "line_item_options", {"quantity": 1, "options": "bold"}, rels),
                   "options", "invalid")  # fmt: skip
    response = post(api, "line_item_options", {"options": {}}, rels)
    assert_invalid(response, "quantity", "blank")
    response = post(api, "line_item_options", {"quantity": 1, "options": {}}, {"line_item": line})
    assert_invalid(response, "sku_option", "blank", relationship=True)
    foreign = factories.sku_option(other_org.api, "Engraving")
    response = post(api, "line_item_options", {"quantity": 1, "options": {}},
                    {"line_item": line, "sku_option": foreign})  # fmt: skip
    assert_must_exist(response, "sku_option")
    first = factories.line_item_option(api, line, option)
    response = post(api, "line_item_options", {"quantity": 1, "options": {}}, rels)
    assert_taken(response, "line_item", relationship=True)
    response = patch(api, first, {"quantity": 3, "_add_tags": ["personal"]})
    assert response.json()["data"]["attributes"]["quantity"] == 3
    tags = api.get(f"/api/line_item_options/{first['id']}/tags").json()["data"]
    assert [t["attributes"]["name"] for t in tags] == ["personal"]


def test_an_option_in_use_cannot_be_deleted_a_line_takes_its_options_along(api, line, option):
    choice = factories.line_item_option(api, line, option)
    response = api.delete(f"/api/sku_options/{option['id']}")
    assert errors(response)[0]["meta"]["error"] == "restrict_dependent_destroy"
    assert api.delete(f"/api/line_items/{line['id']}").status_code == 204
    assert gone(api, choice) and not gone(api, option)
