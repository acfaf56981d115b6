"""Importing bundles and SKU options: per market (the parent), or in a currency of their own."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import list_all, related_id, tag_names
from tests.support.jobs import counts, fixture, run_import
from tests.support.world import Catalog


def keyed(api, type_: str, attribute: str) -> dict[tuple, dict]:
    """Records by (attribute, market code)."""
    rows = list_all(api, f"/api/{type_}")
    return {(r["attributes"][attribute], r["attributes"]["market_code"]): r for r in rows}


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_sku_options(api, name):
    shop = Catalog(api).with_markets()
    attrs = run_import(api, "sku_options", fixture("sku_options", name),
                       parent_resource_id=shop.eu["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = keyed(api, "sku_options", "name")
    assert sorted(found) == [("Engraving", "EU"), ("Gift wrap", "EU"), ("Gift wrap", "US")]
    engraving = found["Engraving", "EU"]
    assert (engraving["attributes"]["price_amount_cents"], engraving["attributes"]["delay_hours"]) \
        == (500, 48)  # fmt: skip
    assert related_id(engraving, "market") == shop.eu["id"]
    assert related_id(found["Gift wrap", "US"], "market") == shop.us["id"]  # its own market wins
    assert tag_names(api, found["Gift wrap", "EU"]) == ["gift", "personal"]
    assert found["Gift wrap", "US"]["attributes"]["price_amount_cents"] == 350
    ids = {r["id"] for r in found.values()}
    again = run_import(api, "sku_options", fixture("sku_options", name),
                       parent_resource_id=shop.eu["id"])  # fmt: skip
    assert counts(again) == ("completed", 3, 0, 0, 0), again
    assert {r["id"] for r in keyed(api, "sku_options", "name").values()} == ids


def test_sku_options_errors_and_cleanup_within_the_market(api):
    shop = Catalog(api).with_markets()
    old = factories.sku_option(api, "Old option", shop.eu)
    us = factories.sku_option(api, "Old option", shop.us)
    inputs = [
        {"name": "Engraving", "price_amount_cents": 600, "_add_tags": "personal"},
        {"name": "Monogram", "market_code": "NOWHERE"},
        {"name": "Gift box", "delay_hours": -1},
    ]
    attrs = run_import(api, "sku_options", inputs, parent_resource_id=shop.eu["id"],
                       cleanup_records=True, skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 2, 0, 1), attrs
    assert attrs["errors_log"] == {
        "Monogram/NOWHERE": {"market": ["must exist"]},
        f"Gift box/{shop.eu['id']}": {"delay_hours": ["must be greater than or equal to 0"]},
    }
    found = keyed(api, "sku_options", "name")
    assert sorted(found) == [("Engraving", "EU"), ("Old option", "US")]
    assert found["Old option", "US"]["id"] == us["id"] != old["id"]
    assert tag_names(api, found["Engraving", "EU"]) == ["personal"]
    # Without a market (no parent, none given) an option needs its own currency.
    inputs = [{"name": "Gift card"}, {"name": "Wrap", "currency_code": "GBP"}]
    attrs = run_import(api, "sku_options", inputs, skip_errors=True)
    assert attrs["errors_log"] == {"1": {"currency_code": ["can't be blank"]}}
    assert keyed(api, "sku_options", "name")["Wrap", None]["attributes"]["currency_code"] == "GBP"


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_bundles(api, name):
    shop = Catalog(api).with_markets()
    summer = factories.sku_list(api, "Summer Essentials", [shop.skus["TSHIRT-S"]])
    kitchen = factories.sku_list(api, "Kitchen", [shop.skus["MUG-01"]])
    attrs = run_import(api, "bundles", fixture("bundles", name), parent_resource_id=shop.eu["id"])
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = keyed(api, "bundles", "code")
    assert sorted(found) == [("MUG-SET", "EU"), ("SUMMER-KIT", "EU"), ("SUMMER-KIT", "US")]
    kit = found["SUMMER-KIT", "EU"]
    assert (kit["attributes"]["price_amount_cents"], kit["attributes"]["compare_at_amount_cents"]) \
        == (4500, 5200)  # fmt: skip
    assert related_id(kit, "sku_list") == summer["id"]
    assert kit["attributes"]["sku_list_name"] == "Summer Essentials"
    assert tag_names(api, kit) == ["bundle"]
    us = found["SUMMER-KIT", "US"]
    assert (us["attributes"]["name"], related_id(us, "market")) == (
        "Summer kit (US)",
        shop.us["id"],
    )
    assert related_id(found["MUG-SET", "EU"], "sku_list") == kitchen["id"]
    ids = {r["id"] for r in found.values()}
    again = run_import(api, "bundles", fixture("bundles", name), parent_resource_id=shop.eu["id"])
    assert counts(again) == ("completed", 3, 0, 0, 0), again
    assert {r["id"] for r in keyed(api, "bundles", "code").values()} == ids


def test_bundles_errors_and_cleanup_within_the_market(api):
    shop = Catalog(api).with_markets()
    summer = factories.sku_list(api, "Summer Essentials")
    old = factories.bundle(api, summer, "OLD", shop.eu)
    kept = factories.bundle(api, summer, "OLD", shop.us)
    inputs = [
        {"code": "KIT", "name": "Kit", "sku_list_id": summer["id"]},
        {"code": "NO-LIST", "name": "No list"},
        {"code": "BAD-LIST", "name": "Bad list", "sku_list_name": "Winter"},
    ]
    attrs = run_import(api, "bundles", inputs, parent_resource_id=shop.eu["id"],
                       cleanup_records=True, skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 2, 0, 1), attrs
    eu = shop.eu["id"]
    assert attrs["errors_log"] == {
        f"NO-LIST/{eu}": {"sku_list": ["can't be blank"]},
        f"BAD-LIST/{eu}": {"sku_list": ["must exist"]},
    }
    found = keyed(api, "bundles", "code")
    assert sorted(found) == [("KIT", "EU"), ("OLD", "US")]
    assert found["OLD", "US"]["id"] == kept["id"] != old["id"]
