"""SKU list items: one per SKU and list, by `sku_code` or the SKU relationship."""

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
def summer(api):
    return factories.sku_list(api, "Summer")


def test_create_by_code_update_and_filter(api, summer):
    sku = factories.sku(api, code="MUG")
    attributes = {"sku_code": "MUG", "position": 2, "quantity": 6, "reference": "i1"}
    data = created(post(api, "sku_list_items", attributes, {"sku_list": summer}))
    assert_rendered(data, attributes)
    assert (related_id(data, "sku"), related_id(data, "sku_list")) == (sku["id"], summer["id"])
    response = patch(api, data, {"position": 1})
    assert response.json()["data"]["attributes"]["position"] == 1
    query = "/api/sku_list_items?filter[q][sku_list_name_eq]=Summer&filter[q][position_lt]=2"
    assert [r["id"] for r in api.get(query).json()["data"]] == [data["id"]]
    assert api.delete(f"/api/skus/{sku['id']}").status_code == 204  # the item goes with it
    assert gone(api, data)


def test_rules_and_key(api, summer, other_org):
    sku = factories.sku(api, code="MUG")
    rel = {"sku_list": summer}
    assert_invalid(post(api, "sku_list_items", {}, rel), "sku", "blank", relationship=True)
    assert_invalid(post(api, "sku_list_items", {"sku_code": "MUG"}), "sku_list", "blank",
                   relationship=True)  # fmt: skip
    assert_must_exist(post(api, "sku_list_items", {"sku_code": "NOPE"}, rel), "sku")
    response = post(api, "sku_list_items", {"sku_code": "MUG", "quantity": 0}, rel)
    assert errors(response)[0]["meta"] == {"error": "greater_than_or_equal_to", "count": 1}
    factories.sku_list_item(api, summer, sku)
    assert_taken(post(api, "sku_list_items", {}, {**rel, "sku": sku}), "sku_list",
                 relationship=True)  # fmt: skip
    factories.sku_list_item(api, factories.sku_list(api), sku)  # another list: fine
    foreign = factories.sku_list(other_org.api, "Summer")
    assert_must_exist(post(api, "sku_list_items", {"sku_code": "MUG"}, {"sku_list": foreign}),
                      "sku_list")  # fmt: skip
