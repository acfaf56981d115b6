"""Every importable type from its fixture files, as JSON and as CSV: exact counts and records."""

from __future__ import annotations

import pytest

from tests.support.documents import attrs_of, by, list_all, related_id, tag_names
from tests.support.jobs import counts, fixture, run_import
from tests.support.world import Catalog

OK3 = ("completed", 3, 0, 0, 0)
OK4 = ("completed", 4, 0, 0, 0)


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_skus(api, name):
    cat = Catalog(api)
    attrs = run_import(api, "skus", fixture("skus", name))
    skus = by(list_all(api, "/api/skus", **{"filter[q][code_not_start]": "TSHIRT"}), "code")
    skus.pop("MUG-01")
    if name == "valid.json":
        assert counts(attrs) == OK4, attrs
        hoodie = skus["HOODIE-BLK-S"]
        assert hoodie["attributes"]["weight"] == 450.5
        assert hoodie["attributes"]["metadata"] == {
            "season": "fw24",
            "supplier": {"name": "Acme Textiles"},
        }
        assert hoodie["attributes"]["description"] == "Organic cotton hoodie.\nMachine washable."
        assert tag_names(api, hoodie) == ["apparel", "winter"]
        assert related_id(skus["CAP-RED"], "shipping_category") == cat.express["id"]
        assert skus["CAP-RED"]["attributes"]["reference_origin"] == "erp"
        gift = skus["GIFT-WRAP"]["attributes"]
        assert (gift["do_not_ship"], gift["do_not_track"]) == (True, True)
        assert related_id(skus["GIFT-WRAP"], "shipping_category") is None
        assert sorted(skus) == ["CAP-RED", "GIFT-WRAP", "HOODIE-BLK-M", "HOODIE-BLK-S"]
    else:
        assert counts(attrs) == OK3, attrs
        assert sorted(skus) == ["E-GIFT-CARD", "MUG-BLACK", "MUG-WHITE"]
        white, black = skus["MUG-WHITE"]["attributes"], skus["MUG-BLACK"]["attributes"]
        assert white["name"] == "Mug, white"
        assert (white["weight"], white["do_not_ship"]) == (320.0, False)
        assert white["metadata"] == {"color": "white", "volume_ml": 330}
        assert white["description"] is None  # empty cell: not given
        assert black["name"] == 'Mug "Midnight", black'
        assert black["description"] == "Dishwasher safe.\r\nMicrowave safe."
        assert black["weight"] == 320.5
        assert tag_names(api, skus["MUG-WHITE"]) == ["gift", "kitchen"]
        assert tag_names(api, skus["MUG-BLACK"]) == ["kitchen"]
        assert skus["E-GIFT-CARD"]["attributes"]["do_not_ship"] is True
        assert related_id(skus["MUG-WHITE"], "shipping_category") == cat.standard["id"]


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_prices_with_tiers(api, name):
    cat = Catalog(api)
    attrs = run_import(api, "prices", fixture("prices", name), parent_resource_id=cat.eur["id"])
    # CSV: 3 items of 5 rows (three of them one price with three tiers); JSON: 4 items
    assert counts(attrs) == (("completed", 4, 0, 0, 0) if name.endswith("json") else
                             ("completed", 3, 0, 0, 0))  # fmt: skip
    eur = list_all(api, f"/api/price_lists/{cat.eur['id']}/prices", include="sku")
    rows = {p["attributes"]["sku_code"]: p["attributes"] for p in eur}
    assert {k: (v["amount_cents"], v["compare_at_amount_cents"]) for k, v in rows.items()} == {
        "TSHIRT-S": (1900, 2500), "TSHIRT-M": (1900, None), "TSHIRT-L": (2100, 2500),
    }  # fmt: skip
    tiers = list_all(api, "/api/price_tiers")
    expected = [
        ("10 pack", "PriceVolumeTier", 10.0, 1700),
        ("5 pack", "PriceVolumeTier", 5.0, 1800),
        ("monthly", "PriceFrequencyTier", 1.0, 1500),
    ]
    if name.endswith("csv"):
        expected.insert(0, ("3 pack, boxed", "PriceVolumeTier", 3.0, 2000))
    assert attrs_of(tiers, "name", "tier_type", "up_to", "price_amount_cents") == sorted(expected)
    usd = list_all(api, f"/api/price_lists/{cat.usd['id']}/prices")
    if name.endswith("json"):  # the item's own price_list_code wins over parent_resource_id
        assert [p["attributes"]["sku_code"] for p in usd] == ["MUG-01"]
        assert "MUG-01" not in rows


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_price_tiers(api, name):
    cat = Catalog(api)
    price = cat.price()
    attrs = run_import(api, "price_tiers", fixture("price_tiers", name),
                       parent_resource_id=price["id"])  # fmt: skip
    assert counts(attrs) == OK3, attrs
    tiers = list_all(api, f"/api/prices/{price['id']}/price_tiers")
    assert attrs_of(tiers, "name", "tier_type", "up_to", "price_amount_cents") == [
        ("12 pack", "PriceVolumeTier", 12.0, 1650),
        ("6 pack", "PriceVolumeTier", 6.0, 1750),
        ("weekly", "PriceFrequencyTier", None, 1400),
    ]


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_stock_items(api, name):
    cat = Catalog(api)
    attrs = run_import(api, "stock_items", fixture("stock_items", name),
                       parent_resource_id=cat.warehouse["id"])  # fmt: skip
    assert counts(attrs) == OK4, attrs
    milan = list_all(api, f"/api/stock_locations/{cat.warehouse['id']}/stock_items")
    assert attrs_of(milan, "sku_code", "quantity") == [
        ("TSHIRT-L", -2), ("TSHIRT-M", 0), ("TSHIRT-S", 100),
    ]  # fmt: skip
    london = list_all(api, f"/api/stock_locations/{cat.store['id']}/stock_items")
    assert attrs_of(london, "sku_code", "quantity") == [("MUG-01", 35)]
    assert related_id(london[0], "sku") == cat.skus["MUG-01"]["id"]


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_customers(api, name):
    cat = Catalog(api)
    attrs = run_import(api, "customers", fixture("customers", name))
    assert counts(attrs) == OK3, attrs
    customers = by(list_all(api, "/api/customers"), "email")
    assert sorted(customers) == ["ada@example.com", "grace@example.com", "linus@example.org"]
    ada = customers["ada@example.com"]
    assert ada["attributes"]["metadata"] == {"lang": "en"}
    assert ada["attributes"]["shopper_reference"] == "SHOP-1"
    assert related_id(ada, "customer_group") == cat.group["id"]
    assert related_id(customers["grace@example.com"], "customer_group") is None
    assert tag_names(api, ada) == ["newsletter", "vip"]
    assert tag_names(api, customers["linus@example.org"]) == ["newsletter"]


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_addresses(api, name):
    attrs = run_import(api, "addresses", fixture("addresses", name))
    size = 3 if name.endswith("json") else 2
    assert counts(attrs) == ("completed", size, 0, 0, 0), attrs
    addresses = by(list_all(api, "/api/addresses"), "line_1")
    hq = addresses["Via Roma 1"]["attributes"]
    assert (hq["business"], hq["company"], hq["lat"], hq["lng"]) == (
        True,
        "Acme S.p.A.",
        45.4642,
        9.19,
    )
    assert hq["line_2"] == "Floor 3, Suite B"
    assert hq["notes"] == 'Deliveries 9-17, ring "Acme"'
    home = addresses["12 St James's Square"]["attributes"]
    assert (home["business"], home["first_name"], home["lat"]) == (False, "Ada", None)
    assert len(addresses) == size


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_shipping_categories(api, name):
    attrs = run_import(api, "shipping_categories", fixture("shipping_categories", name))
    assert counts(attrs) == OK3, attrs
    categories = list_all(api, "/api/shipping_categories")
    assert attrs_of(categories, "name", "code") == [
        ("Cold chain", "COLD"),
        ("Fragile, handle with care", "FRAGILE"),
        ("Oversized", "OVERSIZED"),
    ]


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_tags(api, name):
    attrs = run_import(api, "tags", fixture("tags", name))
    assert counts(attrs) == OK3, attrs
    tags = by(list_all(api, "/api/tags"), "name")
    assert sorted(tags) == ["clearance", "new_in", "summer-2024"]
    assert tags["summer-2024"]["attributes"]["metadata"] == {"campaign": True}
    assert tags["clearance"]["attributes"]["reference"] == "mkt-2"


@pytest.mark.parametrize("name", ["valid.json", "valid.csv"])
def test_tax_categories(api, name):
    cat = Catalog(api)
    attrs = run_import(api, "tax_categories", fixture("tax_categories", name),
                       parent_resource_id=cat.calculator["id"])  # fmt: skip
    assert counts(attrs) == OK3, attrs
    rows = list_all(api, f"/api/tax_calculators/{cat.calculator['id']}/tax_categories")
    assert attrs_of(rows, "code", "sku_code") == [
        ("PB100", "MUG-01"), ("PC040100", "TSHIRT-S"), ("PC040200", "TSHIRT-M"),
    ]  # fmt: skip
