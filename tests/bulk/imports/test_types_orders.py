"""Importing orders (nested `line_items[].line_item_options[]`), line items and their options."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import by, list_all, related_id, tag_names
from tests.support.jobs import counts, run_import
from tests.support.world import Catalog


def orders(api) -> dict[str, dict]:
    return by(list_all(api, "/api/orders"), "number")


def lines(api, order: dict) -> dict[str, dict]:
    return by(list_all(api, f"/api/orders/{order['id']}/line_items"), "item_code")


def option_rows(api, line: dict) -> list[tuple]:
    rows = list_all(api, f"/api/line_items/{line['id']}/line_item_options")
    return sorted((related_id(r, "sku_option"), r["attributes"]["quantity"],
                   r["attributes"]["options"]) for r in rows)  # fmt: skip


def status_of(order: dict) -> tuple:
    attributes = order["attributes"]
    return attributes["status"], attributes["archived_at"] is not None


def test_orders_json_nested_archive_and_numbers(api):
    shop = Catalog(api).with_markets().options()
    shop.bundle()
    manual = factories.order(api, number="1000")  # the sequence's first number, taken
    inputs = shop.inputs("orders", "valid.json")
    attrs = run_import(api, "orders", inputs, parent_resource_id=shop.eu["id"])
    assert counts(attrs) == ("completed", 4, 0, 0, 0), attrs
    found = orders(api)
    assert sorted(found) == ["1000", "1001", "ORD-1001", "ORD-1002", "ORD-1003"]
    assert found["1000"] == manual  # a number-less item never matches an existing order
    first = found["ORD-1001"]
    assert first["attributes"]["customer_email"] == "ada@example.com"
    assert first["attributes"]["metadata"] == {"channel": "web"}
    assert status_of(first) == ("draft", False)
    assert related_id(first, "market") == shop.eu["id"]
    assert tag_names(api, first) == ["web"]
    assert status_of(found["ORD-1002"]) == ("placed", True)  # `_archive`: the status is kept
    assert related_id(found["ORD-1002"], "market") == shop.us["id"]  # its own market wins
    assert status_of(found["ORD-1003"]) == ("draft", False)  # no `_archive`: a draft
    assert status_of(found["1001"]) == ("draft", True)  # `_archive: 1`, no status: draft
    mug = lines(api, first)["MUG-01"]
    assert (mug["attributes"]["quantity"], mug["attributes"]["item_type"]) == (2, "skus")
    assert related_id(mug, "sku") == shop.skus["MUG-01"]["id"]
    assert option_rows(api, mug) == sorted([
        (shop.ids["engraving"], 1, {"text": "ADA"}), (shop.ids["gift_wrap"], 2, {"paper": "red"}),
    ])  # fmt: skip
    kit = lines(api, found["ORD-1002"])["SUMMER-KIT"]["attributes"]
    assert (kit["bundle_code"], kit["item_type"], kit["sku_code"]) == (
        "SUMMER-KIT",
        "bundles",
        None,
    )
    assert lines(api, found["1001"])["TSHIRT-M"]["attributes"]["item_type"] == "skus"
    ids = {t: {r["id"] for r in list_all(api, f"/api/{t}")} for t in ("line_items",
           "line_item_options")}  # fmt: skip

    again = run_import(api, "orders", inputs, parent_resource_id=shop.eu["id"])
    assert counts(again) == ("completed", 4, 0, 0, 0), again
    now = orders(api)
    # Numbered orders are matched; the one without a number is a new order with the next one.
    assert sorted(now) == ["1000", "1001", "1002", "ORD-1001", "ORD-1002", "ORD-1003"]
    assert now["ORD-1002"]["attributes"]["archived_at"] == found["ORD-1002"]["attributes"][
        "archived_at"]  # fmt: skip
    assert {r["id"] for r in list_all(api, "/api/line_item_options")} == ids["line_item_options"]
    assert ids["line_items"] < {r["id"] for r in list_all(api, "/api/line_items")}
    assert len(list_all(api, "/api/line_items")) == len(ids["line_items"]) + 1


def test_orders_csv_line_items_by_dotted_headers(api):
    shop = Catalog(api).with_markets()
    attrs = run_import(api, "orders", shop.inputs("orders", "valid.csv"),
                       parent_resource_id=shop.eu["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs  # three orders, of five rows
    found = orders(api)
    assert sorted(found) == ["ORD-2001", "ORD-2002", "ORD-2003"]
    first = lines(api, found["ORD-2001"])
    assert {c: line["attributes"]["quantity"] for c, line in first.items()} == {
        "TSHIRT-S": 2, "TSHIRT-M": 1, "MUG-01": 3,
    }  # fmt: skip
    assert tag_names(api, found["ORD-2001"]) == ["summer", "web"]
    assert status_of(found["ORD-2002"]) == ("approved", True)
    assert related_id(found["ORD-2002"], "market") == shop.us["id"]
    assert status_of(found["ORD-2003"]) == ("draft", False)
    # An update without `_archive` never changes a status; with it, it does.
    text = "number,status,_archive\nORD-2002,cancelled,\nORD-2003,cancelled,true\n"
    assert counts(run_import(api, "orders", text))[:3] == ("completed", 2, 0)
    now = orders(api)
    assert status_of(now["ORD-2002"]) == ("approved", True)
    assert status_of(now["ORD-2003"]) == ("cancelled", True)
    assert len(lines(api, now["ORD-2001"])) == 3  # no line_items given: untouched


def test_broken_orders_are_logged_by_number(api):
    shop = Catalog(api).with_markets().options()
    base = run_import(api, "orders", shop.inputs("orders", "valid.json")[:1])
    assert base["processed_count"] == 1
    attrs = run_import(api, "orders", shop.inputs("orders", "broken.json"), skip_errors=True)
    # ORD-1006's option gives no `options`: an empty object, as in Commerce Layer's guide
    assert counts(attrs) == ("completed", 2, 2, 0, 0), attrs
    assert attrs["errors_log"] == {
        "ORD-1004": {"line_items.sku": ["must exist"]},
        "ORD-1005": {"status": ["is not included in the list"]},
    }
    assert sorted(orders(api)) == ["ORD-1001", "ORD-1006"]
    (line,) = lines(api, orders(api)["ORD-1006"]).values()
    assert [options for _option, _quantity, options in option_rows(api, line)] == [{}]
    # The nested array replaced ORD-1001's lines: one MUG-01 line of 5, still with its options
    # (it lists none, so they are not replaced).
    (mug,) = lines(api, orders(api)["ORD-1001"]).values()
    assert mug["attributes"]["quantity"] == 5
    assert len(option_rows(api, mug)) == 2


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_line_items_in_a_parent_order(api, name):
    shop = Catalog(api).with_markets().options()
    shop.bundle()
    order, other = factories.order(api, shop.eu), factories.order(api, shop.eu)
    inputs = shop.inputs("line_items", name, other=other["id"])
    attrs = run_import(api, "line_items", inputs, parent_resource_id=order["id"])
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    mine = lines(api, order)
    if name.endswith("json"):
        assert sorted(mine) == ["SUMMER-KIT", "TSHIRT-S"]
        assert sorted(lines(api, other)) == ["MUG-01"]  # the item's own order wins
        assert tag_names(api, mine["TSHIRT-S"]) == ["gift"]
    else:
        assert sorted(mine) == ["MUG-01", "SUMMER-KIT", "TSHIRT-S"]
        assert option_rows(api, mine["MUG-01"]) == [(shop.ids["engraving"], 1, {"text": "ADA"})]
        assert option_rows(api, mine["TSHIRT-S"]) == [(shop.ids["gift_wrap"], 2, {"paper": "red"})]
    assert related_id(mine["SUMMER-KIT"], "bundle") is not None
    # Re-import: matched on (order, sku code or bundle code), nothing duplicated.
    before = {r["id"] for r in list_all(api, "/api/line_items")}
    again = run_import(api, "line_items", inputs, parent_resource_id=order["id"])
    assert counts(again) == ("completed", 3, 0, 0, 0), again
    assert {r["id"] for r in list_all(api, "/api/line_items")} == before


def test_line_items_errors_and_cleanup_within_the_parent(api):
    shop = Catalog(api).with_markets()
    order, other = factories.order(api), factories.order(api)
    for code in ("TSHIRT-S", "TSHIRT-M"):
        factories.line_item(api, order, shop.skus[code])
    kept = factories.line_item(api, other, shop.skus["TSHIRT-S"])
    inputs = [
        {"sku_code": "TSHIRT-M", "quantity": 4},
        {"sku_code": "TSHIRT-L", "bundle_code": "NOPE", "quantity": 1},
        {"sku_code": "MUG-01", "quantity": 0},
    ]
    attrs = run_import(api, "line_items", inputs, parent_resource_id=order["id"],
                       cleanup_records=True, skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 2, 0, 1), attrs
    # Named by key (order / derived item code); one whose bundle is unknown has no item code.
    assert attrs["errors_log"] == {
        "2": {"bundle": ["must exist"]},
        f"{order['id']}/MUG-01": {"quantity": ["must be greater than or equal to 1"]},
    }
    assert {c: line["attributes"]["quantity"] for c, line in lines(api, order).items()} == {
        "TSHIRT-M": 4
    }
    assert list(lines(api, other)) == ["TSHIRT-S"] and lines(api, other)["TSHIRT-S"]["id"] == kept[
        "id"]  # fmt: skip


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_line_item_options_in_a_parent_line_item(api, name):
    shop = Catalog(api).with_markets().options()
    line = factories.line_item(api, factories.order(api), shop.skus["MUG-01"])
    inputs = shop.inputs("line_item_options", name)
    attrs = run_import(api, "line_item_options", inputs, parent_resource_id=line["id"])
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    engraving, wrap = shop.ids["engraving"], shop.ids["gift_wrap"]
    if name.endswith("json"):
        expected = [(engraving, 1, {"text": "Happy birthday", "font": "serif"}),
                    (wrap, 1, {"paper": "gold"})]  # fmt: skip
        (tagged,) = list_all(api, "/api/line_item_options", **{"filter[q][name_eq]": "Engraving"})
        assert tag_names(api, tagged) == ["personal"]
    else:
        expected = [(engraving, 1, {"text": "Happy birthday, Ada"}), (wrap, 2, {})]
    assert option_rows(api, line) == sorted(expected)
    again = run_import(api, "line_item_options", inputs, parent_resource_id=line["id"],
                       cleanup_records=True)  # fmt: skip
    assert counts(again) == ("completed", 2, 0, 0, 0), again
    assert option_rows(api, line) == sorted(expected)
    broken = [{"sku_option_id": engraving, "quantity": 1, "options": "bold"}]
    attrs = run_import(api, "line_item_options", broken, parent_resource_id=line["id"])
    assert attrs["errors_log"] == {f"{line['id']}/{engraving}": {"options": ["is invalid"]}}
