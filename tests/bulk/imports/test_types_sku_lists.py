"""Importing SKU lists (with nested `sku_list_items`) and SKU list items."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import by, list_all, related_id
from tests.support.jobs import counts, fixture, run_import
from tests.support.world import Catalog


def items_of(api, sku_list: dict) -> list[tuple]:
    rows = list_all(api, f"/api/sku_lists/{sku_list['id']}/sku_list_items", sort="position")
    return [(r["attributes"]["sku_code"], r["attributes"]["position"],
             r["attributes"]["quantity"]) for r in rows]  # fmt: skip


def lists(api) -> dict[str, dict]:
    return by(list_all(api, "/api/sku_lists"), "name")


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_sku_lists_with_nested_items_create_then_update(api, name):
    Catalog(api)
    ada = factories.customer(api, "ada@example.com")
    attrs = run_import(api, "sku_lists", fixture("sku_lists", name))
    csv = name.endswith("csv")
    # three lists: in CSV, three of its five rows are one list with three items
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = lists(api)
    assert sorted(found) == ["All T-shirts", "Summer Essentials", "VIP picks"]
    summer = found["Summer Essentials"]
    if csv:
        assert items_of(api, summer) == [("TSHIRT-S", 1, 2), ("TSHIRT-M", 2, 1), ("MUG-01", 3, 1)]
        assert summer["attributes"]["description"] == "Light, bright basics"
    else:
        assert items_of(api, summer) == [("TSHIRT-S", 1, 2), ("MUG-01", 2, None)]
        assert summer["attributes"]["metadata"] == {"season": "ss24"}
        assert summer["attributes"]["slug"] == "summer-essentials"
    regex = found["All T-shirts"]["attributes"]
    assert (regex["manual"], regex["sku_code_regex"]) == (False, "^TSHIRT-")
    assert found["VIP picks"]["attributes"]["manual"] is True
    assert related_id(found["VIP picks"], "customer") == ada["id"]  # by email, any casing
    assert items_of(api, found["VIP picks"]) == [("TSHIRT-L", 1, None if csv else 1)]
    item_ids = {r["id"] for r in list_all(api, "/api/sku_list_items")}

    again = run_import(api, "sku_lists", fixture("sku_lists", name))
    assert counts(again) == ("completed", 3, 0, 0, 0), again
    assert {r["id"] for r in list_all(api, "/api/sku_list_items")} == item_ids  # same records
    assert lists(api).keys() == found.keys()

    updated = run_import(api, "sku_lists", fixture("sku_lists", "update.json"))
    assert counts(updated) == ("completed", 2, 0, 0, 0), updated
    now = lists(api)
    assert now["Summer Essentials"]["id"] == summer["id"]
    assert now["Summer Essentials"]["attributes"]["description"] == "Now with more mugs."
    assert items_of(api, summer) == [("MUG-01", 1, 4), ("TSHIRT-M", 2, 1 if csv else None)]
    assert now["All T-shirts"]["attributes"]["sku_code_regex"] == "^TSHIRT-(S|M)$"
    assert len(items_of(api, now["VIP picks"])) == 1  # not in the update: untouched


def test_broken_items_are_logged_by_name(api):
    Catalog(api)
    attrs = run_import(api, "sku_lists", fixture("sku_lists", "broken.json"), skip_errors=True)
    assert counts(attrs) == ("completed", 1, 3, 0, 0), attrs
    assert attrs["errors_log"] == {
        "Autumn": {"sku_list_items.sku": ["must exist"]},
        "Regex only": {"sku_code_regex": ["can't be blank"]},
        "Winter": {"sku_list_items.quantity": ["must be greater than or equal to 1"]},
    }
    assert sorted(lists(api)) == ["Summer Essentials"]  # a failing child fails its list
    assert len(list_all(api, "/api/sku_list_items")) == 1


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_sku_list_items_parent_and_own_list(api, name):
    cat = Catalog(api)
    summer = factories.sku_list(api, "Summer")
    kitchen = factories.sku_list(api, "Kitchen")
    inputs = fixture("sku_list_items", name)
    if name.endswith("json"):
        inputs[2]["sku_list_id"] = kitchen["id"]  # the item's own list wins over the parent
    attrs = run_import(api, "sku_list_items", inputs, parent_resource_id=summer["id"])
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    if name.endswith("json"):
        assert items_of(api, summer) == [("TSHIRT-S", 1, 1), ("TSHIRT-M", 2, 1)]
        assert items_of(api, kitchen) == [("MUG-01", 1, 6)]
    else:
        assert items_of(api, summer) == [("TSHIRT-S", 1, 1), ("TSHIRT-M", 2, None),
                                         ("TSHIRT-L", 3, 2)]  # fmt: skip
    # The same sku in the same list is the same item (key sku_list + sku): an update.
    again = run_import(api, "sku_list_items", [{"sku_code": "TSHIRT-S", "position": 9}],
                       parent_resource_id=summer["id"])  # fmt: skip
    assert counts(again) == ("completed", 1, 0, 0, 0), again
    assert items_of(api, summer)[-1] == ("TSHIRT-S", 9, 1)
    assert related_id(list_all(api, "/api/sku_list_items", **{
        "filter[q][sku_code_eq]": "TSHIRT-S"})[0], "sku") == cat.skus["TSHIRT-S"]["id"]  # fmt: skip


def test_sku_list_items_errors_and_cleanup_within_the_parent(api):
    cat = Catalog(api)
    summer = factories.sku_list(api, "Summer", [cat.skus["TSHIRT-S"], cat.skus["TSHIRT-M"]])
    kitchen = factories.sku_list(api, "Kitchen", [cat.skus["MUG-01"]])
    inputs = [
        {"sku_code": "TSHIRT-M", "position": 1},
        {"sku_code": "NOPE", "position": 2},
        {"sku_code": "TSHIRT-L", "quantity": "two"},
    ]
    attrs = run_import(api, "sku_list_items", inputs, parent_resource_id=summer["id"],
                       cleanup_records=True, skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 2, 0, 1), attrs
    summer_id = summer["id"]
    assert attrs["errors_log"] == {
        f"{summer_id}/NOPE": {"sku": ["must exist"]},
        f"{summer_id}/TSHIRT-L": {"quantity": ["is not a number"]},
    }
    assert items_of(api, summer) == [("TSHIRT-M", 1, None)]  # TSHIRT-S: cleaned up
    assert items_of(api, kitchen) == [("MUG-01", 1, None)]  # another list: untouched
