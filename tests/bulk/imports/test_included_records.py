"""An export's includes, imported with the exported type into another organization: the included
records come back (a SKU's prices with their tiers), counted per item, or each item says why not.
"""

from __future__ import annotations

import json

import pytest

from tests.support import factories
from tests.support.documents import attrs_of, list_all
from tests.support.jobs import counts, run_export, run_import, text

FORMATS = ["json", "csv"]


def inputs(gz: bytes, fmt: str):
    return text(gz) if fmt == "csv" else json.loads(text(gz))


def catalog(api, lists: tuple[str, ...]) -> dict[str, dict]:
    factories.shipping_category(api, "Merch", code="MERCH")
    return {code: factories.price_list(api, code=code) for code in lists}


@pytest.mark.parametrize("fmt", FORMATS)
def test_prices_and_tiers_come_back_and_a_missing_price_list_is_named(api, other_org, fmt):
    lists = catalog(api, ("EU", "US"))
    category = list_all(api, "/api/shipping_categories")[0]
    for i in range(1, 6):
        sku = factories.sku(api, f"SKU{i}", category)
        price = factories.price(api, sku, lists["EU"], amount_cents=100 * i)
        if i == 1:
            for name in ("5 pack", "10 pack"):
                factories.price_tier(api, price, name)
        if i == 5:
            factories.price(api, sku, lists["US"], amount_cents=900)
    spec = {"format": fmt, "dry_data": True, "includes": ["prices.price_tiers"]}
    _attrs, exported = run_export(api, "skus", **spec)

    b = other_org.api
    catalog(b, ("EU",))  # no US list there
    imported = run_import(b, "skus", inputs(exported, fmt), format=fmt, skip_errors=True)
    assert imported["inputs_size"] == 5  # CSV: 7 rows, 5 items
    assert counts(imported) == ("completed", 4, 1, 0, 0), imported
    assert imported["errors_log"] == {"SKU5": {"prices.price_list": ["must exist"]}}
    prices = list_all(b, "/api/prices")
    assert attrs_of(prices, "sku_code", "price_list_code", "amount_cents") == [
        (f"SKU{i}", "EU", 100 * i) for i in range(1, 5)
    ]
    assert sorted(attrs_of(list_all(b, "/api/price_tiers"), "name")) == [("10 pack",), ("5 pack",)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_include_the_import_cannot_write_is_a_warning_naming_it(api, other_org, fmt):
    catalog(api, ())
    category = list_all(api, "/api/shipping_categories")[0]
    factories.sku(api, "SKU1", category)
    spec = {"format": fmt, "dry_data": True, "includes": ["shipping_category"]}
    _attrs, exported = run_export(api, "skus", **spec)

    catalog(other_org.api, ())
    imported = run_import(other_org.api, "skus", inputs(exported, fmt), format=fmt)
    assert counts(imported) == ("completed", 1, 0, 1, 0), imported
    assert imported["warnings_log"] == {
        "SKU1": ["shipping_category cannot be imported with skus: ignored"]
    }


README_CSV = (
    "code,name,shipping_category_code,prices.price_list_code,prices.amount_cents,"
    "prices.price_tiers.type,prices.price_tiers.name,prices.price_tiers.price_amount_cents,"
    "shipping_category.name\n"
    "MUG,Mug,MERCH,EU,1000,PriceVolumeTier,5 pack,900,Merch\n"
    "MUG,Mug,MERCH,EU,1000,PriceVolumeTier,10 pack,800,Merch\n"
)


def test_the_readme_example(api):
    catalog(api, ("EU",))
    imported = run_import(api, "skus", README_CSV)
    assert (imported["inputs_size"], imported["processed_count"]) == (1, 1)
    assert imported["warnings_log"] == {
        "MUG": ["shipping_category cannot be imported with skus: ignored"]
    }
    assert attrs_of(list_all(api, "/api/prices"), "sku_code", "amount_cents") == [("MUG", 1000)]
    assert len(list_all(api, "/api/price_tiers")) == 2
